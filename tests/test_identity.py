"""Who the app acts as (issue 13, attack 8): a git email not in the roster of a shared class
gets a read-only picker (students' views only, nothing saved); acting as someone whose email
is not yours is refused unless --as is given, and the commits then say so."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import OptionList

from playlist_tui.cli import main
from playlist_tui.store.identity import acting_refusal
from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.picker import PickerScreen
from playlist_tui.ui.screens.playlist import PlaylistScreen
from playlist_tui.ui.screens.student_home import StudentHome
from tests.conftest import git
from tests.gitutil import EMAILS, clone, seed_class
from tests.test_app_git import fast, wait_commits
from tests.test_student_app import go_to, open_ratios, settle


@pytest.fixture
def stranger(tmp_path: Path) -> Path:
    """A clone of a shared class whose git email is in nobody's roster entry."""
    bare, _ = seed_class(tmp_path)
    folder = clone(bare, tmp_path / "stranger", "ana")
    git(folder, "config", "user.email", "someone@elsewhere.example")
    return folder


def options(screen: PickerScreen) -> list[str]:
    listing = screen.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_a_stranger_gets_a_read_only_picker(stranger: Path) -> None:
    before = git(stranger, "rev-parse", "HEAD")
    app = PlaylistApp(stranger, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen) and picker.read_only
        shown = options(picker)
        assert shown and all(o.startswith("Look at") and o.endswith("(read-only)")
                             for o in shown)
        assert not any("Ms Lee" in o or "Teacher" in o for o in shown)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StudentHome) and app.read_only
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlaylistScreen)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await settle(pilot)
        await asyncio.sleep(0.1)
    assert git(stranger, "status", "--porcelain") == ""  # nothing saved
    assert git(stranger, "rev-parse", "HEAD") == before


async def test_the_picker_of_an_unshared_folder_is_unchanged(small_class: Path) -> None:
    app = PlaylistApp(small_class, watch=False)  # no remote: a class nobody else sees
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen) and not picker.read_only
        assert any(o.startswith("Teacher") for o in options(picker))


def test_acting_as_someone_else_needs_as(stranger: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    refusal = acting_refusal(stranger, "teacher", "lee", acting=False)
    assert refusal is not None
    assert "your git email (someone@elsewhere.example) is not one of Ms Lee's" in refusal
    assert "add --as" in refusal
    assert acting_refusal(stranger, "teacher", "lee", acting=True) is None
    git(stranger, "config", "user.email", EMAILS["lee"])
    assert acting_refusal(stranger, "teacher", "lee", acting=False) is None
    git(stranger, "config", "user.email", EMAILS["ana"])
    assert acting_refusal(stranger, "teacher", "lee", acting=False) is not None
    assert acting_refusal(stranger, "student", "ana", acting=False) is None
    # the command line refuses before opening anything
    monkeypatch.setenv("TEXTUAL_DRIVER", "refused-before-any-driver-is-used")
    assert main([str(stranger), "--teacher", "lee"]) == 2
    err = capsys.readouterr().err
    assert "so the app will not act as Ms Lee" in err and "--as" in err


def test_a_folder_with_no_remote_may_be_anyone(small_class: Path) -> None:
    assert acting_refusal(small_class, "teacher", "lee", acting=False) is None


async def test_commits_made_with_as_say_so(stranger: Path) -> None:
    app = fast(PlaylistApp(stranger, role="student", person="ana", watch=False,
                           acting=True))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await wait_commits(pilot, stranger, 2)
    body = git(stranger, "log", "-1", "--format=%B")
    assert body.startswith("Ana Souza: ticked ratios/practice")
    assert ("Made with --as: acting as Ana Souza from a device whose git email is "
            "someone@elsewhere.example.") in body
