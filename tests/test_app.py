"""The teacher's side of the app: dashboard, review queue, drill-down (Pilot + snapshots)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import DataTable, Input, Select, Static

from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.grid import Grid
from playlist_tui.ui.screens.dashboard import DashboardScreen
from playlist_tui.ui.screens.modals import DecisionDialog
from playlist_tui.ui.screens.queue import QueueScreen
from playlist_tui.ui.screens.student_detail import StudentDetailScreen
from playlist_tui.ui.widgets import ProblemsPanel
from tests.conftest import changes as numstat
from tests.conftest import git
from tests.test_student_app import settle

SIZE = (80, 24)
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def teacher_app(folder: Path) -> PlaylistApp:
    return PlaylistApp(folder, role="teacher", person="lee", watch=False, clock=lambda: NOW)


def rows(table: DataTable[object] | Grid) -> list[list[str]]:
    if isinstance(table, Grid):
        return [table.row_texts(i) for i in range(table.row_count)]
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_dashboard_grid_against_a_hand_computed_class(small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        grid = screen.query_one("#grid", Grid)
        # RP.1 is the only competency checked by the class's playlist.
        # Ana: nothing asked; Ben: a pending request; Cy: mastered at level 3.
        assert rows(grid) == [["Ana Souza", "·"], ["Ben Okafor", "…"], ["Cy Park", "✔3"]]
        assert "1 check waiting" in str(screen.sub_title)
        await pilot.press("g")  # group "Table 1": Ana and Ben
        await settle(pilot)
        assert [r[0] for r in rows(grid)] == ["Ana Souza", "Ben Okafor"]
        await pilot.press("g")  # back to everyone
        await pilot.press("v")
        await settle(pilot)
        # Ratios: Must do (2, all) + Should do (choose 2) = 4 required activities.
        # Ana 1/4 = 25 %, Ben 2/4 = 50 %, Cy 2/4 = 50 %: nobody done, average 42 %.
        assert rows(grid) == [["What is a ratio?", "3", "0", "3", "0", "42"]]


async def test_queue_is_oldest_first_and_a_decision_writes_one_line(small_class: Path) -> None:
    # Ana asks on 5 Nov, after Ben (4 Nov) and before nobody else.
    path = small_class / "students/ana/student.toml"
    path.write_text(path.read_text() + "\n[requests]\nrq-20261105-100000 = { competency = "
                    '"RP.1", at = 2026-11-05T10:00:00Z }\n')
    git(small_class, "commit", "-qam", "ana asks")
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        table = queue.query_one("#queue", DataTable)
        assert [r[:3] for r in rows(table)] == [["20 d", "Ben Okafor", "RP.1"],
                                               ["19 d", "Ana Souza", "RP.1"]]
        work = str(queue.query_one("#work", Static).render())
        assert "Ben Okafor asks for a check on RP.1" in work
        assert "[x] Watch: Intro to ratios (What is a ratio? · Must do), 2 Nov 2026" in work
        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DecisionDialog)
        assert dialog.query_one("#level", Select).value == 3
        await pilot.press(*"Clear and precise.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert numstat(small_class) == {"students/ben/teacher.toml": (4, 0)}
        # Straight on to the next request.
        assert [r[1] for r in rows(table)] == ["Ana Souza"]
        await pilot.press("n", *"Not yet: show a table.", "tab",
                          *"Do the ratio tables practice", "ctrl+s")
        await settle(pilot)
        assert rows(table) == []
    # The student's side sees the decision.
    student = PlaylistApp(small_class, role="student", person="ben", watch=False)
    async with student.run_test(size=SIZE) as pilot:
        await settle(pilot)
        feedback = str(student.screen.query_one("#feedback", Static).render())
        assert "RP.1: mastered (Ms Lee" in feedback and "Clear and precise." in feedback
    decisions = (small_class / "students/ana/teacher.toml").read_text()
    assert 'result = "not-yet", level = 2' in decisions
    assert 'next_steps = "Do the ratio tables practice"' in decisions


async def test_drill_into_a_student(small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, StudentDetailScreen) and detail.student == "cy"
        text = str(detail.query_one("#detail", Static).render())
        assert "✔ RP.1" in text and "mastered (Proficient)" in text
        assert "Clear explanation with a tape diagram." in text


async def test_a_broken_file_is_a_notice_not_a_crash(small_class: Path) -> None:
    (small_class / "students/ben/student.toml").write_text("[ticks\n")
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(ProblemsPanel)
        assert not panel.has_class("hidden")
        assert "1 problem in the class folder" in str(panel.children[0].render())
        assert app.screen.query_one("#grid", Grid).row_count == 3


async def test_a_changed_student_file_changes_their_row_only(small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = app.screen.query_one("#grid", Grid)
        assert rows(grid) == [["Ana Souza", "·"], ["Ben Okafor", "…"], ["Cy Park", "✔3"]]
        assert "1 check waiting" in str(app.screen.sub_title)
        (small_class / "students/ben/teacher.toml").write_text(
            '[decisions]\nd-1 = { request = "rq-20261104-100000", result = "not-yet", '
            'level = 2, by = "lee", at = 2026-11-05T10:00:00Z }\n')
        await pilot.press("r")
        await settle(pilot)
        assert rows(grid) == [["Ana Souza", "·"], ["Ben Okafor", "✗2"], ["Cy Park", "✔3"]]
        assert "0 checks waiting" in str(app.screen.sub_title)
        await pilot.press("down")
        words = str(app.screen.query_one("#cursor-words", Static).render())
        assert words.startswith("Ben Okafor · RP.1: not yet (")


async def test_reload_picks_up_changes(small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path = small_class / "class.toml"
        path.write_text(path.read_text().replace("Test class 6B", "Renamed class"))
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.title == "Renamed class"


def _before(*keys: str) -> object:
    async def run(pilot: object) -> None:
        await settle(pilot)  # type: ignore[arg-type]
        for key in keys:
            await pilot.press(key)  # type: ignore[attr-defined]
            await settle(pilot)  # type: ignore[arg-type]

    return run


def test_snapshot_dashboard(snap_compare: object, small_copy: Path) -> None:
    assert snap_compare(teacher_app(small_copy), terminal_size=SIZE,  # type: ignore[operator]
                        run_before=_before())


def test_snapshot_queue(snap_compare: object, small_copy: Path) -> None:
    assert snap_compare(teacher_app(small_copy), terminal_size=SIZE,  # type: ignore[operator]
                        run_before=_before("w"))


async def test_saving_a_suggested_group(small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        from textual.widgets import OptionList

        options = app.screen.query_one("#suggestions", OptionList)
        first = str(options.get_option_at_index(0).prompt)
        # Ben and Cy have finished Must do; both are on Should do. Ana is still on Must do.
        assert first.startswith("Working on tier Should do of What is a ratio?")
        assert first.endswith("Ben Okafor, Cy Park")
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one("#name", Input).value = "Should do"  # saved only with a name
        await pilot.press("enter")
        await settle(pilot)
        notes = [str(n.message) for n in app._notifications]
    assert numstat(small_class) == {"class.toml": (5, 0)}, notes
    from playlist_tui.store.loader import load_class

    result = load_class(small_class)
    assert result.problems == []
    (group,) = [g for g in result.data.info.groups if g.id != "table-1"]
    assert group.members == ("ben", "cy")


async def test_assigning_a_playlist_to_one_student(small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        target = app.screen.query_one("#target", Select)
        target.value = "student:cy"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert numstat(small_class) == {"class.toml": (4, 0)}
    from playlist_tui.store.loader import load_class

    result = load_class(small_class)
    assert result.problems == []
    assert result.data.info.assignments[-1].students == ("cy",)


async def test_adjusting_a_playlist_for_a_student(small_class: Path) -> None:
    from textual.widgets import SelectionList

    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # Ana
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        await pilot.press("enter")  # the only playlist
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#skip", SelectionList).select("practice")
        dialog.query_one("#note", Input).value = "Extra time on quizzes"
        await pilot.press("ctrl+s")
        await settle(pilot)
        detail = str(app.screen.query_one("#detail", Static).render())
        # (the activity by its title: views.adjustment_words)
        assert "adjusted: skips Practice: ratio language; note: Extra time on quizzes" \
            in detail
    assert numstat(small_class) == {"students/ana/teacher.toml": (4, 0)}
    student = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with student.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        summary = str(student.screen.query_one("#summary", Static).render())
        assert "Note from your teacher: Extra time on quizzes" in summary
        # Practice is skipped for Ana: Must do is complete with the video alone (1 of 1),
        # so Should do is open for her (choose 2 more): 1 of 3 required activities done.
        assert "1 of 3" in summary
        from tests.test_student_app import marks

        assert marks(student.screen)["tables"] == "[ ]"  # type: ignore[arg-type]
