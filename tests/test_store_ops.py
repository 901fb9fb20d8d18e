"""Each operation changes exactly the lines it must, in exactly one file (real git diff)."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from playlist_tui.model.files import Result
from playlist_tui.store import ops
from playlist_tui.store.store import ClassStore, OperationError
from tests.conftest import changes, diff_lines, git

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)






def test_tick_adds_one_line_and_untick_restores(small_class: Path) -> None:
    store = ClassStore(small_class)
    before = (small_class / "students/ana/student.toml").read_bytes()
    store.apply(ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
    assert changes(small_class) == {"students/ana/student.toml": (1, 0)}
    assert diff_lines(small_class) == ['+"ratios/practice" = 2026-11-20T09:30:00Z']
    store.apply(ops.Untick("ana", playlist="ratios", activity="practice"))
    assert changes(small_class) == {}
    assert (small_class / "students/ana/student.toml").read_bytes() == before


def test_tick_keeps_hand_written_comments(small_class: Path) -> None:
    path = small_class / "students/ana/student.toml"
    path.write_text(path.read_text().replace(
        "[notes]", "# my own note, written by hand\n[notes]"))
    git(small_class, "commit", "-qam", "hand edit")
    ClassStore(small_class).apply(ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
    assert changes(small_class) == {"students/ana/student.toml": (1, 0)}
    text = path.read_text()
    assert "# my own note, written by hand\n[notes]" in text
    assert text.startswith("# Ana Souza's record")


def test_untick_removes_exactly_one_line(small_class: Path) -> None:
    ClassStore(small_class).apply(ops.Untick("ana", playlist="ratios", activity="video"))
    assert changes(small_class) == {"students/ana/student.toml": (0, 1)}
    assert diff_lines(small_class) == ['-"ratios/video" = 2026-11-02T10:00:00Z']


def test_tick_twice_changes_nothing_the_second_time(small_class: Path) -> None:
    store = ClassStore(small_class)
    first = store.apply(ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
    second = store.apply(ops.Tick("ana", playlist="ratios", activity="practice",
                                  at=datetime(2026, 11, 21, tzinfo=UTC)))
    assert first.changed and not second.changed
    assert changes(small_class) == {"students/ana/student.toml": (1, 0)}


def test_first_tick_creates_the_student_file(small_class: Path) -> None:
    (small_class / "students/cy").mkdir(exist_ok=True)
    folder = small_class / "students/dee"
    assert not folder.exists()
    ClassStore(small_class).apply(ops.Tick("dee", playlist="ratios", activity="video", at=AT))
    text = (folder / "student.toml").read_text()
    assert text == ("# dee's record: written by playlist-tui for dee (you may edit it by "
                    "hand).\n\n[ticks]\n\"ratios/video\" = 2026-11-20T09:30:00Z\n")


def test_reflection_is_one_line_and_editing_it_changes_that_line(small_class: Path) -> None:
    store = ClassStore(small_class)
    store.apply(ops.SetNote("ana", playlist="ratios", activity="practice",
                            reflection='I used a "part to whole" table.', evidence=""))
    assert changes(small_class) == {"students/ana/student.toml": (1, 0)}
    git(small_class, "commit", "-qam", "note")
    store.apply(ops.SetNote("ana", playlist="ratios", activity="practice",
                            reflection="Changed my mind.", evidence="https://example.org/x"))
    assert changes(small_class) == {"students/ana/student.toml": (1, 1)}
    data = tomllib.loads((small_class / "students/ana/student.toml").read_text())
    assert data["notes"]["ratios/practice"] == {
        "reflection": "Changed my mind.", "evidence": "https://example.org/x"}
    assert data["notes"]["ratios/video"] == {"reflection": "Ratios compare two amounts."}


def test_request_adds_one_line_with_a_time_based_id(small_class: Path) -> None:
    store = ClassStore(small_class)
    store.apply(ops.RequestCheck("ana", competency="RP.1", playlist="ratios", note="ready!",
                                 at=AT))
    # a new section: a blank line, the [requests] header and the request's line
    assert changes(small_class) == {"students/ana/student.toml": (3, 0)}
    data = tomllib.loads((small_class / "students/ana/student.toml").read_text())
    assert data["requests"] == {"rq-20261120-093000": {
        "competency": "RP.1", "playlist": "ratios", "at": AT, "note": "ready!"}}
    git(small_class, "commit", "-qam", "request")
    store.apply(ops.RequestCheck("ana", competency="RP.1", playlist="ratios", at=AT))
    assert changes(small_class) == {"students/ana/student.toml": (1, 0)}
    data = tomllib.loads((small_class / "students/ana/student.toml").read_text())
    assert set(data["requests"]) == {"rq-20261120-093000", "rq-20261120-093000-2"}


def test_goal_add_edit_complete_are_one_line_each(small_class: Path) -> None:
    store = ClassStore(small_class)
    store.apply(ops.EditGoal("ana", goal="g-20261101-090000", done=AT))
    assert changes(small_class) == {"students/ana/student.toml": (1, 1)}
    git(small_class, "commit", "-qam", "goal")
    store.apply(ops.AddGoal("ana", text="Try the stretch tier", target=date(2026, 12, 5), at=AT))
    assert changes(small_class) == {"students/ana/student.toml": (1, 0)}
    goals = tomllib.loads((small_class / "students/ana/student.toml").read_text())["goals"]
    assert goals["g-20261101-090000"]["done"] == AT
    assert goals["g-20261120-093000"] == {"text": "Try the stretch tier",
                                          "target": date(2026, 12, 5), "created": AT}


def test_decision_goes_to_the_teacher_file_only(small_class: Path) -> None:
    ClassStore(small_class).apply(ops.RecordDecision(
        student="ben", request="rq-20261104-100000", result=Result.NOT_YET, level=2,
        feedback="Good start.", next_steps="Redo the tape diagram.", by="lee", at=AT))
    # a new file: its comment line, a blank line, [decisions] and the decision
    assert changes(small_class) == {"students/ben/teacher.toml": (4, 0)}
    git(small_class, "add", "-A")
    git(small_class, "commit", "-qm", "decision")
    ClassStore(small_class).apply(ops.RecordDecision(
        student="ben", request="rq-20261104-100000", result=Result.MASTERED, level=3,
        by="lee", at=datetime(2026, 11, 21, tzinfo=UTC)))
    assert changes(small_class) == {"students/ben/teacher.toml": (1, 0)}
    result = ClassStore(small_class).load()
    assert result.problems == []
    decisions = result.data.record("ben").teacher.decisions
    assert [d.result for d in decisions.values()] == [Result.NOT_YET, Result.MASTERED]


def test_editing_a_playlist_field_changes_that_line_and_keeps_comments(
        small_class: Path) -> None:
    store = ClassStore(small_class)
    store.apply(ops.SetField(file="playlists/ratios.toml",
                             loc=("tiers", 1, "activities", 1, "title"),
                             value="Tape diagrams (reading)"))
    assert changes(small_class) == {"playlists/ratios.toml": (1, 1)}
    assert diff_lines(small_class) == ['-title = "Tape diagrams"',
                                       '+title = "Tape diagrams (reading)"']
    text = (small_class / "playlists/ratios.toml").read_text()
    assert "# The practice tier: students pick two." in text


def test_adding_and_removing_an_activity(small_class: Path) -> None:
    store = ClassStore(small_class)
    original = (small_class / "playlists/ratios.toml").read_bytes()
    store.apply(ops.AddItem(file="playlists/ratios.toml", array=("tiers", 0, "activities"),
                            item=(("id", "quiz"), ("title", "Exit ticket"), ("kind", "quiz"),
                                  ("minutes", 5))))
    result = store.load()
    assert result.problems == []
    core = result.data.playlists["ratios"].tiers[0]
    assert [a.id for a in core.activities] == ["video", "practice", "quiz"]
    assert changes(small_class) == {"playlists/ratios.toml": (6, 0)}
    git(small_class, "commit", "-qam", "add")
    store.apply(ops.RemoveItem(file="playlists/ratios.toml",
                               element=("tiers", 0, "activities", 2)))
    assert changes(small_class) == {"playlists/ratios.toml": (0, 6)}
    assert (small_class / "playlists/ratios.toml").read_bytes() == original


def test_removing_a_tier_takes_its_comment_and_activities(small_class: Path) -> None:
    store = ClassStore(small_class)
    store.apply(ops.RemoveItem(file="playlists/ratios.toml", element=("tiers", 1)))
    text = (small_class / "playlists/ratios.toml").read_text()
    assert "# The practice tier" not in text and 'id = "tables"' not in text
    assert "# Ratios playlist: written by hand by Ms Lee." in text
    tiers = store.load().data.playlists["ratios"].tiers
    assert [t.id for t in tiers] == ["core", "stretch"]


def test_nothing_is_written_to_a_file_that_does_not_parse(small_class: Path) -> None:
    path = small_class / "students/ana/student.toml"
    broken = path.read_bytes() + b'\n"ratios/tape" = \n'
    path.write_bytes(broken)
    with pytest.raises(OperationError, match="does not parse"):
        ClassStore(small_class).apply(
            ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
    assert path.read_bytes() == broken


def test_nothing_is_written_during_an_unfinished_merge(small_class: Path) -> None:
    path = small_class / "students/ana/student.toml"
    broken = path.read_text().replace(
        '"ratios/video" = 2026-11-02T10:00:00Z',
        '<<<<<<< HEAD\n"ratios/video" = 2026-11-02T10:00:00Z\n=======\n>>>>>>> other')
    path.write_text(broken)
    with pytest.raises(OperationError, match="unfinished git merge"):
        ClassStore(small_class).apply(
            ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
    assert path.read_text() == broken


def test_edit_made_on_disk_after_loading_is_kept(small_class: Path) -> None:
    store = ClassStore(small_class)
    loaded = store.load()
    assert "ratios/tables" not in loaded.data.record("ana").student.ticks
    path = small_class / "students/ana/student.toml"
    # Another program (a second device via git pull, an editor) adds a tick.
    path.write_text(path.read_text().replace(
        '"ratios/video" = 2026-11-02T10:00:00Z',
        '"ratios/video" = 2026-11-02T10:00:00Z\n"ratios/tables" = 2026-11-05T10:00:00Z'))
    store.apply(ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
    ticks = store.load().data.record("ana").student.ticks
    assert set(ticks) == {"ratios/video", "ratios/tables", "ratios/practice"}


def test_the_same_state_writes_the_same_bytes(tmp_path: Path, small_class: Path) -> None:
    import shutil

    other = tmp_path / "other"
    shutil.copytree(small_class, other)
    for folder in (small_class, other):
        store = ClassStore(folder)
        store.apply(ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
        store.apply(ops.RequestCheck("ana", competency="RP.1", note="é \"q\"\n", at=AT))
    a = (small_class / "students/ana/student.toml").read_bytes()
    b = (other / "students/ana/student.toml").read_bytes()
    assert a == b


def test_a_failed_save_gives_a_clear_error_and_keeps_the_file(
        small_class: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import playlist_tui.store.store as store_module

    def read_only(path: Path, data: bytes) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store_module, "atomic_write", read_only)
    path = small_class / "students/ana/student.toml"
    before = path.read_bytes()
    with pytest.raises(OperationError, match=r"could not save \(Read-only file system\)"):
        ClassStore(small_class).apply(
            ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
    assert path.read_bytes() == before
