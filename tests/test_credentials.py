"""Open Badges 3.0 credentials: every mastered competency of demo students, validated
against 1EdTech's published JSON schema (vendored in tests/data/openbadges, see its
README), CASE alignment, evidence, determinism, and refused input; and the CLR 2.0
ClrCredential that wraps them, validated against 1EdTech's published CLR 2.0 schema
(tests/data/clr)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.cli import main
from playlist_tui.engine.mastery import statuses
from playlist_tui.interop.credentials import clr, credentials
from playlist_tui.store.loader import load_class
from tests.conftest import DEMO

jsonschema = pytest.importorskip(
    "jsonschema", reason="jsonschema (a dev dependency) validates the credentials")

SCHEMA = Path(__file__).resolve().parent / "data" / "openbadges" / \
    "ob_v3p0_achievementcredential_schema.json"
CLR_SCHEMA = Path(__file__).resolve().parent / "data" / "clr" / \
    "clr_v2p0_clrcredential_schema.json"
LAKESIDE = Path(__file__).resolve().parent / "data" / "case" / "lakeside-math6-ratios.json"


def validator(path: Path = SCHEMA) -> Any:
    schema = json.loads(path.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_the_schema_is_strict_enough_to_fail() -> None:
    """The validator rejects a credential missing what OB 3.0 requires (so a pass means
    something)."""
    data = load_class(DEMO).data
    student = next(s for s in sorted(data.students) if credentials(data, s))
    _, good = credentials(data, student)[0]
    check = validator()
    assert not list(check.iter_errors(good))
    for broken in ({k: v for k, v in good.items() if k != "validFrom"},
                   {**good, "type": ["VerifiableCredential"]},
                   {**good, "@context": good["@context"][:1]},
                   {**good, "credentialSubject": {**good["credentialSubject"],
                                                  "achievement": {"name": "x"}}}):
        assert list(check.iter_errors(broken))


def test_every_demo_credential_is_valid(tmp_path: Path) -> None:
    data = load_class(DEMO).data
    check = validator()
    total = 0
    for student in sorted(data.students):
        made = credentials(data, student)
        mastered = [c for c, s in statuses(data, student).items() if s.mastered]
        assert len(made) == len(mastered)
        for name, credential in made:
            errors = [f"{'/'.join(map(str, e.path))}: {e.message}"
                      for e in check.iter_errors(credential)]
            assert errors == [], (name, errors[:5])
            evidence = credential["evidence"]
            assert evidence[0]["name"] == "The teacher's decision"
            assert "Mastered (" in evidence[0]["description"]
            total += 1
    assert total > 20
    # the same class gives the same credentials
    assert credentials(data, "priya-raman") == credentials(load_class(DEMO).data,
                                                           "priya-raman")


def test_command_writes_files_and_refuses_unknown_students(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "creds"
    assert main(["export", "credentials", "--student", "priya-raman", str(DEMO), "-o",
                 str(out)]) == 0
    files = sorted(out.iterdir())
    assert files and all(f.name.startswith("priya-raman--") for f in files)
    assert f"Wrote {len(files)} Open Badges 3.0 credentials" in capsys.readouterr().err
    assert main(["export", "credentials", "--student", "nobody", str(DEMO)]) == 2
    assert "there is no student 'nobody'" in capsys.readouterr().err


def test_case_alignment_and_evidence_links(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A competency imported from CASE is aligned with its CASE item (uri and code); the
    student's evidence link on an activity that practises it is evidence."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "class.toml").write_text(
        'name = "6B"\n\n[[teachers]]\nid = "lee"\nname = "Ms Lee"\n\n'
        '[[students]]\nid = "ana"\nname = "Ana"\nemails = ["ana@example.org"]\n\n'
        '[[assignments]]\nplaylist = "rp"\neveryone = true\n')
    assert main(["import", "case", str(LAKESIDE), "--into", str(folder), "--id", "rp6"]) == 0
    (folder / "playlists").mkdir()
    (folder / "playlists/rp.toml").write_text(
        'id = "rp"\ntitle = "Ratios"\n\n[[tiers]]\nid = "t1"\ntitle = "Start"\n\n'
        '[[tiers.activities]]\nid = "tape"\ntitle = "Tape diagrams"\n'
        'competencies = ["L6.RP.1"]\n')
    (folder / "students/ana").mkdir(parents=True)
    (folder / "students/ana/student.toml").write_text(
        '[ticks]\n"rp/tape" = 2026-10-01T10:00:00Z\n\n[notes]\n'
        '"rp/tape" = { evidence = "https://drive.example.org/ana/tape.pdf", '
        'reflection = "I drew the ratio." }\n\n[requests]\n'
        'r1 = { competency = "L6.RP.1", at = 2026-10-02T10:00:00Z, note = "Ready!" }\n')
    (folder / "students/ana/teacher.toml").write_text(
        '[decisions]\nd1 = { request = "r1", result = "mastered", level = 4, '
        'feedback = "Clear diagrams.", by = "lee", at = 2026-10-03T10:00:00Z }\n'
        'd2 = { competency = "L6.RP.2", result = "not-yet", by = "lee", '
        'at = 2026-10-03T11:00:00Z }\n')
    capsys.readouterr()
    data = load_class(folder).data
    made = credentials(data, "ana")
    assert [name for name, _ in made] == ["ana--rp6--L6.RP.1.json"]  # not-yet gives none
    credential = made[0][1]
    assert not list(validator().iter_errors(credential))
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["alignment"] == [{
        "type": ["Alignment"], "targetName": "Ratio language",
        "targetUrl": "https://standards.lakeside.example/ims/case/v1p1/CFItems/"
                     "906629a5-c942-5da4-9d3f-0fc386e8f48e",
        "targetCode": "L6.RP.1", "targetType": "CFItem",
        "targetDescription": achievement["description"],
        "targetFramework": "Lakeside Grade 6 Math: Ratios and Rates"}]
    assert credential["credentialSubject"]["result"][0]["value"] == "Extending"
    evidence = credential["evidence"]
    assert evidence[0]["narrative"] == "Clear diagrams."
    assert {"type": ["Evidence"], "name": "Tape diagrams",
            "id": "https://drive.example.org/ana/tape.pdf",
            "narrative": "I drew the ratio."} in evidence
    assert evidence[-1]["narrative"] == "Ready!"
    assert credential["validFrom"] == "2026-10-03T10:00:00Z"
    ids = credential["credentialSubject"]["identifier"]
    assert ids[1]["identityType"] == "emailAddress" and ids[1]["hashed"] is True
    assert "ana@example.org" not in json.dumps(credential)  # the email is only hashed


def test_no_mastered_competency_writes_nothing(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    data = load_class(folder).data
    student = next(s for s in sorted(data.students) if not credentials(data, s))
    out = tmp_path / "none"
    assert main(["export", "credentials", "--student", student, str(folder), "-o",
                 str(out)]) == 0
    assert "no mastered competency yet" in capsys.readouterr().err
    assert not out.exists()


CORRECTIONS = """[decisions]
d1 = { competency = "RP", result = "mastered", by = "lee", at = 2026-10-01T10:00:00Z }
d2 = { supersedes = "d1", result = "not-yet", by = "lee", at = 2026-10-02T10:00:00Z }
d3 = { competency = "RP.1", result = "mastered", level = 4, by = "lee", at = 2026-10-03T10:00:00Z }
d4 = { supersedes = "d3", withdrawn = true, by = "lee", at = 2026-10-04T10:00:00Z }
d5 = { competency = "RP.2", result = "mastered", by = "lee", at = 2026-10-05T10:00:00Z }
"""


def test_superseded_and_withdrawn_decisions_give_no_credential(
        small_class: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A decision corrected to not yet, and one withdrawn, no longer count: no credential
    (nor in the CLR) says the student mastered them; the decision that stands does."""
    (small_class / "students/ana/teacher.toml").write_text(CORRECTIONS)
    data = load_class(small_class).data
    made = credentials(data, "ana")
    assert [name for name, _ in made] == ["ana--math6--RP.2.json"]
    assert made[0][1]["validFrom"] == "2026-10-05T10:00:00Z"
    assert not list(validator().iter_errors(made[0][1]))
    out = tmp_path / "creds"
    assert main(["export", "credentials", "--student", "ana", str(small_class), "-o",
                 str(out)]) == 0
    assert [p.name for p in out.iterdir()] == ["ana--math6--RP.2.json"]
    # withdrawn alone (no other decision): nothing at all
    (small_class / "students/ana/teacher.toml").write_text(
        "\n".join(CORRECTIONS.splitlines()[:1] + CORRECTIONS.splitlines()[3:5]) + "\n")
    assert credentials(load_class(small_class).data, "ana") == []


# --------------------------------------------------------------------------- CLR 2.0


def clr_errors(document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}"
            for e in validator(CLR_SCHEMA).iter_errors(document)]


def test_the_clr_schema_is_strict_enough_to_fail() -> None:
    data = load_class(DEMO).data
    student = next(s for s in sorted(data.students) if credentials(data, s))
    good = clr(data, student)
    assert good is not None and clr_errors(good) == []
    subject = good["credentialSubject"]
    for broken in ({k: v for k, v in good.items() if k != "validFrom"},
                   {**good, "type": ["VerifiableCredential", "OpenBadgeCredential"]},
                   {**good, "@context": [good["@context"][0], good["@context"][2]]},
                   {**good, "credentialSubject": {k: v for k, v in subject.items()
                                                  if k != "verifiableCredential"}},
                   {**good, "credentialSubject": {**subject, "association": [
                       {"type": "Association", "associationType": "isCousinOf",
                        "sourceId": "urn:x:a", "targetId": "urn:x:b"}]}}):
        assert clr_errors(broken)


def test_every_demo_clr_is_valid() -> None:
    """One ClrCredential a student: valid CLR 2.0; its verifiableCredential are the
    student's Open Badges credentials (each valid OB 3.0 too); every association joins
    achievements that are in it."""
    data = load_class(DEMO).data
    ob = validator()
    seen = 0
    for student in sorted(data.students):
        made = credentials(data, student)
        document = clr(data, student)
        if not made:
            assert document is None
            continue
        assert document is not None
        assert clr_errors(document) == [], (student, clr_errors(document)[:5])
        subject = document["credentialSubject"]
        assert subject["verifiableCredential"] == [c for _, c in made]
        for credential in subject["verifiableCredential"]:
            assert not list(ob.iter_errors(credential))
        asserted = {c["credentialSubject"]["achievement"]["id"] for _, c in made}
        listed = {a["id"] for a in subject.get("achievement", [])}
        assert not asserted & listed  # the list holds only achievements not awarded
        for link in subject.get("association", []):
            assert {link["sourceId"], link["targetId"]} <= asserted | listed
        assert document["validFrom"] == max(c["validFrom"] for _, c in made)
        assert subject["identifier"] == made[0][1]["credentialSubject"]["identifier"]
        seen += 1
    assert seen > 3
    assert clr(data, "priya-raman") == clr(load_class(DEMO).data, "priya-raman")


def test_clr_achievements_and_associations(small_class: Path) -> None:
    """Ana mastered RP.1 and RP.2 (children of RP; RP.1 comes before RP.2): two
    credentials, RP as an achievement that is not awarded, and the framework's links."""
    (small_class / "students/ana/teacher.toml").write_text(
        '[decisions]\n'
        'd1 = { competency = "RP.1", result = "mastered", by = "lee", '
        'at = 2026-10-01T10:00:00Z }\n'
        'd2 = { competency = "RP.2", result = "mastered", level = 4, by = "lee", '
        'at = 2026-10-02T10:00:00Z }\n')
    data = load_class(small_class).data
    document = clr(data, "ana")
    assert document is not None and clr_errors(document) == []
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert document["@context"][1].startswith("https://purl.imsglobal.org/spec/clr/v2p0/")
    assert document["credentialSchema"][0]["id"].endswith("clr_v2p0_clrcredential_schema.json")
    subject = document["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    ids = {c["credentialSubject"]["achievement"]["humanCode"]:
           c["credentialSubject"]["achievement"]["id"] for c in subject["verifiableCredential"]}
    assert set(ids) == {"RP.1", "RP.2"}
    [parent] = subject["achievement"]
    assert parent["humanCode"] == "RP" and parent["name"] == "RP"
    assert sorted((a["associationType"], a["sourceId"], a["targetId"])
                  for a in subject["association"]) == sorted([
        ("isChildOf", ids["RP.1"], parent["id"]), ("isChildOf", ids["RP.2"], parent["id"]),
        ("precedes", ids["RP.1"], ids["RP.2"])])
    assert all(a["type"] == "Association" for a in subject["association"])
    assert document["validFrom"] == "2026-10-02T10:00:00Z"
    assert "Ana Souza" in document["name"] and "Test class 6B" in document["name"]


def test_clr_leaves_out_what_no_longer_counts(small_class: Path) -> None:
    (small_class / "students/ana/teacher.toml").write_text(CORRECTIONS)
    document = clr(load_class(small_class).data, "ana")
    assert document is not None and clr_errors(document) == []
    awarded = [c["credentialSubject"]["achievement"]["humanCode"]
               for c in document["credentialSubject"]["verifiableCredential"]]
    assert awarded == ["RP.2"]
    assert "RP.1" not in json.dumps(document["credentialSubject"]["verifiableCredential"])


def test_export_credentials_clr_command(small_class: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (small_class / "students/ana/teacher.toml").write_text(CORRECTIONS)
    out = tmp_path / "out"
    assert main(["export", "credentials", "--student", "ana", "--clr", str(small_class),
                 "-o", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == ["ana--clr.json"]
    written = json.loads((out / "ana--clr.json").read_text())
    assert clr_errors(written) == []
    err = capsys.readouterr().err
    assert "Wrote a CLR 2.0 ClrCredential (unsigned) for ana with 1 Open Badges 3.0 " \
           "credential to" in err
    assert main(["export", "credentials", "--student", "ana", "--clr",
                 str(small_class)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == written
    # nothing mastered: nothing written
    assert main(["export", "credentials", "--student", "ben", "--clr", str(small_class),
                 "-o", str(tmp_path / "none")]) == 0
    assert "no mastered competency yet" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
