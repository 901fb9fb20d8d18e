"""The virtual grid of the teacher's dashboard: only what is on screen is made, the cursor
moves and scrolls with the keys and the mouse, and the label column stays in place."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from playlist_tui.model.klass import Lazy, Records
from playlist_tui.store import loader
from playlist_tui.store.store import ClassStore
from playlist_tui.ui.grid import Column, Grid

SIZE = (60, 12)  # 11 lines of grid: a header and 10 rows (no horizontal scrollbar room)


class GridApp(App[None]):
    def __init__(self, rows: int, columns: int) -> None:
        super().__init__()
        self.made: list[str] = []
        self.selected: list[tuple[str | None, str | None]] = []
        self.n_rows = rows
        self.n_columns = columns

    def compose(self) -> ComposeResult:
        yield Grid("Student", label_width=10)

    def on_mount(self) -> None:
        columns = [Column(f"c{j}", f"C{j}", 7) for j in range(self.n_columns)]
        rows = [(f"r{i}", f"Row {i}") for i in range(self.n_rows)]

        def cells(key: str) -> list[str]:
            self.made.append(key)
            return [f"{key[1:]}.{j}" for j in range(self.n_columns)]

        grid = self.query_one(Grid)
        grid.show(columns, rows, cells)
        grid.focus()

    def on_grid_selected(self, event: Grid.Selected) -> None:
        self.selected.append((event.row, event.column))


def lines(app: GridApp) -> list[str]:
    grid = app.query_one(Grid)
    return [grid.render_line(y).text for y in range(grid.size.height)]


async def test_only_the_rows_on_screen_are_made() -> None:
    app = GridApp(rows=100_000, columns=3)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        grid = app.query_one(Grid)
        assert grid.row_count == 100_000
        assert 1 <= len(set(app.made)) <= grid.size.height
        await pilot.press("end")
        await pilot.pause()
        assert grid.cursor_key == ("r99999", "c0")
        shown = lines(app)
        assert shown[0].startswith("Student") and "C0" in shown[0]
        assert shown[-1].startswith("Row 99999") and "99999.0" in shown[-1]
        assert len(set(app.made)) <= 3 * grid.size.height
        await pilot.press("home", "down", "down")
        assert grid.cursor_key == ("r2", "c0")


async def test_scrolling_right_keeps_the_labels_and_shows_the_cursor_column() -> None:
    app = GridApp(rows=5, columns=40)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        grid = app.query_one(Grid)
        await pilot.press(*["right"] * 30)
        await pilot.pause()
        assert grid.cursor_key == ("r0", "c30")
        shown = lines(app)
        assert shown[0].startswith("Student") and "C30" in shown[0] and "C0 " not in shown[0]
        assert shown[1].startswith("Row 0") and "0.30" in shown[1]
        await pilot.press(*["left"] * 30)
        await pilot.pause()
        assert "C0 " in lines(app)[0]


async def test_enter_and_a_click_select_a_cell() -> None:
    app = GridApp(rows=5, columns=4)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "right", "enter")
        await pilot.pause()
        assert app.selected == [("r1", "c1")]
        # row 3 is on line 4 (under the header); column 2 starts after the label (11
        # cells) and two columns of 8 cells
        await pilot.click(Grid, offset=(11 + 16 + 1, 4))
        await pilot.pause()
        assert app.selected[-1] == ("r3", "c2")


async def test_new_data_keeps_the_cursor_and_is_made_again() -> None:
    app = GridApp(rows=5, columns=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        grid = app.query_one(Grid)
        await pilot.press("down", "down")
        grid.show(grid.columns, grid.rows[:2], lambda key: ["new", "new"])
        await pilot.pause()
        assert grid.cursor_key == ("r1", "c0")  # clamped to the last row there is
        assert grid.row_texts(0) == ["Row 0", "new", "new"]


def test_a_pass_over_the_class_does_not_keep_the_records(
        small_class: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the files were written just now: let the cache trust them (see tests/test_cache.py)
    monkeypatch.setattr(loader, "RACY_NS", 0)
    ClassStore(small_class).load()  # builds the cache
    data = ClassStore(small_class).load().data  # students' files stay compact until asked
    assert isinstance(data.records, Records)
    cells = data.records.cells
    assert not any(cell.student.ready for cell in cells.values())
    passing = data.in_passing()
    assert passing.record("ben").student.requests == cells["ben"].student.peek().requests
    assert passing.record("ben").student.requests  # (ben has a pending request)
    assert not any(cell.student.ready for cell in cells.values())
    data.record("ben")
    assert cells["ben"].student.ready  # asking the class itself does keep it


def test_lazy_peek_makes_without_keeping() -> None:
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return 7

    lazy: Lazy[int] = Lazy(make=make)
    assert lazy.peek() == 7 and not lazy.ready
    assert lazy.get() == 7 and lazy.ready
    assert lazy.peek() == 7 and len(made) == 2


async def test_new_data_makes_again_only_the_rows_that_changed() -> None:
    app = GridApp(rows=8, columns=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        grid = app.query_one(Grid)
        first = set(app.made)
        assert first == {f"r{i}" for i in range(8)}
        app.made.clear()
        changed = {"r1": ["changed", "too"]}

        def cells(key: str) -> list[str]:
            app.made.append(key)
            return changed.get(key, ["same", "same"])

        grid.show(grid.columns, grid.rows, cells, keep=lambda key: key not in changed)
        await pilot.pause()
        assert app.made == ["r1"]
        assert lines(app)[2].split() == ["Row", "1", "changed", "too"]
        assert lines(app)[3].split() == ["Row", "2", "2.0", "2.1"]  # kept as it was


def test_a_refresh_keeps_the_indexes_only_while_they_hold(
        small_class: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a class works out once (who has which playlist) is carried over to the next
    class after a student's file changed, and worked out again after class.toml changed."""
    monkeypatch.setattr(loader, "RACY_NS", 0)
    store = ClassStore(small_class)
    first = store.load().data
    assert first.assignees("ratios") == ["ana", "ben", "cy"]
    path = small_class / "students/ana/student.toml"
    path.write_text(path.read_text() + '\n[seen]\nfeedback = 2026-11-20T10:00:00Z\n')
    second = store.refresh({"students/ana/student.toml"}).data
    assert second is not first and second.info is first.info
    assert second.assignees("ratios") == ["ana", "ben", "cy"]
    assert second.__dict__["_assignees"] is first.__dict__["_assignees"]  # not again
    assert [p.id for p in second.in_passing().assigned_playlists("cy")] == ["ratios"]
    klass = small_class / "class.toml"
    klass.write_text(klass.read_text().replace(
        'playlist = "ratios"\neveryone = true', 'playlist = "ratios"\ngroups = ["table-1"]'))
    third = store.refresh({"class.toml"}).data
    assert third.assignees("ratios") == ["ana", "ben"]
    assert third.assigned_playlists("cy") == []
