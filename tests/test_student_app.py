"""The student experience, driven with the Pilot against a copy of the small class in git."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static, TextArea

from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.competencies import CompetenciesScreen
from playlist_tui.ui.screens.modals import NoteDialog, RequestDialog
from playlist_tui.ui.screens.playlist import PlaylistScreen
from playlist_tui.ui.screens.student_home import StudentHome
from tests.conftest import changes as numstat
from tests.conftest import git, screen_of

SIZE = (80, 24)


async def settle(pilot: Pilot[None]) -> None:
    """Wait for loading and saving (not for the file watcher, which runs until exit)."""
    app = pilot.app
    for _ in range(3):
        busy = [w for w in app.workers if w.group != "watch"]
        if busy:  # (an empty list would mean "every worker", the watcher included)
            await app.workers.wait_for_complete(busy)
        await pilot.pause()


async def eventually(pilot: Pilot[None], condition: object, seconds: float = 8.0) -> None:
    for _ in range(int(seconds / 0.05)):
        await settle(pilot)
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the app did not show the change in time")




def student_data(repo: Path, student: str = "ana") -> dict[str, object]:
    return tomllib.loads((repo / f"students/{student}/student.toml").read_text())


async def open_ratios(pilot: Pilot[None]) -> PlaylistScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, StudentHome)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PlaylistScreen)
    return screen


def row_keys(screen: PlaylistScreen) -> list[str]:
    table = screen.query_one("#activities", DataTable)
    return [str(table.coordinate_to_cell_key(Coordinate(r, 0)).row_key.value)
            for r in range(table.row_count)]


async def go_to(pilot: Pilot[None], screen: PlaylistScreen, key: str) -> None:
    table = screen.query_one("#activities", DataTable)
    table.move_cursor(row=row_keys(screen).index(key))
    await pilot.pause()


def marks(screen: PlaylistScreen) -> dict[str, str]:
    table = screen.query_one("#activities", DataTable)
    return {k.removeprefix("act:"): str(table.get_row_at(i)[0])
            for i, k in enumerate(row_keys(screen)) if k.startswith("act:")}


async def test_tick_changes_one_line_and_untick_restores(small_class: Path) -> None:
    before = (small_class / "students/ana/student.toml").read_bytes()
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await settle(pilot)
        assert numstat(small_class) == {"students/ana/student.toml": (1, 0)}
        assert marks(screen)["practice"] == "[x]"
        await pilot.press("space")
        await settle(pilot)
        assert numstat(small_class) == {}
        assert (small_class / "students/ana/student.toml").read_bytes() == before
        assert marks(screen)["practice"] == "[ ]"


async def test_locked_tier_refuses_with_the_reason_until_the_tier_before_is_done(
        small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ratios(pilot)
        assert marks(screen)["tables"] == "[-]"
        await go_to(pilot, screen, "act:tables")
        details = str(screen.query_one("#details", Static).render())
        assert "Locked: Tier Should do is locked: finish 1 more activity in Must do" in details
        await pilot.press("space")
        await settle(pilot)
        assert "ratios/tables" not in student_data(small_class)["ticks"]  # type: ignore[operator]
        assert any("finish 1 more activity in Must do" in str(n.message)
                   for n in app._notifications)
        # Finishing Must do unlocks Should do.
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await settle(pilot)
        assert marks(screen)["tables"] == "[ ]"
        await go_to(pilot, screen, "act:tables")
        await pilot.press("space")
        await settle(pilot)
        assert "ratios/tables" in student_data(small_class)["ticks"]  # type: ignore[operator]


async def test_requesting_a_check(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ratios(pilot)
        # Not ready: Must do is not finished. The dialog says why and sends nothing.
        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RequestDialog)
        why = str(dialog.query_one("#why", Static).render())
        assert "Not ready for a check on RP.1: finish 1 more in tier Must do." in why
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "requests" not in student_data(small_class)
        await pilot.press("escape")
        await settle(pilot)
        # Ready once Must do is done: the request is written, with the note.
        await go_to(pilot, screen, "act:practice")
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, RequestDialog)
        await pilot.press("enter")  # choose RP.1, then type a note
        await pilot.press(*"I can explain it")
        await pilot.press("enter")
        await settle(pilot)
        requests = student_data(small_class)["requests"]
        assert isinstance(requests, dict) and len(requests) == 1
        (request,) = requests.values()
        assert request["competency"] == "RP.1" and request["note"] == "I can explain it"
        assert request["playlist"] == "ratios"
        # A second request while the first is pending is refused.
        assert screen_of(app) is screen
        await pilot.press("m")
        await settle(pilot)
        again = screen_of(app)
        assert isinstance(again, RequestDialog)
        assert "still waiting for a teacher's decision" in str(
            again.query_one("#why", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(student_data(small_class)["requests"]) == 1  # type: ignore[arg-type]


async def test_a_decision_written_by_another_process_appears(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ben", watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, StudentHome)
        assert "New feedback (0)" in str(home.query_one("#feedback", Static).render())
        await asyncio.sleep(0.3)  # let the watcher start
        (small_class / "students/ben/teacher.toml").write_text(
            "[decisions]\n"
            'd-20261106-100000 = { request = "rq-20261104-100000", result = "mastered", '
            'level = 3, feedback = "Well explained.", by = "lee", '
            "at = 2026-11-06T10:00:00Z }\n")

        def shown() -> bool:
            text = str(home.query_one("#feedback", Static).render())
            return "New feedback (1)" in text and "Well explained." in text

        await eventually(pilot, shown)
        assert "none" in str(home.query_one("#waiting", Static).render())


async def test_a_reflection_typed_while_the_file_changes_keeps_both(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NoteDialog)
        await pilot.press(*"Tables helped")
        # Meanwhile another device's tick arrives on disk (e.g. through git pull).
        path = small_class / "students/ana/student.toml"
        path.write_text(path.read_text().replace(
            '"ratios/video" = 2026-11-02T10:00:00Z',
            '"ratios/video" = 2026-11-02T10:00:00Z\n"ratios/practice" = 2026-11-05T10:00:00Z'))

        def reloaded() -> bool:
            return marks(screen)["practice"] == "[x]"

        await eventually(pilot, reloaded)
        assert app.screen is dialog
        assert dialog.query_one("#reflection", TextArea).text == "Tables helped"
        await pilot.press(" ", *"a lot")
        await pilot.press("ctrl+s")
        await settle(pilot)
        data = student_data(small_class)
        assert data["ticks"]["ratios/practice"]  # type: ignore[index]
        assert data["notes"]["ratios/practice"] == {  # type: ignore[index]
            "reflection": "Tables helped a lot"}


async def test_competencies_show_levels_history_and_mark_feedback_read(
        small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="cy", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "New feedback (1)" in str(app.screen.query_one("#feedback", Static).render())
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompetenciesScreen)
        table = screen.query_one("#competencies", DataTable)
        assert [str(c) for c in table.get_row_at(0)][:3] == ["✔", "RP.1",
                                                            "mastered (Proficient)"]
        history = str(screen.query_one("#history", Static).render())
        assert "Ms Lee: Mastered at level 3 (Proficient)" in history
        assert "Feedback: Clear explanation with a tape diagram." in history
        seen = student_data(small_class, "cy")["seen"]
        assert str(seen["feedback"]) == "2026-10-23 10:00:00+00:00"  # type: ignore[index]
        await pilot.press("escape")
        await settle(pilot)
        assert "New feedback (0)" in str(app.screen.query_one("#feedback", Static).render())


async def test_goals_add_complete(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("a")
        await pilot.press(*"Read one article a week", "tab", *"2026-12-18", "enter")
        await settle(pilot)
        goals = student_data(small_class)["goals"]
        assert isinstance(goals, dict) and len(goals) == 2
        new = [g for g in goals.values() if g["text"] == "Read one article a week"]
        assert str(new[0]["target"]) == "2026-12-18"
        await pilot.press("space")  # the first goal is done
        await settle(pilot)
        goals = student_data(small_class)["goals"]
        assert "done" in goals["g-20261101-090000"]  # type: ignore[index]


async def test_the_app_recognises_the_student_from_git(small_class: Path) -> None:
    git(small_class, "config", "user.email", "ana@students.example")
    app = PlaylistApp(small_class, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StudentHome)
        assert app.screen.student == "ana"


async def test_an_unknown_person_gets_a_picker(small_class: Path) -> None:
    git(small_class, "config", "user.email", "nobody@example.org")
    app = PlaylistApp(small_class, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 4  # one teacher and three students
        options.highlighted = 2  # Ben
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StudentHome) and app.screen.student == "ben"


async def test_a_broken_file_is_a_notice_not_a_crash(small_class: Path) -> None:
    (small_class / "students/ben/student.toml").write_text("[ticks\n")
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from playlist_tui.ui.widgets import ProblemsPanel

        panel = app.screen.query_one(ProblemsPanel)
        assert not panel.has_class("hidden")
        head = str(panel.query_one(".problems-head", Static).render())
        assert head.startswith("! 1 problem in the class folder (1 error)")
        await pilot.press("p")
        await settle(pilot)
        texts = [str(s.render()) for s in panel.query(Static)]
        assert any("students/ben/student.toml:1:7" in t for t in texts)


def _run_before(*keys: str) -> object:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_snapshot_student_home(snap_compare: object, small_copy: Path) -> None:
    app = PlaylistApp(small_copy, role="student", person="ana", watch=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_run_before())  # type: ignore[operator]


def test_snapshot_playlist(snap_compare: object, small_copy: Path) -> None:
    app = PlaylistApp(small_copy, role="student", person="ana", watch=False)
    assert snap_compare(app, terminal_size=SIZE,  # type: ignore[operator]
                        run_before=_run_before("enter", "down", "down"))


def test_snapshot_competencies(snap_compare: object, small_copy: Path) -> None:
    app = PlaylistApp(small_copy, role="student", person="ben", watch=False)
    assert snap_compare(app, terminal_size=SIZE,  # type: ignore[operator]
                        run_before=_run_before("c"))


async def test_the_mouse_works_for_dialogs(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False, autocommit=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*"clicked")
        await pilot.click("#save")
        await settle(pilot)
        assert student_data(small_class)["notes"]["ratios/practice"] == {  # type: ignore[index]
            "reflection": "clicked"}


async def test_one_tick_is_one_apply_one_refresh_one_redraw(
        small_class: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The work one tick does: the hidden home is redrawn when it is shown again, and the
    app's own write coming back through the watcher is not read again."""
    drawn: list[str] = []
    for cls in (PlaylistScreen, StudentHome):
        def counted(self: DataScreen,
                    original: Callable[[DataScreen], None] = cls.refresh_view,  # type: ignore[assignment]
                    ) -> None:
            drawn.append(type(self).__name__)
            original(self)
        monkeypatch.setattr(cls, "refresh_view", counted)
    app = PlaylistApp(small_class, role="student", person="ana", watch=True)
    app.COMMIT_AFTER = 60
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:practice")
        await asyncio.sleep(0.3)  # the watcher is ready
        drawn.clear()
        app.session.counts.clear()
        await pilot.press("space")
        await eventually(pilot, lambda: app.session.counts["skipped"] >= 1)
        assert marks(screen)["practice"] == "[x]"
        assert (app.session.counts["apply"], app.session.counts["refresh"]) == (1, 1)
        assert drawn == ["PlaylistScreen"]
        await pilot.press("escape")
        await settle(pilot)
        assert drawn == ["PlaylistScreen", "StudentHome"]
        assert "Practice: ratio language" not in str(app.screen.query_one("#next", Static)
                                                    .render())
