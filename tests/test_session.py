"""The class session without Textual: saves, commit bursts, the watcher, sync, quitting."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from playlist_tui.model.files import Result
from playlist_tui.session.events import Changed, Event, Said
from playlist_tui.session.session import ClassSession
from playlist_tui.store import ops
from playlist_tui.store.gitrepo import GitRepo, SyncResult
from playlist_tui.store.identity import Person
from tests.conftest import diff_lines, git

LEE = Person("teacher", "lee", "Ms Lee")
ANA = Person("student", "ana", "Ana Souza")


def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait for something another thread does (a deadline, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("it did not happen")
        time.sleep(0.02)


def session_for(folder: Path, user: Person, **kwargs: object) -> tuple[ClassSession, list[Event]]:
    session = ClassSession(folder, **kwargs)  # type: ignore[arg-type]
    events: list[Event] = []
    session.subscribe(events.append)
    session.load()
    session.user = user
    return session, events


def changes(events: list[Event]) -> list[Changed]:
    return [e for e in events if isinstance(e, Changed)]


def test_a_decision_saves_one_line_and_commits_with_the_teachers_name(
        small_class: Path) -> None:
    session, events = session_for(small_class, LEE, commit_after=3600)
    assert session.save(ops.RecordDecision(
        student="cy", competency="RP.1", result=Result.NOT_YET, by="lee",
        feedback="Label both quantities.", student_name="Cy Park",
        at=datetime(2026, 10, 23, 11, tzinfo=UTC)))
    assert session.wait_idle()
    assert session.counts["apply"] == 1 and session.counts["refresh"] == 1
    assert len(changes(events)) == 1  # one result for one change
    lines = diff_lines(small_class)
    assert len(lines) == 1 and lines[0].startswith("+d-20261023-110000 = {")
    assert session.waiting == 1
    session.commit_now()
    assert git(small_class, "log", "-1", "--format=%s").strip() == (
        "Ms Lee: Cy Park, not yet on RP.1")
    assert git(small_class, "show", "--name-only", "--format=", "HEAD").split() == [
        "students/cy/teacher.toml"]
    assert git(small_class, "status", "--porcelain") == ""


def test_a_burst_becomes_one_commit_after_a_quiet_moment(small_class: Path) -> None:
    session, _ = session_for(small_class, ANA, commit_after=0.3)
    session.save_now(ops.Tick(student="ana", playlist="ratios", activity="practice"))
    session.save_now(ops.Untick(student="ana", playlist="ratios", activity="video"))
    until(lambda: len(git(small_class, "log", "--format=%s").splitlines()) == 2)
    assert session.wait_idle()
    assert git(small_class, "log", "-1", "--format=%s").strip() == (
        "Ana Souza: ticked ratios/practice, unticked ratios/video")


def test_the_apps_own_write_comes_back_through_the_watcher_once(small_class: Path) -> None:
    session, events = session_for(small_class, ANA, commit_after=3600)
    session.start_watching()
    try:
        time.sleep(0.3)  # the watcher is ready
        session.save_now(ops.Tick(student="ana", playlist="ratios", activity="practice"))
        until(lambda: session.counts["skipped"] >= 1)  # the watcher saw the write...
        assert session.wait_idle()
        assert session.counts["refresh"] == 1  # ...and did not read it again
        assert len(changes(events)) == 1
        # Another program's write is read once, through the watcher.
        path = small_class / "students/ben/student.toml"
        path.write_text(path.read_text() + "\n# a note by hand\n")
        until(lambda: len(changes(events)) == 2)
        assert session.wait_idle()
        assert changes(events)[-1].cause == "disk"
        assert session.counts["refresh"] == 2
    finally:
        session.close()


@pytest.fixture
def clone(tmp_path: Path, small_class: Path) -> Path:
    """Ana's clone of the small class, with a remote."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(small_class), str(remote)], check=True)
    folder = tmp_path / "ana"
    subprocess.run(["git", "clone", "-q", str(remote), str(folder)], check=True)
    git(folder, "config", "user.email", "ana@students.example")
    git(folder, "config", "user.name", "Ana")
    git(folder, "config", "commit.gpgsign", "false")
    GitRepo(folder).setup()
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "setup", "--allow-empty")
    git(folder, "push", "-q", "origin", "main")
    return folder


def test_a_save_while_a_sync_runs_is_not_lost(clone: Path) -> None:
    session, events = session_for(clone, ANA, commit_after=3600)
    repo = session.git
    real_sync = repo.sync
    syncing, release = threading.Event(), threading.Event()

    def slow_sync(*args: object, **kwargs: object) -> SyncResult:
        syncing.set()
        release.wait(10)
        return real_sync(*args, **kwargs)  # type: ignore[arg-type]

    repo.sync = slow_sync  # type: ignore[method-assign]
    session.save_now(ops.Tick(student="ana", playlist="ratios", activity="practice"))
    assert session.sync()
    assert syncing.wait(10)
    session.save(ops.Tick(student="ana", playlist="ratios", activity="tables"))
    assert session.wait_for_saves()
    release.set()
    assert session.wait_idle()
    assert session.waiting == 1  # the second tick waits for the next commit
    session.commit_now()
    assert git(clone, "status", "--porcelain") == ""
    text = git(clone, "show", "HEAD:students/ana/student.toml")
    assert "practice" in text and "tables" in text
    # (the sync took the second tick along: it commits what the app saved meanwhile)
    remote = git(clone, "show", "origin/main:students/ana/student.toml")
    assert "practice" in remote and "tables" in remote
    assert any(isinstance(e, Said) and e.title == "Sync" for e in events)


def test_quitting_with_unsent_work_says_how_many(clone: Path) -> None:
    session, _ = session_for(clone, ANA, commit_after=3600)
    assert session.unsent() == ""
    session.save_now(ops.Tick(student="ana", playlist="ratios", activity="practice"))
    assert session.unsent() == "1 change"  # not committed yet
    session.save_now(ops.Tick(student="ana", playlist="ratios", activity="tables"))
    session.commit_now()
    assert session.unsent() == "1 change"  # one commit ahead
    words = session.sync_before_quit("1 change", 30)
    assert words.startswith("Synced before quitting")
    assert session.unsent() == ""


def test_read_only_saves_nothing_and_says_why(small_class: Path) -> None:
    session, events = session_for(small_class, ANA)
    session.read_only = True
    assert not session.save(ops.Tick(student="ana", playlist="ratios", activity="practice"))
    assert diff_lines(small_class) == []
    assert any(isinstance(e, Said) and e.message.startswith("Read-only") for e in events)


# --------------------------------------------------------------------------- views


def test_the_dashboards_tally_is_the_engines_playlist_summary(small_class: Path) -> None:
    from playlist_tui.engine.classstats import playlist_summary
    from playlist_tui.engine.progress import playlist_progress
    from playlist_tui.session.views import PlaylistTally
    from playlist_tui.store.loader import load_class

    data = load_class(small_class).data
    for pid, playlist in data.playlists.items():
        tally = PlaylistTally(pid)
        for sid in data.assignees(pid):
            tally.add(playlist_progress(data, playlist, sid))
        assert tally.summary() == playlist_summary(data, pid)
        assert tally.assigned == 3


def test_the_evidence_includes_work_in_a_playlist_not_assigned(small_class: Path) -> None:
    """One definition of a student's work on a competency (classstats.work_on): a
    playlist Ana ticked in without it being assigned counts too (the queue used to show
    only assigned playlists)."""
    from playlist_tui.session.views import evidence_lines
    from playlist_tui.store.loader import load_class

    text = (small_class / "playlists/ratios.toml").read_text()
    (small_class / "playlists/extra.toml").write_text(
        text.replace('id = "ratios"', 'id = "extra"').replace(
            'title = "What is a ratio?"', 'title = "Extra ratios"'))
    path = small_class / "students/ana/student.toml"
    path.write_text(path.read_text().replace(
        '[ticks]\n', '[ticks]\n"extra/practice" = 2026-11-03T10:00:00Z\n'))
    data = load_class(small_class).data
    assert "extra" not in [p.id for p in data.assigned_playlists("ana")]
    lines = evidence_lines(data, "ana", "RP.1")
    assert "[x] Practice: ratio language (Extra ratios · Must do), 3 Nov 2026" in lines
    assert "[x] Watch: Intro to ratios (What is a ratio? · Must do), 2 Nov 2026" in lines


def test_settling_a_conflict_publishes_once_and_joins_the_burst(small_class: Path) -> None:
    """settle_now: theirs written as one save (one Changed), queued for the commit, and the
    shorter list of conflicts and the status line published; a second try is refused."""
    from playlist_tui.session.events import Conflicts, GitWords
    from playlist_tui.store.merge_shared import merge_shared, read_conflicts, record_conflicts

    path = "playlists/ratios.toml"
    text = (small_class / path).read_text()
    merged = merge_shared(text, text.replace("minutes = 10", "minutes = 15"),
                          text.replace("minutes = 10", "minutes = 12"))
    (small_class / path).write_text(merged.text)
    git(small_class, "commit", "-qam", "merged")
    state = small_class / ".git" / "playlist-tui"
    record_conflicts(state, path, merged.conflicts)
    session, events = session_for(small_class, LEE, commit_after=3600)
    session._status()
    assert [e.records for e in events if isinstance(e, Conflicts)] == [read_conflicts(state)]
    assert any(isinstance(e, GitWords) and "1 conflict to settle (C)" in str(e.words)
               for e in events)
    (record,) = session.conflicts
    events.clear()
    settled = session.settle_now(record, "theirs")
    assert settled is not None and settled.value == "12"
    assert len(changes(events)) == 1 and session.waiting == 1
    assert [(e.records, e.fresh) for e in events if isinstance(e, Conflicts)] == [([], False)]
    assert diff_lines(small_class) == ["-minutes = 15", "+minutes = 12"]
    events.clear()
    assert session.settle_now(record, "ours") is None
    assert any(isinstance(e, Said) and "no longer recorded" in e.message for e in events)


def test_a_commit_never_claims_lines_another_window_saved(small_class: Path) -> None:
    """Issue 15 item 13: two app instances share a clone; one's commit holds the other's
    line too, so it must describe the whole diff, not only its own save."""
    import subprocess
    import sys

    session, _ = session_for(small_class, ANA, commit_after=3600)
    assert session.save_now(ops.Tick(student="ana", playlist="ratios", activity="practice"))
    other = ("from playlist_tui.store import ops\n"
             "from playlist_tui.store.store import ClassStore\n"
             f"ClassStore({str(small_class)!r}).apply(ops.Tick(student='ana', "
             "playlist='ratios', activity='tables'))\n")
    subprocess.run([sys.executable, "-c", other], check=True)  # another window, a process
    session.commit_now()
    message = git(small_class, "log", "-1", "--format=%B")
    assert "ratios/practice" in message and "ratios/tables" in message, message
    assert "saved by another window or program" in message
    assert git(small_class, "status", "--porcelain") == ""
