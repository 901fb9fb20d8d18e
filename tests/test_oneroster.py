"""OneRoster import: 1.1 and 1.2 sample exports (folders and zips), malformed rows,
idempotence, matching people already in class.toml, and refused input."""

from __future__ import annotations

import shutil
import tomllib
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.cli import main
from playlist_tui.interop import oneroster
from playlist_tui.interop.common import InputError
from playlist_tui.store.loader import load_class
from tests.conftest import git

DATA = Path(__file__).resolve().parent / "data" / "oneroster"
V11 = DATA / "v1.1"
V12 = DATA / "v1.2"


def zipped(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
    return target


AS_OF = "2026-09-15"
"""The day the tests import on (never the real today: the fixtures' enrollments begin in
August and September 2026)."""


def run_import(source: Path, class_id: str, folder: Path, *extra: str,
               capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    when = [] if "--as-of" in extra else ["--as-of", AS_OF]
    code = main(["import", "oneroster", str(source), "--class", class_id, "--into",
                 str(folder), *when, *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def people(folder: Path) -> dict[str, dict[str, Any]]:
    data = tomllib.loads((folder / "class.toml").read_text())
    out: dict[str, dict[str, Any]] = {}
    for kind in ("teachers", "students"):
        for entry in data.get(kind, []):
            out[entry["id"]] = dict(entry, kind=kind)
    return out


def clean(folder: Path) -> None:
    result = load_class(folder)
    assert result.problems == [], "\n".join(map(str, result.problems))


@pytest.fixture(params=["folder", "zip"])
def v11(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "folder":
        return V11
    return zipped(V11, tmp_path / "lakeside-oneroster.zip")


# --------------------------------------------------------------------------- 1.1


def test_oneroster_11_into_a_class(v11: Path, small_class: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_import(v11, "cls-m6a", small_class, capsys=capsys)
    assert code == 0, err
    found = people(small_class)
    new = {k: v for k, v in found.items() if k not in ("lee", "ana", "ben", "cy")}
    assert {k: (v["kind"], v["name"], v.get("emails", [])) for k, v in new.items()} == {
        "mrivera": ("teachers", "Maria Rivera", ["mrivera@lakeside.example"]),
        "dchen": ("teachers", "David Chen", ["dchen@lakeside.example"]),
        "ana.silva": ("students", "Ana Silva", ["ana.silva@students.lakeside.example"]),
        "ben.okafor": ("students", "Ben Okafor", ["ben.okafor@students.lakeside.example"]),
        "chloe.nguyen": ("students", "Chloé Nguyễn",
                         ["chloe.nguyen@students.lakeside.example"]),
        "dpatel": ("students", "Dev Patel", ["dpatel@students.lakeside.example"]),
        "j.smith": ("students", "Jordan Smith", ["jordan.smith@students.lakeside.example"]),
        "j.smith-2": ("students", "Jamie Smith", ["jamie.smith@students.lakeside.example"]),
        "s-2007": ("students", "Emeka Obi", []),
        "farah.haddad": ("students", "Farah Haddad",
                         ["farah.haddad@students.lakeside.example"]),
        "lucia.romero": ("students", "Lucía Romero", []),
        "omar.farouk": ("students", "Omar Farouk", ["omar.farouk@students.lakeside.example"]),
    }
    assert out.startswith("Added 2 teachers and 10 students to class.toml from OneRoster 1.1 "
                          "class 'Math 6, Room 12 (Period 2)' (cls-m6a).")
    for reason in [
        "enrollments.csv:4: t-1003: the role 'aide' is not imported",
        "enrollments.csv:13: s-2009: the enrollment is marked tobedeleted",
        "enrollments.csv:14: s-2010: the enrollment ended on 2024-06-14",
        "enrollments.csv:19: unknown user 's-9999' (not in users.csv)",
        "enrollments.csv:20: p-3001: the role 'parent' is not imported",
        "enrollments.csv:21: malformed row (6 fields, the header has 10)",
        "users.csv:15: s-2011: the user is marked tobedeleted",
        "users.csv:16: s-2012: no givenName and no familyName",
        "users.csv:17: the row of s-2013 is malformed (19 fields, the header has 18)",
    ]:
        assert reason in out, reason
    assert "Not imported (9):" in out
    assert "'not-an-email' is not an email address" in out
    assert "enabledUser is false" in out
    assert "has the same name as ben already in class.toml" in out
    assert "the id 'j.smith' is taken by someone else; using 'j.smith-2'" in out

    # only additions, in the right places; the hand-written comment is still there
    stat = git(small_class, "diff", "--numstat").split()
    assert stat[1] == "0" and stat[2] == "class.toml"
    text = (small_class / "class.toml").read_text()
    assert text.startswith("# A small class for the tests. Hand-written")
    assert text.index('id = "mrivera"') < text.index("[[students]]")
    assert text.index('id = "omar.farouk"') < text.index("[[groups]]")
    clean(small_class)


def test_a_second_import_changes_nothing(v11: Path, small_class: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    run_import(v11, "cls-m6a", small_class, capsys=capsys)
    before = (small_class / "class.toml").read_bytes()
    code, out, _ = run_import(v11, "cls-m6a", small_class, capsys=capsys)
    assert code == 0
    assert (small_class / "class.toml").read_bytes() == before
    assert out.startswith("Nothing to add from OneRoster 1.1 class")
    assert "all 12 people are already in class.toml" in out


def test_another_class_adds_only_who_is_new(small_class: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    run_import(V11, "cls-m6a", small_class, capsys=capsys)
    code, out, _ = run_import(V11, "cls-m6b", small_class, capsys=capsys)
    assert code == 0
    assert "Added 2 students" in out and "1 already there" in out
    assert "gus.larsen" in out and "maya.cohen" in out
    assert len([p for p in people(small_class).values() if p["name"] == "Maria Rivera"]) == 1
    code, out, _ = run_import(V11, "cls-sci6", small_class, capsys=capsys)
    assert code == 0 and out.startswith("Nothing to add") and "all 3 people" in out
    clean(small_class)


def test_people_are_matched_by_email_then_by_id(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "class.toml").write_text(
        'name = "6A"\n\n'
        '[[teachers]]\nid = "maria"\nname = "Ms. Rivera"\nemails = ["MRivera@lakeside.example"]\n\n'
        '# Ana was added by hand, without an email.\n'
        '[[students]]\nid = "ana.silva"\nname = "Ana S."\n\n'
        '[[students]]\nid = "dpatel"\nname = "Another Dev"\nemails = ["other@example.org"]\n')
    code, out, _ = run_import(V11, "cls-m6a", folder, capsys=capsys)
    assert code == 0
    found = people(folder)
    assert "mrivera" not in found  # matched by email (any case)
    assert found["ana.silva"]["name"] == "Ana S."  # matched by id, left as it is
    assert found["dpatel-2"]["name"] == "Dev Patel"  # same id, another person's email
    assert found["dpatel"]["name"] == "Another Dev"
    assert "1 teacher and 9 students" in out
    assert "# Ana was added by hand, without an email." in (folder / "class.toml").read_text()
    clean(folder)
    before = (folder / "class.toml").read_bytes()
    run_import(V11, "cls-m6a", folder, capsys=capsys)
    assert (folder / "class.toml").read_bytes() == before


def test_a_role_that_differs_is_reported_not_changed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "class.toml").write_text('name = "6A"\n\n[[students]]\nid = "dchen"\n'
                                       'name = "David Chen"\n')
    code, out, _ = run_import(V11, "cls-m6a", folder, capsys=capsys)
    assert code == 0
    assert "dchen is a student in class.toml but enrolled as a teacher" in out
    assert people(folder)["dchen"]["kind"] == "students"


def test_an_empty_enrollment_role_comes_from_users_csv(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "export"
    shutil.copytree(V11, source)
    path = source / "enrollments.csv"
    path.write_text(path.read_text().replace("cls-m6a,org-lms,s-2016,student,",
                                             "cls-m6a,org-lms,s-2016,,"))
    roster = oneroster.read_roster(source, "cls-m6a", date(2026, 9, 15))
    assert [p.role for p in roster.people if p.sourced_id == "s-2016"] == ["student"]


# --------------------------------------------------------------------------- 1.2


def test_oneroster_12_zip_starts_a_new_class(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    archive = zipped(V12, tmp_path / "harbor.zip", prefix="harbor-export-2026/")
    folder = tmp_path / "english7"
    code, out, err = run_import(archive, "sec-ela7-1", folder, capsys=capsys)
    assert code == 0, err
    text = (folder / "class.toml").read_text()
    assert text.startswith("# class.toml: the class, its people, groups and assignments.")
    assert 'name = "English 7 - Section 1"' in text
    found = people(folder)
    assert {k: (v["kind"], v["name"]) for k, v in found.items()} == {
        "nokafor": ("teachers", "Nnamdi Okafor"),
        "sbrooks": ("teachers", "Sam Brooks"),  # preferred name; role from roles.csv
        "abe.adeyemi": ("students", "Abi Adeyemi"),
        "bea.novak": ("students", "Bea Novak"),
        "carlos.mendez": ("students", "Carlos Méndez García"),
        "dana.wu": ("students", "Dana Wu"),  # empty enrollment role: roles.csv says student
        "eli.cohen": ("students", "Eli Cohen"),
        "george-gigi-ito": ("students", "Gigi Ito"),
    }
    assert out.startswith("Added 2 teachers and 6 students to a new class.toml from "
                          "OneRoster 1.2 class 'English 7 - Section 1' (sec-ela7-1).")
    for reason in [
        "enrollments.csv:4: u-p01: the role 'proctor' is not imported",
        "enrollments.csv:10: u-s06: the enrollment ended on 2025-01-31",
        "enrollments.csv:14: u-s10: the enrollment is marked tobedeleted",
        "enrollments.csv:15: no userSourcedId",
        "enrollments.csv:16: u-s05 is enrolled again, as a teacher; kept as a student",
        "users.csv:12: u-s08: the user is marked tobedeleted",
        "users.csv:13: the row of u-s09 is malformed (22 fields, the header has 23)",
    ]:
        assert reason in out, reason
    clean(folder)
    before = (folder / "class.toml").read_bytes()
    code, out, _ = run_import(V12, "sec-ela7-1", folder, capsys=capsys)
    assert code == 0 and (folder / "class.toml").read_bytes() == before
    assert out.startswith("Nothing to add")


def test_an_unzipped_export_in_its_own_folder(tmp_path: Path, small_class: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(V12, tmp_path / "downloads" / "harbor-export-2026")
    code, out, _ = run_import(tmp_path / "downloads", "sec-his7-1", small_class, capsys=capsys)
    assert code == 0 and out.startswith("Added 1 teacher and 2 students")


def test_the_version_is_guessed_without_a_manifest(tmp_path: Path) -> None:
    source = tmp_path / "export"
    shutil.copytree(V12, source)
    (source / "manifest.csv").unlink()
    assert oneroster.read_roster(source, "sec-ela7-2").version == "OneRoster 1.2"
    source11 = tmp_path / "export11"
    shutil.copytree(V11, source11)
    (source11 / "manifest.csv").unlink()
    assert oneroster.read_roster(source11, "cls-m6b").version == "OneRoster 1.1"


def test_dry_run_writes_nothing(small_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_import(V12, "sec-his7-1", small_class, "--dry-run", capsys=capsys)
    assert code == 0
    assert out.startswith("Dry run: nothing was written.\nAdded 1 teacher and 2 students")
    assert git(small_class, "status", "--porcelain") == ""


# --------------------------------------------------------------------------- refused


def _broken_copy(tmp_path: Path, name: str, text: str | None) -> Path:
    source = tmp_path / "export"
    shutil.copytree(V11, source)
    if text is None:
        (source / name).unlink()
    else:
        (source / name).write_text(text)
    return source


@pytest.mark.parametrize(("name", "text", "class_id", "message"), [
    ("users.csv", None, "cls-m6a", "has no users.csv"),
    ("enrollments.csv", None, "cls-m6a", "has no enrollments.csv"),
    ("users.csv", "sourcedId,username\nu1,x\n", "cls-m6a", "users.csv has no column "
                                                            "givenName, familyName"),
    ("users.csv", "", "cls-m6a", "users.csv is empty"),
    ("classes.csv", None, "cls-nope", "no enrollments for the class 'cls-nope'"),
    (None, None, "cls-nope", "there is no class 'cls-nope' in classes.csv; give --class with "
                             "one of: cls-m6a (Math 6, Room 12 (Period 2)), cls-m6b"),
    (None, None, "cls-old", "classes.csv:5: the class 'cls-old' is marked tobedeleted"),
])
def test_refused_rosters(tmp_path: Path, small_class: Path, name: str | None,
                         text: str | None, class_id: str, message: str,
                         capsys: pytest.CaptureFixture[str]) -> None:
    source = _broken_copy(tmp_path, name, text) if name else V11
    code, out, err = run_import(source, class_id, small_class, capsys=capsys)
    assert code == 1, out
    assert message in err and err.rstrip().endswith("nothing was written")
    assert git(small_class, "status", "--porcelain") == ""


def test_not_utf8(tmp_path: Path) -> None:
    source = tmp_path / "export"
    shutil.copytree(V11, source)
    (source / "users.csv").write_bytes("sourcedId,givenName,familyName\nu,Zoë,X\n"
                                       .encode("latin-1"))
    with pytest.raises(InputError, match=r"users\.csv is not UTF-8 text"):
        oneroster.read_roster(source, "cls-m6a")


def test_bad_sources(tmp_path: Path, small_class: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_import(tmp_path / "missing.zip", "cls-m6a", small_class, capsys=capsys)
    assert code == 2 and "does not exist" in err
    fake = tmp_path / "roster.zip"
    fake.write_text("not a zip")
    code, _, err = run_import(fake, "cls-m6a", small_class, capsys=capsys)
    assert code == 1 and "neither a folder nor a zip file" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_import(empty, "cls-m6a", small_class, capsys=capsys)
    assert code == 1 and "has no users.csv and no enrollments.csv (it has no CSV files)" in err


def test_a_class_file_that_does_not_parse_is_left_alone(
        small_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = small_class / "class.toml"
    broken = path.read_text().replace('name = "Cy Park"', 'name = "Cy Park')
    path.write_text(broken)
    code, _, err = run_import(V11, "cls-m6a", small_class, capsys=capsys)
    assert code == 1 and "does not parse" in err
    assert path.read_text() == broken


def test_class_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["import", "oneroster", str(V11)])
    assert exc.value.code == 2
    assert "--class" in capsys.readouterr().err


# ----------------------------------------------------------------- dates, headers (issue 18)


def test_ended_and_future_enrollments_are_counted_and_named(
        small_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # as of 2026-08-01 the class has not started: every enrollment begins on 2026-08-24
    code, out, _ = run_import(V11, "cls-m6a", small_class, "--as-of", "2026-08-01",
                              capsys=capsys)
    assert code == 0
    assert out.startswith("Nothing to add: the OneRoster 1.1 class 'Math 6, Room 12 "
                          "(Period 2)' (cls-m6a) has no active enrollment of a student or "
                          "teacher on 2026-08-01 (1 ended, 19 not started yet, 2 not "
                          "imported for other reasons). Nothing was written")
    assert "Nothing was written" in out
    assert "enrollments.csv:14: s-2010: the enrollment ended on 2024-06-14" in out
    assert git(small_class, "status", "--porcelain") == ""
    # on a day of the school year: the ended one is reported by count and name
    code, out, _ = run_import(V11, "cls-m6a", small_class, "--dry-run", capsys=capsys)
    assert code == 0
    assert "1 enrollment ended before 2026-09-15, not imported: Hana Sato (s-2010)" in out


def test_a_class_whose_enrollments_all_ended_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "new"
    for version, class_id in ((V11, "cls-m6b"), (V12, "sec-his7-1")):
        source = tmp_path / f"export-{version.name}"
        shutil.copytree(version, source)
        path = source / "enrollments.csv"
        lines = path.read_text().splitlines()
        path.write_text("\n".join(
            line + "2027-06-15" if f",{class_id}," in line and line.endswith(",") else line
            for line in lines) + "\n")
        code, out, _ = run_import(source, class_id, folder, "--as-of", "2027-07-01",
                                  capsys=capsys)
        assert code == 0
        assert "has no active enrollment of a student or teacher on 2027-07-01" in out
        assert "ended before 2027-07-01" in out or "ended, " in out
        assert "Nothing was written" in out
        assert not (folder / "class.toml").exists()


def test_enrollments_that_begin_later_are_not_imported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "export"
    shutil.copytree(V12, source)
    path = source / "enrollments.csv"
    path.write_text(path.read_text().replace(",u-s01,student,false,2026-09-01,",
                                             ",u-s01,student,false,2027-01-10,"))
    roster = oneroster.read_roster(source, "sec-ela7-1", date(2026, 9, 15))
    assert "u-s01" not in {p.sourced_id for p in roster.people}
    assert [n for n in roster.notes if "not started yet" in n] == [
        "1 enrollment not started yet on 2026-09-15, not imported: "
        f"{roster.not_started[0]}"]
    assert roster.not_started[0].endswith("(u-s01)")
    later = oneroster.read_roster(source, "sec-ela7-1", date(2027, 1, 10))
    assert "u-s01" in {p.sourced_id for p in later.people}


@pytest.mark.parametrize("version", [V11, V12], ids=["1.1", "1.2"])
def test_tolerant_headers(version: Path, tmp_path: Path) -> None:
    """Empty columns at the end of a header (and the rows' empty fields under them), a
    byte order mark, and column names in another case: the same roster."""
    expected = oneroster.read_roster(version, "cls-m6a" if version == V11 else "sec-ela7-1",
                                     date(2026, 9, 15))
    source = tmp_path / "export"
    shutil.copytree(version, source)
    for csv_path in source.glob("*.csv"):
        lines = csv_path.read_text(encoding="utf-8").splitlines()
        header = lines[0].replace("sourcedId", "SourcedID").replace("role", "Role")
        padded = [header + ",,,"] + [line + ",," for line in lines[1:]]
        csv_path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(padded) + "\r\n").encode())
    got = oneroster.read_roster(source, expected.class_id, date(2026, 9, 15))
    assert got.people == expected.people
    assert len(got.skipped) == len(expected.skipped)
    assert any("the header ends with 3 empty columns; ignored" in n for n in got.notes)


def test_roles_csv_with_empty_trailing_header_columns(tmp_path: Path) -> None:
    """The 1.2 case from the issue: roles.csv's header ends with empty columns and its rows
    do not; every row used to be rejected as malformed."""
    source = tmp_path / "export"
    shutil.copytree(V12, source)
    roles = source / "roles.csv"
    lines = roles.read_text().splitlines()
    roles.write_text("\n".join([lines[0] + ",,", *lines[1:]]) + "\n")
    roster = oneroster.read_roster(source, "sec-ela7-1", date(2026, 9, 15))
    by_id = {p.sourced_id: p for p in roster.people}
    assert by_id["u-t02"].role == "teacher"  # the role that only roles.csv gives
    assert not any("roles.csv" in s and "malformed" in s for s in roster.skipped)
    assert any(n.startswith("roles.csv: the header ends with 2 empty columns")
               for n in roster.notes)


def test_as_of_must_be_a_date(small_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_import(V11, "cls-m6a", small_class, "--as-of", "15/09/2026",
                              capsys=capsys)
    assert code == 2 and "--as-of '15/09/2026' is not a date" in err


def test_names_in_the_report_are_one_clean_line(
        tmp_path: Path, small_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Names and ids come from the district's files: the report of ended and future
    enrollments never passes their control characters (a terminal's escape codes) on, and
    a long list of names is cut."""
    source = tmp_path / "export"
    shutil.copytree(V11, source)
    users = source / "users.csv"
    users.write_text(users.read_text().replace(",Hana,", ",\x1b[31mHa\x07na\u202e,", 1))
    code, out, _ = run_import(source, "cls-m6a", small_class, "--dry-run", capsys=capsys)
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "Ha na Sato (s-2010)" in out
    # many not yet started: counted, the first names given, the rest said
    code, out, _ = run_import(source, "cls-m6a", small_class, "--as-of", "2026-08-01",
                              capsys=capsys)
    assert code == 0 and "\x1b" not in out
    roster = oneroster.read_roster(source, "cls-m6a", date(2026, 8, 1))
    assert len(roster.not_started) == 19
    many = oneroster.Roster("OneRoster 1.1", "c", "C", [], [], [], date(2026, 8, 1),
                            not_started=[f"Person {n} (p-{n})" for n in range(250)])
    [note] = many.timing_notes()
    assert note.startswith("250 enrollments not started yet on 2026-08-01, not imported: "
                           "Person 0 (p-0), ")
    assert note.endswith("and 230 more (each under 'Not imported')")


def test_as_of_is_today_by_default(small_class: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    class Day(date):
        @classmethod
        def today(cls) -> Day:
            return cls(2026, 8, 1)

    monkeypatch.setattr(oneroster, "date", Day)
    code = main(["import", "oneroster", str(V11), "--class", "cls-m6a", "--into",
                 str(small_class)])
    out = capsys.readouterr().out
    assert code == 0
    assert "has no active enrollment of a student or teacher on 2026-08-01" in out
    assert git(small_class, "status", "--porcelain") == ""
