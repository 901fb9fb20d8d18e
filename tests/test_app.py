"""The app: driven with the Pilot and compared with snapshots at 80x24."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.widgets import ProblemsPanel
from tests.conftest import SMALL


async def test_lists_playlists_and_students(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="teacher", person="lee", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        playlists = app.screen.query_one("#playlists", DataTable)
        students = app.screen.query_one("#students", DataTable)
        assert playlists.row_count == 1
        assert playlists.get_row_at(0) == ["What is a ratio?", "3", "6", "0/3"]
        assert [students.get_row_at(i)[0] for i in range(students.row_count)] == [
            "Ana Souza", "Ben Okafor", "Cy Park"]
        assert students.get_row_at(1)[2] == "1 waiting"
        assert app.screen.title == "Test class 6B"
        assert app.screen.query_one(ProblemsPanel).has_class("hidden")


async def test_a_broken_file_is_a_notice_not_a_crash(small_class: Path) -> None:
    (small_class / "students/ben/student.toml").write_text("[ticks\n")
    app = PlaylistApp(small_class, role="teacher", person="lee", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.screen.query_one(ProblemsPanel)
        assert not panel.has_class("hidden")
        assert "1 problem in the class folder" in str(panel.children[0].render())
        assert app.screen.query_one("#students", DataTable).row_count == 3
        await pilot.press("p")
        await pilot.pause()
        assert panel.expanded


async def test_reload_picks_up_changes(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="teacher", person="lee", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        path = small_class / "class.toml"
        path.write_text(path.read_text().replace("Test class 6B", "Renamed class"))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.title == "Renamed class"


def test_snapshot_class_overview(snap_compare: object) -> None:
    async def loaded(pilot: object) -> None:
        await pilot.app.workers.wait_for_complete()  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]

    app = PlaylistApp(SMALL, role="teacher", person="lee", watch=False)
    assert snap_compare(app, terminal_size=(80, 24),  # type: ignore[operator]
                        run_before=loaded)
