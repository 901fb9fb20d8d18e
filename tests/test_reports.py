"""Reports, the student report and printable playlists, against a class worked out by hand.

The class below is small enough to compute every number on paper:

Playlist p1 (assigned to everyone), required total 3:
  t1 "First steps": complete all of a1 (linked), a2; open.
  t2 "Practice": complete 1 of b1, b2; unlocks after t1.
  t3 "Stretch": optional, c1; unlocks on mastery of A.
Playlist p2 (assigned to group g2 = [s3]), one tier of l1..l4, all required: total 4.

s1 ticks a1, a2, b1, c1   -> p1 3/3 = 100 %, complete. A mastered level 4 (Extending);
                             B requested, no decision: pending.
s2 ticks a1, b1           -> b1 is in a locked tier: p1 1/3 = 33 %. A not yet level 2
                             (Developing), asked again since (pending); B not yet, no level.
s3 ticks p2 l1, l2, l3    -> p1 0 %, p2 3/4 = 75 %. C mastered, no level: 3 (Proficient).
s4 has no folder          -> p1 0 %; p2 not assigned (blank).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from playlist_tui.cli import main
from playlist_tui.reports import gradebook, printable, student_report
from playlist_tui.store.loader import load_class
from tests.conftest import DEMO

FILES = {
    "class.toml": """\
name = "Hand class"

[[teachers]]
id = "t-lee"
name = "Ms Lee"

[[students]]
id = "s1"
name = "Sam One"

[[students]]
id = "s2"
name = "Sasha Two"

[[students]]
id = "s3"
name = "Sky Three"

[[students]]
id = "s4"
name = "Sol Four"

[[groups]]
id = "g1"
name = "Group one"
members = ["s1", "s2"]

[[groups]]
id = "g2"
name = "Group two"
members = ["s3"]

[[assignments]]
playlist = "p1"
everyone = true

[[assignments]]
playlist = "p2"
groups = ["g2"]
""",
    "frameworks/f.toml": """\
id = "f"
title = "Framework"

[scale]
levels = ["Beginning", "Developing", "Proficient", "Extending"]
mastered_at = 3

[[competencies]]
id = "A"
name = "Alpha"
statement = "I can do alpha things."

[[competencies]]
id = "B"
name = "Beta"
statement = "I can do beta things."

[[competencies]]
id = "C"
name = "Gamma"
statement = "I can do gamma things."

[[competencies]]
id = "Z"
name = "Unused"
statement = "Nobody works on this."
""",
    "playlists/p1.toml": """\
id = "p1"
title = "Playlist one"
summary = "The first playlist."

[check]
competencies = ["A", "B"]
ready_after = "t1"

[[tiers]]
id = "t1"
title = "First steps"

[[tiers.activities]]
id = "a1"
title = "Watch the video"
kind = "video"
link = "https://example.org/a1?x=1&y=2"
minutes = 10
competencies = ["A"]

[[tiers.activities]]
id = "a2"
title = "Read the page"
kind = "reading"
link = "Shelf 3, blue folder"
minutes = 15
competencies = ["A", "B"]

[[tiers]]
id = "t2"
title = "Practice"
complete = 1

[[tiers.activities]]
id = "b1"
title = "Worksheet"
kind = "practice"
competencies = ["B"]

[[tiers.activities]]
id = "b2"
title = "Game | cards"
kind = "game"

[[tiers]]
id = "t3"
title = "Stretch"
complete = "optional"
unlock = { mastered = "A" }

[[tiers.activities]]
id = "c1"
title = "Project <big>"
kind = "project"
minutes = 60
""",
    "playlists/p2.toml": """\
id = "p2"
title = "Playlist two"

[[tiers]]
id = "lab"
title = "Lab"

[[tiers.activities]]
id = "l1"
title = "Lab 1"
competencies = ["C"]

[[tiers.activities]]
id = "l2"
title = "Lab 2"

[[tiers.activities]]
id = "l3"
title = "Lab 3"

[[tiers.activities]]
id = "l4"
title = "Lab 4"
""",
    "students/s1/student.toml": """\
[ticks]
"p1/a1" = 2026-11-02T09:00:00Z
"p1/a2" = 2026-11-02T10:00:00Z
"p1/b1" = 2026-11-03T09:00:00Z
"p1/c1" = 2026-11-06T09:00:00Z

[requests]
rq-1 = { competency = "A", playlist = "p1", at = 2026-11-03T10:00:00Z }
rq-2 = { competency = "B", playlist = "p1", at = 2026-11-05T10:00:00Z }
""",
    "students/s1/teacher.toml": """\
[decisions]
d-1 = { request = "rq-1", result = "mastered", level = 4, feedback = "Excellent.", \
by = "t-lee", at = 2026-11-04T10:00:00Z }
""",
    "students/s2/student.toml": """\
[ticks]
"p1/a1" = 2026-11-02T09:00:00Z
"p1/b1" = 2026-11-02T09:30:00Z

[notes]
"p1/a1" = { reflection = "I watched it twice.", evidence = "https://example.org/s2-notes" }

[requests]
rq-1 = { competency = "A", playlist = "p1", at = 2026-11-03T10:00:00Z, note = "Ready!" }
rq-2 = { competency = "A", playlist = "p1", at = 2026-11-08T10:00:00Z, note = "I redid sheet 2." }

[goals]
g-1 = { text = "Finish First steps", target = 2026-11-20 }
g-2 = { text = "Read every day", done = 2026-11-05T12:00:00Z }
""",
    "students/s2/teacher.toml": """\
[decisions]
d-1 = { request = "rq-1", result = "not-yet", level = 2, \
feedback = "You mixed up part and whole.", next_steps = "Redo sheet 2, then ask again.", \
by = "t-lee", at = 2026-11-04T11:00:00Z }
d-2 = { competency = "B", result = "not-yet", feedback = "Not seen yet in class.", \
by = "t-lee", at = 2026-11-06T11:00:00Z }
""",
    "students/s3/student.toml": """\
[ticks]
"p2/l1" = 2026-11-02T09:00:00Z
"p2/l2" = 2026-11-02T10:00:00Z
"p2/l3" = 2026-11-02T11:00:00Z
""",
    "students/s3/teacher.toml": """\
[decisions]
d-1 = { competency = "C", result = "mastered", by = "t-lee", at = 2026-11-07T09:00:00Z }
""",
}


@pytest.fixture
def hand_class(tmp_path: Path) -> Path:
    root = tmp_path / "hand"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    result = load_class(root)
    assert result.problems == [], result.problems
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


class StrictHTML(HTMLParser):
    """Fails on a closing tag that does not match the open one; counts what it sees."""

    VOID: ClassVar[frozenset[str]] = frozenset(
        {"meta", "link", "br", "img", "input", "hr", "source", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: dict[str, int] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, _ in attrs:
            assert name not in ("src", "href") or tag == "a", f"external asset in <{tag}>"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> StrictHTML:
    assert text.startswith("<!DOCTYPE html>")
    parser = StrictHTML()
    parser.feed(text)
    parser.close()
    assert parser.stack == [], f"left open: {parser.stack}"
    return parser


# --------------------------------------------------------------------------- gradebook


def test_by_student_csv(hand_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "report", str(hand_class), "--format", "csv")
    assert list(csv.reader(io.StringIO(out))) == [
        ["student", "name", "A", "B", "C", "p1 %", "p2 %"],
        ["s1", "Sam One", "4 Extending", "pending", "", "100", ""],
        ["s2", "Sasha Two", "2 Developing", "not yet", "", "33", ""],
        ["s3", "Sky Three", "", "", "3 Proficient", "0", "75"],
        ["s4", "Sol Four", "", "", "", "0", ""],
    ]


def test_by_student_csv_for_a_group(hand_class: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    out = run(capsys, "report", str(hand_class), "--format", "csv", "--group", "g1")
    assert list(csv.reader(io.StringIO(out))) == [
        ["student", "name", "A", "B", "p1 %"],
        ["s1", "Sam One", "4 Extending", "pending", "100"],
        ["s2", "Sasha Two", "2 Developing", "not yet", "33"],
    ]


def test_by_student_csv_for_a_playlist(hand_class: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    out = run(capsys, "report", str(hand_class), "--format", "csv", "--playlist", "p2")
    assert list(csv.reader(io.StringIO(out))) == [
        ["student", "name", "C", "p2 %"],
        ["s1", "Sam One", "", ""],
        ["s2", "Sasha Two", "", ""],
        ["s3", "Sky Three", "3 Proficient", "75"],
        ["s4", "Sol Four", "", ""],
    ]


def test_by_student_json(hand_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = json.loads(run(capsys, "report", str(hand_class), "--format", "json"))
    assert list(report) == ["report", "version", "class", "filters", "competencies",
                            "playlists", "students"]
    assert report["report"] == "student" and report["version"] == 1
    assert report["class"] == "Hand class" and report["filters"] == {}
    assert report["competencies"] == [{"id": "A", "name": "Alpha"}, {"id": "B", "name": "Beta"},
                                      {"id": "C", "name": "Gamma"}]
    assert report["playlists"] == [{"id": "p1", "title": "Playlist one"},
                                   {"id": "p2", "title": "Playlist two"}]
    s1, s2, s3, s4 = report["students"]
    assert (s1["id"], s1["name"]) == ("s1", "Sam One")
    assert s1["competencies"]["A"] == {"state": "mastered", "level": 4,
                                       "level_name": "Extending", "pending": False}
    assert s1["competencies"]["B"] == {"state": "pending", "level": None, "level_name": None,
                                       "pending": True}
    assert s1["playlists"] == {
        "p1": {"done": 3, "total": 3, "percent": 100, "started": True, "complete": True},
        "p2": None}
    assert s2["competencies"]["A"] == {"state": "not-yet", "level": 2,
                                       "level_name": "Developing", "pending": True}
    assert s2["competencies"]["B"] == {"state": "not-yet", "level": None, "level_name": None,
                                       "pending": False}
    assert s2["playlists"]["p1"] == {"done": 1, "total": 3, "percent": 33, "started": True,
                                     "complete": False}
    assert s3["competencies"]["C"] == {"state": "mastered", "level": 3,
                                       "level_name": "Proficient", "pending": False}
    assert s3["playlists"]["p2"] == {"done": 3, "total": 4, "percent": 75, "started": True,
                                     "complete": False}
    assert s4["competencies"]["A"]["state"] == "not-started"
    assert s4["playlists"]["p1"]["percent"] == 0 and s4["playlists"]["p2"] is None


def test_by_competency(hand_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "report", str(hand_class), "--by", "competency", "--format", "csv")
    assert list(csv.reader(io.StringIO(out))) == [
        ["competency", "name", "mastered", "not yet", "pending", "not started"],
        ["A", "Alpha", "1", "1", "0", "2"],
        ["B", "Beta", "0", "1", "1", "2"],
        ["C", "Gamma", "1", "0", "0", "3"],
    ]
    report = json.loads(run(capsys, "report", str(hand_class), "--by", "competency",
                            "--format", "json"))
    assert report["students"] == 4
    assert report["competencies"][1] == {"id": "B", "name": "Beta", "mastered": 0,
                                         "not_yet": 1, "pending": 1, "not_started": 2}


def test_by_playlist(hand_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "report", str(hand_class), "--by", "playlist", "--format", "csv")
    # p1: s1 100, s2 33, s3 0, s4 0 -> started 2, complete 1, average 133/4 = 33.25
    assert list(csv.reader(io.StringIO(out))) == [
        ["playlist", "title", "assigned", "started", "complete", "average %"],
        ["p1", "Playlist one", "4", "2", "1", "33"],
        ["p2", "Playlist two", "1", "1", "0", "75"],
    ]
    report = json.loads(run(capsys, "report", str(hand_class), "--by", "playlist",
                            "--format", "json", "--group", "g2"))
    assert report["filters"] == {"group": "g2"}
    assert report["playlists"] == [
        {"id": "p1", "title": "Playlist one", "assigned": 1, "started": 0, "complete": 0,
         "average_percent": 0},
        {"id": "p2", "title": "Playlist two", "assigned": 1, "started": 1, "complete": 0,
         "average_percent": 75}]


def test_markdown_rows(hand_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "report", str(hand_class), "--format", "md")
    lines = out.splitlines()
    assert lines[0] == "# Hand class: by student"
    assert "| student | name | A | B | C | p1 % | p2 % |" in lines
    assert "| s1 | Sam One | 4 Extending | pending |  | 100 |  |" in lines
    assert "| s3 | Sky Three |  |  | 3 Proficient | 0 | 75 |" in lines
    assert "- `A`: Alpha" in lines
    out = run(capsys, "report", str(hand_class), "--by", "playlist", "--format", "md")
    assert "| p1 | Playlist one | 4 | 2 | 1 | 33 |" in out.splitlines()


def test_markdown_cells_escape_pipes() -> None:
    assert gradebook.md_cell("a | b\nc") == "a \\| b c"


def test_table_in_the_terminal(hand_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "report", str(hand_class), "--by", "playlist")
    assert "Playlist one" in out and "33" in out and "75" in out


def test_unknown_ids_and_html_without_student(hand_class: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(hand_class), "--group", "g3"]) == 2
    assert "unknown group 'g3' (the group ids are: g1, g2)" in capsys.readouterr().err
    assert main(["report", str(hand_class), "--playlist", "p11"]) == 2
    assert "unknown playlist 'p11' (did you mean 'p1'?)" in capsys.readouterr().err
    assert main(["report", str(hand_class), "--student", "s9", "--format", "csv"]) == 2
    assert main(["report", str(hand_class), "--format", "html"]) == 2
    assert "--student" in capsys.readouterr().err


def test_student_filter_in_the_gradebook(hand_class: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "report", str(hand_class), "--format", "csv", "--student", "s3")
    assert list(csv.reader(io.StringIO(out))) == [
        ["student", "name", "A", "B", "C", "p1 %", "p2 %"],
        ["s3", "Sky Three", "", "", "3 Proficient", "0", "75"],
    ]


# --------------------------------------------------------------------------- student report


def test_student_report_markdown(hand_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "report", str(hand_class), "--student", "s2", "--format", "md")
    assert out.startswith("# Sasha Two: learning report\n")
    assert "Hand class · as of " in out and "Group one" in out
    assert "0 of 1 playlist complete; 0 of 2 competencies mastered; 1 mastery check " \
           "waiting for a teacher." in out
    assert "33% done (1 of 3 required activities), started." in out
    assert "| First steps | do all 2 | open: 1 of 2 done |" in out
    assert "| Practice | choose 1 of 2 | locked |" in out
    assert "Next up: Read the page (First steps)." in out
    assert "| A | Alpha | 2 Developing | not yet (Developing), check pending |" in out
    assert "| B | Beta | not yet | not yet |" in out
    assert "- 4 Nov 2026, Ms Lee: not yet, level 2 (Developing)" in out
    assert "  - Feedback: You mixed up part and whole." in out
    assert "  - Next steps: Redo sheet 2, then ask again." in out
    assert "Sasha Two asked for a mastery check (waiting for a teacher): “I redid sheet 2.”" \
        in out
    assert "- [ ] Finish First steps (by 20 Nov 2026, open)" in out
    assert "- [x] Read every day (done 5 Nov 2026)" in out
    assert "**Watch the video** (Playlist one): I watched it twice." in out
    # Only Sasha's record: nothing about the other students.
    assert "Sam One" not in out and "Excellent." not in out


def test_student_report_html(hand_class: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "s2.html"
    assert main(["report", str(hand_class), "--student", "s2", "--format", "html",
                 "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    parsed = parse_html(text)
    words = " ".join(" ".join(parsed.text).split())
    assert "You mixed up part and whole." in words
    assert "Redo sheet 2, then ask again." in words
    assert "Finish First steps" in words and "Read every day" in words
    assert "@page" in text and "@media print" in text
    assert "Sam One" not in words


def test_student_report_is_deterministic_for_a_date(hand_class: Path) -> None:
    data = load_class(hand_class).data
    one = student_report.student_html(data, "s1", date(2026, 11, 20))
    assert one == student_report.student_html(data, "s1", date(2026, 11, 20))
    assert "as of 20 Nov 2026" in one
    assert "Excellent." in one


def test_student_report_for_a_student_without_files(hand_class: Path) -> None:
    text = student_report.student_markdown(load_class(hand_class).data, "s4", date(2026, 1, 2))
    assert "No mastery checks yet." in text and "No goals written yet." in text


# --------------------------------------------------------------------------- print


def test_print_html_has_rules_checkboxes_and_qr(hand_class: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    text = run(capsys, "print", "p1", str(hand_class))
    parsed = parse_html(text)
    words = " ".join(" ".join(parsed.text).split())
    assert "Do all 2 activities. Open from the start." in words
    assert "Choose 1 of 2. Opens when First steps is complete." in words
    assert "Optional: do any you like. Opens when you have mastered A (Alpha)." in words
    assert "When First steps is complete, ask for a mastery check on A (Alpha), B (Beta)." \
        in words
    assert "video · 10 min · A" in words and "reading · 15 min · A, B" in words
    assert "Project <big>" in words and "Game | cards" in words
    assert text.count('class="box"') == 5  # a checkbox per activity
    # One QR code: a1's web link; a2's "Shelf 3" is printed as text only.
    assert parsed.tags.get("svg") == 1 and text.count('<svg viewBox="0 0 ') == 1
    assert "<title>https://example.org/a1?x=1&amp;y=2</title>" in text
    assert "https://example.org/a1?x=1&amp;y=2" in text and "Shelf 3, blue folder" in words
    assert "@page { size: auto;" in text and "break-inside: avoid" in text
    assert "size: A4" not in text and "size: letter" not in text.lower()


def test_print_markdown(hand_class: Path, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "p1.md"
    assert main(["print", "p1", str(hand_class), "--format", "md", "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Playlist one\n")
    assert "*Choose 1 of 2. Opens when First steps is complete.*" in text
    assert "- [ ] **Watch the video** (video · 10 min · A)  \n  <https://example.org/a1?x=1&y=2>" \
        in text
    assert "- [ ] **Read the page** (reading · 15 min · A, B)  \n  Shelf 3, blue folder" in text
    assert "- [ ] **Game \\| cards** (game)" in text
    assert "<svg" not in text


def test_print_unknown_playlist(hand_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["print", "p3", str(hand_class)]) == 2
    err = capsys.readouterr().err
    assert "unknown playlist 'p3'" in err and "p1, p2" in err


def test_print_every_demo_playlist(capsys: pytest.CaptureFixture[str]) -> None:
    data = load_class(DEMO).data
    assert len(data.playlists) >= 4
    for playlist in data.playlists.values():
        html = run(capsys, "print", playlist.id, str(DEMO))
        parsed = parse_html(html)
        links = [a.link for t in playlist.tiers for a in t.activities
                 if a.link and a.link.startswith("http")]
        assert parsed.tags.get("svg", 0) == len(links)
        activities = [a for t in playlist.tiers for a in t.activities]
        assert html.count('class="box"') == len(activities)
        assert html == printable.to_html(data, playlist)  # deterministic
        md = run(capsys, "print", playlist.id, str(DEMO), "--format", "md")
        assert md.count("- [ ] **") == len(activities)
        for tier in playlist.tiers:
            assert f"## {tier.title}" in md


def test_demo_reports_run(capsys: pytest.CaptureFixture[str]) -> None:
    for by in gradebook.BY:
        for fmt in ("csv", "json", "md", "table"):
            out = run(capsys, "report", str(DEMO), "--by", by, "--format", fmt)
            assert out.strip()
    rows = list(csv.DictReader(io.StringIO(run(capsys, "report", str(DEMO), "--format",
                                               "csv"))))
    assert len(rows) == 25
    student = rows[0]["student"]
    parse_html(run(capsys, "report", str(DEMO), "--student", student, "--format", "html"))
