"""The app and git: commits of its own changes, the status line, sync between clones."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from textual.widgets import Static

from playlist_tui.store.gitrepo import GitRepo
from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.student_home import StudentHome
from playlist_tui.ui.widgets import GitBar
from tests.conftest import git
from tests.test_student_app import go_to, open_ratios, settle


def fast(app: PlaylistApp) -> PlaylistApp:
    # Short, but long enough that two keypresses of a test on a busy machine still fall
    # into one burst (0.2 s did not always: a tick and an untick became two commits).
    app.COMMIT_AFTER = 1.0
    return app


async def wait_commits(pilot: object, repo: Path, count: int) -> list[str]:
    for _ in range(100):
        await settle(pilot)  # type: ignore[arg-type]
        subjects = git(repo, "log", "--format=%s").splitlines()
        if len(subjects) >= count:
            return subjects
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} commits, got {subjects}")


async def test_a_burst_of_changes_becomes_one_commit(small_class: Path) -> None:
    app = fast(PlaylistApp(small_class, role="student", person="ana", watch=False))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await go_to(pilot, screen, "act:video")
        await pilot.press("space")  # untick
        subjects = await wait_commits(pilot, small_class, 2)
        assert subjects[0] == "Ana Souza: ticked ratios/practice, unticked ratios/video"
        assert git(small_class, "show", "--name-only", "--format=", "HEAD").split() == [
            "students/ana/student.toml"]
        bar = screen.query_one(GitBar)
        assert str(bar.render()).startswith("git main · no remote")


async def test_quitting_commits_what_is_waiting(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    app.COMMIT_AFTER = 60  # the burst is still waiting when the user quits
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert git(small_class, "log", "-1", "--format=%s").strip() == (
        "Ana Souza: ticked ratios/practice")
    assert git(small_class, "status", "--porcelain") == ""


async def test_with_auto_commit_off_nothing_is_committed(small_class: Path) -> None:
    app = fast(PlaylistApp(small_class, role="student", person="ana", watch=False,
                           autocommit=False))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await settle(pilot)
        await asyncio.sleep(0.4)
        await settle(pilot)
        assert "1 change not committed (auto-commit off)" in str(
            screen.query_one(GitBar).render())
    assert len(git(small_class, "log", "--format=%s").splitlines()) == 1


async def test_sync_shows_the_other_clones_work(small_class: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(small_class), str(remote)], check=True)
    clones = []
    for name in ("ana-laptop", "teacher"):
        folder = tmp_path / name
        subprocess.run(["git", "clone", "-q", str(remote), str(folder)], check=True)
        email = {"ana-laptop": "ana@students.example", "teacher": "lee@school.example"}
        git(folder, "config", "user.email", email[name])  # as in the roster: audited
        git(folder, "config", "user.name", name)
        GitRepo(folder).setup()
        clones.append(folder)
    ana, teacher = clones
    student_app = fast(PlaylistApp(ana, role="student", person="ana", watch=False))
    async with student_app.run_test(size=(80, 24)) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await pilot.press("f5")
        await settle(pilot)
        messages = [str(n.message) for n in student_app._notifications]
        assert any("pushed" in m.lower() or "sent" in m.lower() for m in messages), messages
    teacher_app = PlaylistApp(teacher, role="student", person="ana", watch=True)
    async with teacher_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = teacher_app.screen
        assert isinstance(home, StudentHome)
        before = str(home.query_one("#next", Static).render())
        assert "Practice: ratio language" in before
        await pilot.press("f5")
        for _ in range(100):
            await settle(pilot)
            if "Practice: ratio language" not in str(home.query_one("#next", Static).render()):
                break
            await asyncio.sleep(0.05)
        assert "Practice: ratio language" not in str(home.query_one("#next", Static).render())
    # the teacher has Ana's work (and may have committed .gitattributes on top of it)
    ana_head = git(ana, "rev-parse", "HEAD").strip()
    assert git(teacher, "merge-base", "--is-ancestor", ana_head, "HEAD") == ""


async def test_the_demo_is_never_committed_or_synced(small_class: Path) -> None:
    app = fast(PlaylistApp(small_class, role="student", person="ana", watch=False,
                           autocommit=False, git_sync=False))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space", "f5")
        await settle(pilot)
        assert "commits and sync are off for the demo" in str(screen.query_one(GitBar).render())
        assert any("Sync is off for the demo" in str(n.message) for n in app._notifications)
    assert len(git(small_class, "log", "--format=%s").splitlines()) == 1


def test_the_cli_opens_the_demo_without_git() -> None:
    from unittest import mock

    from playlist_tui.cli import main
    from playlist_tui.commands.common import DEMO

    # (the app needs a terminal, which pytest does not give: pretend, as serve does)
    with mock.patch("playlist_tui.ui.app.PlaylistApp") as app, \
            mock.patch("playlist_tui.cli.has_terminal", return_value=True):
        assert main([str(DEMO), "--student", "ana-souza"]) == 0
    kwargs = app.call_args.kwargs
    assert kwargs["autocommit"] is False and kwargs["git_sync"] is False
