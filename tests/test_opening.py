"""The home screen kept from the last run (the *opening*) is shown at once, before the
class is loaded, only while the class folder is exactly as it was, and shows exactly
what the real screen then shows (playlist_tui.session.opening, ui/screens/opening.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from playlist_tui.session import opening
from playlist_tui.session.session import ClassSession
from playlist_tui.store import cachefiles, loader
from playlist_tui.store.store import wait_for_cache
from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.dashboard import DashboardScreen
from playlist_tui.ui.screens.opening import Opening, OpeningDashboard, OpeningHome
from playlist_tui.ui.screens.queue import QueueScreen
from playlist_tui.ui.screens.student_home import StudentHome
from tests.conftest import SMALL, own_cache
from tests.test_student_app import eventually, settle

SIZE = (100, 30)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    own_cache(tmp_path, monkeypatch)
    folder = tmp_path / "class"
    shutil.copytree(SMALL, folder)
    yield folder
    wait_for_cache()


def app_for(root: Path, role: str = "teacher", person: str = "lee") -> PlaylistApp:
    return PlaylistApp(root, role=role, person=person, watch=False, git_sync=False)


def screen_lines(app: PlaylistApp) -> list[str]:
    """The text of every line of the screen as drawn now."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def without_git(lines: list[str]) -> list[str]:
    """The lines but the git line (above the footer), whose words are read at each start."""
    assert lines[-2].startswith(" git")
    return [*lines[:-2], lines[-1]]


def counted(app: PlaylistApp) -> bool:
    screen = app.screen
    return isinstance(screen, DashboardScreen) and screen.summary is not None


async def first_run(root: Path, role: str = "teacher", person: str = "lee",
                    then: Callable[[Pilot[None]], Any] | None = None) -> list[str]:
    """Run the app until its home screen shows the class (counted), then quit: the
    screen's lines as the real screen showed them."""
    app = app_for(root, role, person)
    async with app.run_test(size=SIZE) as pilot:
        home = DashboardScreen if role == "teacher" else StudentHome
        await eventually(pilot, lambda: isinstance(app.screen, home) and (
            role != "teacher" or counted(app)))
        await settle(pilot)
        if then is not None:
            await then(pilot)
        await pilot.pause()
        lines = screen_lines(app)
        app.exit()  # (as quitting does: what the screen shows is kept on the way out)
        await pilot.pause()
    return lines


class HeldLoad:
    """Makes the app's load wait until ``release()``: what is on screen before the class
    is read can be looked at."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.gate = threading.Event()
        original = ClassSession.load
        gate = self.gate

        def load(session: ClassSession) -> Any:
            gate.wait(20)
            return original(session)

        monkeypatch.setattr(ClassSession, "load", load)

    def release(self) -> None:
        self.gate.set()


@contextlib.asynccontextmanager
async def started(root: Path, monkeypatch: pytest.MonkeyPatch, role: str = "teacher",
                  person: str = "lee") -> AsyncIterator[tuple[PlaylistApp, Pilot[None],
                                                              HeldLoad]]:
    """The app started with its load held (``release()`` lets it go), its first screen
    drawn."""
    held = HeldLoad(monkeypatch)
    app = app_for(root, role, person)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        yield app, pilot, held


def kept_files(root: Path) -> list[Path]:
    folder = cachefiles.cache_dir(root)
    assert folder is not None
    return sorted(folder.glob("opening-*")) if folder.is_dir() else []


async def test_the_dashboard_opens_as_it_was_left_and_the_real_one_looks_the_same(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = await first_run(root)
    assert any("1 check waiting" in line for line in real)
    assert len(kept_files(root)) == 1

    async with started(root, monkeypatch) as (app, pilot, held):
        assert isinstance(app.screen, OpeningDashboard)  # before the class is read
        assert app.result is None
        shown = screen_lines(app)
        # every line: rows, cells, checks waiting, footer; the git line is read again
        assert without_git(shown) == without_git(real)
        assert "git: reading the status…" in shown[-2]
        held.release()
        await eventually(pilot, lambda: counted(app))
        await pilot.pause()
        assert screen_lines(app) == real  # (its git line too, now)
        assert all(s.done for s in app.screen_stack if isinstance(s, Opening))


async def test_the_cursor_moves_on_the_opening_and_a_key_is_done_once_the_class_is_read(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await first_run(root)
    async with started(root, monkeypatch) as (app, pilot, held):
        assert isinstance(app.screen, OpeningDashboard)
        await pilot.press("down", "down")
        assert app.screen.cursor() == (2, 0)
        await pilot.press("w")  # the queue: needs the class
        await pilot.pause()
        assert isinstance(app.screen, OpeningDashboard)
        held.release()
        await eventually(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("escape")
        await eventually(pilot, lambda: isinstance(app.screen, DashboardScreen))
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        from playlist_tui.ui.grid import Grid

        grid = dashboard.query_one(Grid)
        assert (grid.cursor_row, grid.cursor_column) == (2, 0)


async def test_a_student_home_opens_as_it_was_left(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = await first_run(root, "student", "ben")
    async with started(root, monkeypatch, "student", "ben") as (app, pilot, held):
        assert isinstance(app.screen, OpeningHome)
        assert without_git(screen_lines(app)) == without_git(real)
        held.release()
        await eventually(pilot, lambda: isinstance(app.screen, StudentHome))
        await pilot.pause()
        assert screen_lines(app) == real


def change_a_tick(root: Path) -> None:
    path = root / "students" / "ben" / "student.toml"
    path.write_text(path.read_text("utf-8") + "\n", "utf-8")


def add_a_student_file(root: Path) -> None:
    folder = root / "students" / "ana"
    folder.mkdir(exist_ok=True)
    (folder / "teacher.toml").write_text("", "utf-8")


def touch_the_roster(root: Path) -> None:
    path = root / "class.toml"
    os.utime(path)


def rename_a_playlist_file(root: Path) -> None:
    path = sorted((root / "playlists").glob("*.toml"))[0]
    path.rename(path.with_name("renamed.toml"))


@pytest.mark.parametrize("change", [change_a_tick, add_a_student_file, touch_the_roster,
                                    rename_a_playlist_file])
async def test_any_change_in_the_class_folder_means_no_opening(
        root: Path, monkeypatch: pytest.MonkeyPatch,
        change: Callable[[Path], None]) -> None:
    await first_run(root)
    assert opening.read(root, opening.who("teacher", "lee", None)) is not None
    change(root)
    async with started(root, monkeypatch) as (app, pilot, held):
        assert not isinstance(app.screen, Opening)  # the loading screen
        held.release()
        await eventually(pilot, lambda: counted(app))


async def test_another_person_or_a_forged_file_gets_no_opening(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await first_run(root)
    whom = opening.who("teacher", "lee", None)
    assert opening.read(root, whom) is not None
    assert opening.read(root, opening.who("student", "ben", None)) is None
    # The same picture under another person's name, or changed by hand: not read.
    (path,) = kept_files(root)
    content = bytearray(path.read_bytes())
    content[-5] ^= 1
    path.write_bytes(bytes(content))
    assert opening.read(root, whom) is None
    async with started(root, monkeypatch) as (app, pilot, held):
        assert not isinstance(app.screen, Opening)
        held.release()
        await eventually(pilot, lambda: counted(app))


async def test_a_change_while_the_app_runs_is_not_kept_as_the_opening(
        root: Path) -> None:
    """A file changed after the class on screen was read (the watcher is off here): what
    the screen shows is not what the folder holds, so nothing is kept."""

    async def change(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, PlaylistApp)
        kept = app._opening_picture()
        assert kept is not None
        assert app.session.keep_opening(*kept)  # (kept while the folder is the same)
        change_a_tick(root)
        assert not app.session.keep_opening(*kept)

    await first_run(root, then=change)
    assert opening.read(root, opening.who("teacher", "lee", None)) is None


async def test_a_file_read_while_it_was_changing_is_read_again_on_the_way_out(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file saved or changed during the run was read while it was changing: its
    identity cannot be trusted, so the class shown cannot be kept as it is; quitting
    reads it again (settled by then) and keeps the opening."""
    app = app_for(root)
    whom = opening.who("teacher", "lee", None)
    async with app.run_test(size=SIZE) as pilot:
        await eventually(pilot, lambda: counted(app))
        monkeypatch.setattr(loader, "RACY_NS", 10**18)  # what is read now is "changing"
        change_a_tick(root)
        app.session.disk_changed({"students/ben/student.toml"})  # (as the watcher does)
        await eventually(pilot, lambda: counted(app))
        session = app.session
        assert session.result is not None
        idents = session.store.identities_for(session.result)
        assert idents is not None and idents["students/ben/student.toml"] is None
        kept = app._opening_picture()
        assert kept is not None and not session.keep_opening(*kept)
        monkeypatch.setattr(loader, "RACY_NS", 0)  # (settled now)
        app.exit()
        await pilot.pause()
    assert opening.read(root, whom) is not None


async def test_nothing_is_kept_with_the_cache_off(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYLIST_TUI_CACHE", "off")
    await first_run(root)
    assert cachefiles.cache_dir(root) is None
    assert opening.read(root, opening.who("teacher", "lee", None)) is None


def test_reading_the_opening_imports_no_model(root: Path) -> None:
    """The opening is read and drawn before the first paint: no model, no store, no engine."""
    code = (
        "import sys\n"
        "from playlist_tui.ui.app import PlaylistApp\n"
        "from playlist_tui.ui.screens import opening as screens\n"
        f"app = PlaylistApp({str(root)!r}, role='teacher', person='lee')\n"
        "app.session.opening('teacher', 'lee')\n"
        "heavy = ('pydantic', 'tomlkit', 'watchfiles', 'playlist_tui.engine',\n"
        "         'playlist_tui.model.klass', 'playlist_tui.store.store',\n"
        "         'playlist_tui.store.loader', 'playlist_tui.ui.screens.dashboard')\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ})
    assert out.stdout.strip() == ""


def test_the_opening_stamp_follows_no_link_and_sees_each_students_files(
        root: Path, tmp_path: Path) -> None:
    from playlist_tui.store import verdict

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "student.toml").write_text("", "utf-8")
    (root / "students" / "evil").symlink_to(outside)
    light = verdict.stamp(root, student_folders=False)
    assert "students/evil" in light and "students/evil/student.toml" not in light
    assert light["students/ben/student.toml"] == verdict.stamp(root)["students/ben/student.toml"]
    before = verdict.digest(light)
    (root / "students" / "cy" / "teacher.toml").write_text("", "utf-8")
    assert verdict.digest(verdict.stamp(root, student_folders=False)) != before


def test_an_opening_kept_by_one_process_is_read_by_the_next(root: Path) -> None:
    """What one run keeps, the next run (another process) reads: nothing in the seal or
    the stamp's digest may depend on the process (marshal's bytes, for one, depend on
    reference counts)."""
    code = (
        "import sys\n"
        "from playlist_tui.session import opening\n"
        "from playlist_tui.session.session import ClassSession\n"
        "from playlist_tui.store import loader, verdict\n"
        "loader.RACY_NS = verdict.RACY_NS = 0\n"
        "session = ClassSession(sys.argv[1])\n"
        "result = session.load()\n"
        "whom = opening.who('teacher', sys.argv[2], None)\n"
        "print(session.keep_opening(whom, result.data, {'screen': 'test'}))\n"
    )
    whom = opening.who("teacher", "lee", None)
    assert whom is not None
    out = subprocess.run([sys.executable, "-c", code, str(root), "lee"], capture_output=True,
                         text=True, check=True, env={**os.environ})
    assert out.stdout.strip() == "True"
    assert opening.read(root, whom) == {"screen": "test"}


async def test_a_students_opening_looks_at_their_own_files_only(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A student's home shows nothing of another student's files: a change there keeps
    the opening (and at 5,000 students it is read without looking at 10,000 files); a
    change to their own file, or to the curriculum, does not."""
    await first_run(root, "student", "ben")
    whom = opening.who("student", "ben", None)
    assert opening.read(root, whom) is not None
    other = root / "students" / "cy" / "student.toml"
    other.write_text(other.read_text("utf-8") + "\n", "utf-8")
    assert opening.read(root, whom) is not None
    async with started(root, monkeypatch, "student", "ben") as (app, pilot, held):
        assert isinstance(app.screen, OpeningHome)
        held.release()
        await eventually(pilot, lambda: isinstance(app.screen, StudentHome))
    playlist = sorted((root / "playlists").glob("*.toml"))[0]
    playlist.write_text(playlist.read_text("utf-8") + "\n", "utf-8")
    assert opening.read(root, whom) is None


async def test_help_open_over_the_opening_stays_until_closed(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The class read while help is open over the opening: help stays; the real screen
    takes the opening's place when help is closed."""
    from playlist_tui.ui.screens.help import HelpScreen

    await first_run(root)
    async with started(root, monkeypatch) as (app, pilot, held):
        assert isinstance(app.screen, OpeningDashboard)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        held.release()
        await eventually(pilot, lambda: app.result is not None)
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await eventually(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert all(s.done for s in app.screen_stack if isinstance(s, Opening))


def test_every_key_of_the_home_screens_is_offered_and_remembered_on_their_openings() -> None:
    """The openings offer the real screens' keys (the same bindings, in the footer and the
    palette) and remember each one that needs the class for the real screen to do."""
    from playlist_tui.ui.screens import homekeys

    for opening_class, real, bindings in ((OpeningDashboard, DashboardScreen,
                                           homekeys.DASHBOARD),
                                          (OpeningHome, StudentHome, homekeys.HOME)):
        assert real.BINDINGS is bindings
        for binding in bindings:
            assert not isinstance(binding, tuple) and binding in opening_class.BINDINGS
            action = f"action_{binding.action}"
            assert callable(getattr(real, action)), action
            screen = object.__new__(opening_class)
            remembered: list[str] = []
            screen.later = remembered.append  # type: ignore[method-assign,assignment]
            getattr(screen, action)()
            assert remembered == [binding.action]


async def test_a_filter_key_on_the_opening_is_done_by_the_dashboard(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await first_run(root)
    async with started(root, monkeypatch) as (app, pilot, held):
        assert isinstance(app.screen, OpeningDashboard)
        await pilot.press("v")  # the playlists view
        held.release()
        await eventually(pilot, lambda: isinstance(app.screen, DashboardScreen)
                         and app.screen.view == "playlists")
