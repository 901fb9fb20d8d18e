"""The merge driver: student and teacher files merged by meaning, entry by entry."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.cli import main
from playlist_tui.store.merge import FROM_OTHER, MergeError, free_id, merge_bytes, merge_texts

BASE = """\
# Ana's record (hand-written comment: must survive).

[ticks]
"ratios/video" = 2026-11-02T10:00:00Z
"ratios/practice" = 2026-11-03T10:00:00Z

[notes]
"ratios/video" = { reflection = "Ratios compare two amounts." }

[requests]
rq-20261104-100000 = { competency = "RP.1", playlist = "ratios", at = 2026-11-04T10:00:00Z }

[goals]
g-20261101-090000 = { text = "Finish the ratios playlist", target = 2026-11-30 }

[seen]
feedback = 2026-11-05T10:00:00Z
"""


def with_line(text: str, after: str, line: str) -> str:
    assert after in text
    return text.replace(after, after + line + "\n", 1)


def without(text: str, line: str) -> str:
    assert line + "\n" in text
    return text.replace(line + "\n", "", 1)


def data(text: str) -> Any:
    return tomllib.loads(text)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_an_untick_on_one_side_and_a_tick_on_the_other_are_both_kept() -> None:
    ours = without(BASE, '"ratios/video" = 2026-11-02T10:00:00Z')  # unticked here
    theirs = with_line(BASE, '"ratios/practice" = 2026-11-03T10:00:00Z\n',
                       '"ratios/tables" = 2026-11-06T10:00:00Z')
    result = merge_texts(BASE, ours, theirs)
    ticks = data(result.text)["ticks"]
    assert set(ticks) == {"ratios/practice", "ratios/tables"}
    assert result.resolved == []
    # The other way round too: the untick comes in from the other side.
    result = merge_texts(BASE, theirs, ours)
    assert set(data(result.text)["ticks"]) == {"ratios/practice", "ratios/tables"}


def test_the_same_reflection_edited_on_two_devices_keeps_both_texts() -> None:
    line = '"ratios/video" = { reflection = "Ratios compare two amounts." }'
    ours = BASE.replace(line, '"ratios/video" = { reflection = "Written on the laptop." }')
    theirs = BASE.replace(line, '"ratios/video" = { reflection = "Written on the tablet.", '
                          'evidence = "https://example.org/ana" }')
    result = merge_texts(BASE, ours, theirs)
    note = data(result.text)["notes"]["ratios/video"]
    assert note["reflection"] == (f"Written on the laptop.\n\n{FROM_OTHER} Written on the "
                                  "tablet.")
    assert note["evidence"] == "https://example.org/ana"
    assert any("kept both texts" in line for line in result.resolved)
    # One line per entry, the rest of our file untouched.
    assert result.text.count("\n") == ours.count("\n")
    assert result.text.startswith("# Ana's record (hand-written comment: must survive).")
    # Merging again with the combined text changes nothing (no repeated texts).
    again = merge_texts(ours, result.text, theirs)
    assert again.text == result.text


def test_a_tick_made_on_both_sides_keeps_the_earliest_time() -> None:
    ours = with_line(BASE, '"ratios/practice" = 2026-11-03T10:00:00Z\n',
                     '"ratios/tape" = 2026-11-07T09:00:00Z')
    theirs = with_line(BASE, '"ratios/practice" = 2026-11-03T10:00:00Z\n',
                       '"ratios/tape" = 2026-11-06T08:00:00Z')
    ticks = data(merge_texts(BASE, ours, theirs).text)["ticks"]
    assert ticks["ratios/tape"] == at("2026-11-06T08:00:00Z")
    ticks = data(merge_texts(BASE, theirs, ours).text)["ticks"]
    assert ticks["ratios/tape"] == at("2026-11-06T08:00:00Z")


def test_decisions_added_on_both_sides_are_all_kept() -> None:
    base = ("# Teachers' decisions about Ana: only teachers write this file.\n\n[decisions]\n"
            'd-20261105-100000 = { request = "rq-20261104-100000", result = "not-yet", '
            'level = 2, by = "lee", at = 2026-11-05T10:00:00Z }\n')
    ours = base + ('d-20261110-090000 = { competency = "RP.1", result = "mastered", level = 3, '
                   'by = "lee", at = 2026-11-10T09:00:00Z }\n')
    theirs = base + ('d-20261110-093000 = { competency = "RP.2", result = "not-yet", '
                     'by = "kim", at = 2026-11-10T09:30:00Z }\n')
    result = merge_texts(base, ours, theirs)
    decisions = data(result.text)["decisions"]
    assert list(decisions) == ["d-20261105-100000", "d-20261110-090000",
                               "d-20261110-093000"]
    assert result.resolved == []
    # The same id given to two different decisions (same second): both are kept.
    clash = base + ('d-20261110-090000 = { competency = "RP.2", result = "not-yet", '
                    'by = "kim", at = 2026-11-10T09:00:00Z }\n')
    result = merge_texts(base, ours, clash)
    decisions = data(result.text)["decisions"]
    assert decisions["d-20261110-090000"]["by"] == "kim"  # theirs keeps it
    assert decisions["d-20261110-090000-2"]["by"] == "lee"  # ours moves
    assert len(decisions) == 3


def test_requests_with_the_same_id_from_two_devices_are_both_kept() -> None:
    ours = with_line(BASE, "[requests]\n", 'rq-20261120-140200 = { competency = "RP.1", '
                     'at = 2026-11-20T14:02:00Z }')
    theirs = with_line(BASE, "[requests]\n", 'rq-20261120-140200 = { competency = "RP.2", '
                       'at = 2026-11-20T14:02:00Z }')
    requests = data(merge_texts(BASE, ours, theirs).text)["requests"]
    assert {r["competency"] for r in requests.values()} == {"RP.1", "RP.2"}
    assert len(requests) == 3
    assert free_id("rq-20261120-140200", set(requests)) == "rq-20261120-140200-3"
    assert free_id("rq-20261120-140200-2", {"rq-20261120-140200-2"}) == "rq-20261120-140200-3"


def test_goals_merge_field_by_field() -> None:
    line = 'g-20261101-090000 = { text = "Finish the ratios playlist", target = 2026-11-30 }'
    ours = BASE.replace(line, 'g-20261101-090000 = { text = "Finish the ratios playlist '
                        'this week", target = 2026-11-30 }')
    theirs = BASE.replace(line, 'g-20261101-090000 = { text = "Finish the ratios playlist", '
                          'target = 2026-11-30, done = 2026-11-20T10:00:00Z }')
    goal = data(merge_texts(BASE, ours, theirs).text)["goals"]["g-20261101-090000"]
    assert goal["text"] == "Finish the ratios playlist this week"
    assert goal["done"] == at("2026-11-20T10:00:00Z")
    both = BASE.replace(line, 'g-20261101-090000 = { text = "Another text", '
                        'target = 2026-11-30 }')
    goal = data(merge_texts(BASE, ours, both).text)["goals"]["g-20261101-090000"]
    assert goal["text"] == f"Finish the ratios playlist this week\n\n{FROM_OTHER} Another text"


def test_seen_keeps_the_latest_time() -> None:
    ours = BASE.replace("feedback = 2026-11-05T10:00:00Z", "feedback = 2026-11-08T10:00:00Z")
    theirs = BASE.replace("feedback = 2026-11-05T10:00:00Z", "feedback = 2026-11-09T10:00:00Z")
    seen = data(merge_texts(BASE, ours, theirs).text)["seen"]
    assert seen == {"feedback": at("2026-11-09T10:00:00Z")}


def test_removed_on_one_side_and_changed_on_the_other_keeps_the_change() -> None:
    line = '"ratios/video" = { reflection = "Ratios compare two amounts." }'
    ours = without(BASE, line)
    theirs = BASE.replace(line, '"ratios/video" = { reflection = "Better words." }')
    notes = data(merge_texts(BASE, ours, theirs).text)["notes"]
    assert notes == {"ratios/video": {"reflection": "Better words."}}
    notes = data(merge_texts(BASE, theirs, ours).text)["notes"]
    assert notes == {"ratios/video": {"reflection": "Better words."}}


def test_new_tables_from_the_other_side_and_a_new_file_on_both_sides() -> None:
    theirs_only = "[ticks]\n\"ratios/video\" = 2026-11-02T10:00:00Z\n"
    ours_only = "# Ana's record.\n\n[requests]\nrq-20261104-100000 = { competency = \"RP.1\", " \
                "at = 2026-11-04T10:00:00Z }\n"
    result = merge_texts("", ours_only, theirs_only)  # added on both sides: no base
    merged = data(result.text)
    assert set(merged) == {"requests", "ticks"}
    assert result.text.startswith("# Ana's record.")


def test_bom_and_crlf_of_our_file_are_kept() -> None:
    base = BASE.replace("\n", "\r\n").encode()
    ours = ("\ufeff" + BASE.replace("\n", "\r\n")).encode()
    theirs = with_line(BASE, "[ticks]\n", '"ratios/tape" = 2026-11-06T08:00:00Z').encode()
    merged, _ = merge_bytes(base, ours, theirs)
    assert merged.startswith("\ufeff".encode())
    assert b"\r\n" in merged and b"\n" not in merged.replace(b"\r\n", b"")
    assert "ratios/tape" in merged.decode()


def test_a_file_that_does_not_parse_is_refused() -> None:
    broken = BASE + "[ticks\n"
    with pytest.raises(MergeError, match="their version does not parse"):
        merge_texts(BASE, BASE, broken)
    markers = BASE + "<<<<<<< ours\n=======\n>>>>>>> theirs\n"
    with pytest.raises(MergeError, match="our version does not parse"):
        merge_texts(BASE, markers, BASE)


def test_an_unknown_value_changed_differently_on_both_sides_is_a_conflict() -> None:
    base = 'format = 1\n[ticks]\n'
    with pytest.raises(MergeError, match="'format'"):
        merge_texts(base, 'format = 2\n[ticks]\n', 'format = 3\n[ticks]\n')
    assert data(merge_texts(base, base, 'format = 3\n[ticks]\n').text)["format"] == 3


def test_the_merge_is_deterministic() -> None:
    ours = with_line(BASE, "[requests]\n", 'rq-20261120-140200 = { competency = "RP.1", '
                     'at = 2026-11-20T14:02:00Z }')
    theirs = with_line(BASE, "[ticks]\n", '"ratios/tape" = 2026-11-06T08:00:00Z')
    assert merge_texts(BASE, ours, theirs).text == merge_texts(BASE, ours, theirs).text


# --------------------------------------------------------------------------- the command


def write3(tmp_path: Path, base: str, ours: str, theirs: str) -> tuple[Path, Path, Path]:
    paths = (tmp_path / "base", tmp_path / "ours", tmp_path / "theirs")
    for path, text in zip(paths, (base, ours, theirs), strict=True):
        path.write_bytes(text.encode())
    return paths


def test_the_driver_command_writes_the_result_to_ours(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    ours = BASE.replace("Ratios compare two amounts.", "Laptop.")
    theirs = BASE.replace("Ratios compare two amounts.", "Tablet.")
    base, a, b = write3(tmp_path, BASE, ours, theirs)
    code = main(["merge-driver", str(base), str(a), str(b), "students/ana/student.toml"])
    assert code == 0
    assert f"Laptop.\\n\\n{FROM_OTHER} Tablet." in a.read_text()
    assert "kept both texts" in capsys.readouterr().err


def test_the_driver_leaves_ours_untouched_when_a_side_does_not_parse(tmp_path: Path) -> None:
    ours = with_line(BASE, "[ticks]\n", '"ratios/tape" = 2026-11-06T08:00:00Z')
    base, a, b = write3(tmp_path, BASE, ours, BASE + "this is not toml\n")
    before = a.read_bytes()
    out = subprocess.run([sys.executable, "-m", "playlist_tui", "merge-driver",
                          str(base), str(a), str(b), "students/ana/student.toml"],
                         capture_output=True, text=True, check=False)
    assert out.returncode != 0
    assert "their version does not parse" in out.stderr
    assert a.read_bytes() == before


def test_other_files_fall_back_to_a_line_merge(tmp_path: Path) -> None:
    base_text = "one\ntwo\nthree\n"
    base, a, b = write3(tmp_path, base_text, "ONE\ntwo\nthree\n", "one\ntwo\nTHREE\n")
    assert main(["merge-driver", str(base), str(a), str(b), "README.md"]) == 0
    assert a.read_text() == "ONE\ntwo\nTHREE\n"
    base, a, b = write3(tmp_path, base_text, "uno\ntwo\nthree\n", "eins\ntwo\nthree\n")
    assert main(["merge-driver", str(base), str(a), str(b), "playlists/ratios.toml"]) == 1
    assert "<<<<<<< ours" in a.read_text()


def test_two_teachers_adjusting_the_same_playlist_keep_both() -> None:
    base = ("# decisions\n\n[adjustments]\n"
            'ratios = { skip = ["tape"] }\n')
    ours = ("# decisions\n\n[adjustments]\n"
            'ratios = { skip = ["tape"], note = "Extra time on quizzes" }\n')
    theirs = ("# decisions\n\n[adjustments]\n"
              'ratios = { start = "more", skip = ["tape", "recipe"], note = "Reads aloud" }\n')
    result = merge_texts(base, ours, theirs)
    merged = tomllib.loads(result.text)["adjustments"]["ratios"]
    assert merged == {"start": "more", "skip": ["tape", "recipe"],
                      "note": "Extra time on quizzes\n\n(from another teacher) Reads aloud"}
    assert result.text.startswith("# decisions\n")
