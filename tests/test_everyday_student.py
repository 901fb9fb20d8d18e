"""Issue 15, the student's side of the everyday loop: the git line is seen, quitting does
not leave work unsent without asking, a broken file says so, a teacher's adjustments are
shown in words, the student's dialogs fit at 80x24 and focus comes back after esc."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, DataTable, Footer, OptionList, Static

from playlist_tui.store.gitrepo import GitRepo, SyncResult
from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.playlist import PlaylistScreen
from playlist_tui.ui.screens.student_home import StudentHome
from playlist_tui.ui.widgets import GitBar
from tests.conftest import git
from tests.test_student_app import go_to, marks, open_ratios, row_keys, settle

SIZE = (80, 24)


def on_top(widget: Widget) -> bool:
    """The widget is what is drawn at its own first cells (nothing covers it)."""
    region = widget.region
    if not region.area:
        return False
    screen = widget.screen
    found, _ = screen.get_widget_at(region.x + 1, region.y)
    return (found is widget or widget in found.ancestors) and region.bottom <= screen.size.height


def text(widget: Widget) -> str:
    return str(widget.render())


# --------------------------------------------------------------------------- 1: git line


async def test_the_git_line_is_seen_on_every_student_screen(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for keys in ((), ("enter",), ("escape", "c"), ("escape", "g")):
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            bar = app.screen.query_one(GitBar)
            assert text(bar).startswith("git main · no remote"), type(app.screen)
            assert on_top(bar), f"the git line is covered on {type(app.screen).__name__}"
            assert on_top(app.screen.query_one(Footer))


async def test_the_git_line_is_seen_by_a_teacher_too(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="teacher", person="lee", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert on_top(app.screen.query_one(GitBar))


async def test_the_problems_line_is_seen_too(small_class: Path) -> None:
    (small_class / "students/ben/student.toml").write_text("[ticks\n")
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        head = app.screen.query_one(".problems-head", Static)
        assert on_top(head)
        assert on_top(app.screen.query_one(GitBar))


def test_snapshot_home_with_the_git_line(snap_compare: object, small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)  # type: ignore[operator]


# --------------------------------------------------------------------------- 2: quit


@pytest.fixture
def clone(small_class: Path, tmp_path: Path) -> Path:
    """Ana's laptop: a clone of a bare remote made from the small class."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(small_class), str(remote)], check=True)
    folder = tmp_path / "ana-laptop"
    subprocess.run(["git", "clone", "-q", str(remote), str(folder)], check=True)
    git(folder, "config", "user.email", "ana@students.example")
    git(folder, "config", "user.name", "Ana")
    git(folder, "config", "commit.gpgsign", "false")
    GitRepo(folder).setup()
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "setup", "--allow-empty")
    git(folder, "push", "-q", "origin", "main")
    return folder


def remote_head(clone: Path) -> str:
    return git(clone.parent / "remote.git", "rev-parse", "main").strip()


async def tick_and_quit(pilot: Pilot[None]) -> None:
    screen = await open_ratios(pilot)
    await go_to(pilot, screen, "act:practice")
    await pilot.press("space")
    await settle(pilot)
    await pilot.press("q")
    await settle(pilot)


async def test_quitting_with_unsent_work_asks_and_quit_anyway_commits(
        clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from playlist_tui.ui.screens.modals import QuitDialog

    before = remote_head(clone)
    app = PlaylistApp(clone, role="student", person="ana", watch=False)
    app.COMMIT_AFTER = 60  # the burst is still waiting when Ana quits
    async with app.run_test(size=SIZE) as pilot:
        await tick_and_quit(pilot)
        dialog = app.screen
        assert isinstance(dialog, QuitDialog)
        words = text(dialog.query_one("#quit-why", Static))
        assert "1 change not sent" in words
        for button in dialog.query(Button):
            assert on_top(button)
        await pilot.press("a")  # quit anyway
        await settle(pilot)
    assert app.return_code == 0
    assert git(clone, "log", "-1", "--format=%s").startswith("Ana Souza: ticked")
    assert git(clone, "status", "--porcelain") == ""
    assert remote_head(clone) == before  # not sent: Ana chose so
    assert "1 change not sent" in capsys.readouterr().err


async def test_sync_now_sends_the_work_then_quits_and_says_so(
        clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = PlaylistApp(clone, role="student", person="ana", watch=False)
    app.COMMIT_AFTER = 60
    async with app.run_test(size=SIZE) as pilot:
        await tick_and_quit(pilot)
        await pilot.press("s")  # sync now
        await settle(pilot)
    assert remote_head(clone) == git(clone, "rev-parse", "HEAD").strip()
    assert "ratios/practice" in git(clone, "show", "main:students/ana/student.toml")
    err = capsys.readouterr().err
    assert "Synced before quitting" in err


async def test_esc_in_the_quit_dialog_stays(clone: Path) -> None:
    app = PlaylistApp(clone, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await tick_and_quit(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PlaylistScreen)
        assert app.is_running


async def test_a_sync_that_does_not_finish_in_time_quits_and_says_what_is_left(
        clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = PlaylistApp(clone, role="student", person="ana", watch=False)
    app.QUIT_SYNC_WAIT = 0.0  # the network is slow: the app does not wait for it
    release = threading.Event()

    def slow_sync(*args: object, **kwargs: object) -> SyncResult:
        release.wait(10)
        return SyncResult(True, "late")

    try:
        async with app.run_test(size=SIZE) as pilot:
            await tick_and_quit(pilot)
            app.git.sync = slow_sync  # type: ignore[method-assign]
            await pilot.press("s")
            await settle(pilot)
        err = capsys.readouterr().err
        assert "did not finish" in err and "1 change not sent" in err
        assert git(clone, "status", "--porcelain") == ""  # committed here, nothing lost
    finally:
        release.set()


async def test_nothing_unsent_quits_without_asking(clone: Path) -> None:
    app = PlaylistApp(clone, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0 and not app.is_running


# --------------------------------------------------------------------------- 3: broken file


async def test_a_broken_student_file_says_so_on_the_students_screens(
        small_class: Path) -> None:
    path = small_class / "students/ana/student.toml"
    path.write_text(path.read_text().replace("[ticks]", "[ticks", 1))
    before = path.read_bytes()
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, StudentHome)
        words = text(home.query_one("#broken", Static))
        assert "students/ana/student.toml:3:7" in words
        assert "cannot be read" in words and "Nothing is lost" in words
        row = str(home.query_one("#playlists", OptionList).get_option_at_index(0).prompt)
        assert "0 of" not in row and "progress not known" in row
        assert on_top(home.query_one("#broken", Static))
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlaylistScreen)
        summary = text(screen.query_one("#summary", Static))
        assert "students/ana/student.toml:3:7" in summary and "Nothing is lost" in summary
        assert "0 of" not in summary
        assert set(marks(screen).values()) == {" ? "}
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await settle(pilot)
        assert any("cannot be read" in str(n.message) for n in app._notifications)
    assert path.read_bytes() == before


async def test_a_file_with_one_bad_entry_says_what_is_left_out(small_class: Path) -> None:
    path = small_class / "students/ana/student.toml"
    path.write_text(path.read_text().replace(
        '"ratios/video" = 2026-11-02T10:00:00Z', '"ratios/video" = "yesterday"'))
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        words = text(app.screen.query_one("#broken", Static))
        assert "students/ana/student.toml:4:1" in words
        assert "Part of your file" in words and "leaves that part out" in words


async def test_a_sound_file_shows_no_warning(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#broken", Static).display


# --------------------------------------------------------------------------- 8: adjustments


ADJUST = ('[adjustments]\nratios = { skip = ["tape"], add = ["design"], '
          'note = "Listen to the audio version." }\n')


def adjusted(small_class: Path) -> Path:
    (small_class / "students/ana/teacher.toml").write_text(ADJUST)
    path = small_class / "students/ana/student.toml"
    path.write_text(path.read_text().replace(
        '"ratios/video" = 2026-11-02T10:00:00Z',
        '"ratios/video" = 2026-11-02T10:00:00Z\n"ratios/practice" = 2026-11-02T10:00:00Z\n'
        '"ratios/tables" = 2026-11-02T10:00:00Z\n"ratios/recipe" = 2026-11-02T10:00:00Z'))
    return small_class


async def test_adjusted_rows_say_so_in_words_and_completion_waits(small_class: Path) -> None:
    app = PlaylistApp(adjusted(small_class), role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = str(app.screen.query_one("#playlists", OptionList).get_option_at_index(0).prompt)
        assert "complete" not in row and "4 of 5" in row, row
        assert "Design a ratio puzzle" in text(app.screen.query_one("#next", Static))
        assert "required for you" in text(app.screen.query_one("#next", Static))
        screen = await open_ratios(pilot)
        table = screen.query_one("#activities", DataTable)
        titles = {k: str(table.get_row_at(i)[1]) for i, k in enumerate(row_keys(screen))}
        assert "skipped for you" in titles["act:tape"]
        assert "required for you" in titles["act:design"]
        assert "for you" not in titles["act:tables"]
        await go_to(pilot, screen, "act:design")
        details = text(screen.query_one("#details", Static))
        assert "Your teacher made this required for you" in details
        assert "Listen to the audio version." in details
        await go_to(pilot, screen, "act:tape")
        assert "Your teacher skipped this for you" in text(screen.query_one("#details", Static))


# --------------------------------------------------------------------------- 11: dialogs


async def dialog_is_whole(app: PlaylistApp) -> None:
    dialog = app.screen
    box = dialog.query_one(".dialog")
    assert box.region.bottom <= dialog.size.height - 1  # above the footer
    for button in dialog.query(Button):
        assert on_top(button), f"{button.id} is cut or covered"
        assert box.region.contains_region(button.region)


@pytest.mark.parametrize("keys", [("enter", "m"), ("enter", "down", "e"), ("g", "a")],
                         ids=["request", "reflection", "goal"])
async def test_the_students_dialogs_fit_at_80x24(small_class: Path,
                                                 keys: tuple[str, ...]) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await dialog_is_whole(app)


@pytest.mark.parametrize("keys", [("enter", "m"), ("enter", "down", "e"), ("g", "a")],
                         ids=["request", "reflection", "goal"])
def test_snapshot_student_dialog(snap_compare: object, small_copy: Path,
                                 keys: tuple[str, ...]) -> None:
    app = PlaylistApp(small_copy, role="student", person="ana", watch=False)

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)  # type: ignore[operator]


async def test_the_request_dialog_fits_with_three_competencies_not_ready(
        small_class: Path) -> None:
    path = small_class / "playlists/ratios.toml"
    path.write_text(path.read_text().replace('competencies = ["RP.1"]\nready_after',
                                             'competencies = ["RP.1", "RP.2", "RP"]\n'
                                             'ready_after', 1))
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.result or not app.result.problems
        await pilot.press("enter", "m")
        await settle(pilot)
        assert app.screen.query_one("#competencies", OptionList).option_count == 3
        await dialog_is_whole(app)


# --------------------------------------------------------------------------- 12: focus


def two_playlists(small_class: Path) -> Path:
    (small_class / "playlists/rates.toml").write_text(
        'id = "rates"\ntitle = "Unit rates"\n\n[[tiers]]\nid = "core"\ntitle = "Must do"\n'
        'complete = "all"\n\n[[tiers.activities]]\nid = "intro"\ntitle = "Rates intro"\n')
    with (small_class / "class.toml").open("a") as f:
        f.write('\n[[assignments]]\nplaylist = "rates"\neveryone = true\n')
    return small_class


async def test_focus_comes_back_to_the_list_after_esc(small_class: Path) -> None:
    app = PlaylistApp(two_playlists(small_class), role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        options = home.query_one("#playlists", OptionList)
        assert app.focused is options
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PlaylistScreen) and app.screen.playlist_id == "ratios"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is home and app.focused is options
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PlaylistScreen) and app.screen.playlist_id == "rates"
        await pilot.press("escape", "c")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.focused is options
        await pilot.press("up", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PlaylistScreen) and app.screen.playlist_id == "ratios"



def test_the_family_report_shows_the_adjustment_and_the_accommodations(
        small_class: Path) -> None:
    from datetime import date

    from playlist_tui.reports.student_report import student_html, student_markdown
    from playlist_tui.store.store import ClassStore

    data = ClassStore(adjusted(small_class)).load().data
    md = student_markdown(data, "ana", date(2026, 12, 1))
    assert ("Adjusted for Ana Souza by the teacher: not required: Tape diagrams; "
            "required: Design a ratio puzzle (not done yet).") in md
    assert "Accommodations: Listen to the audio version." in md
    assert "80% done (4 of 5 required activities), started." in md
    html = student_html(data, "ana", date(2026, 12, 1))
    assert "required: Design a ratio puzzle (not done yet)" in html
    assert "Accommodations:</span> Listen to the audio version." in html
    plain = student_markdown(data, "ben", date(2026, 12, 1))
    assert "Adjusted for" not in plain and "Accommodations" not in plain
