"""A virtual grid: rows and columns of short texts, of which only the visible ones are made.

The teacher's dashboard shows every student against every competency: at school scale
5,000 rows by 1,000 columns. A table widget that holds every cell (Textual's DataTable)
needs minutes and gigabytes to fill at that size and a tenth of a second per keypress.
This widget is given the row and column labels and a function that makes one row's cells;
it calls that function only for rows that are drawn, keeps a bounded number of made rows,
and draws only the visible part of each line. The first column (the row's label) and the
header line stay in place while the rest scrolls.

It only displays what it is given and posts messages up: :class:`Grid.Moved` when the
cursor moves (so the screen can say in words what is under it) and :class:`Grid.Selected`
on enter or a click.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from playlist_tui.model.safetext import has_unsafe, safe_line


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int


class Grid(ScrollView, can_focus=True):
    """Rows x columns of short texts, made and drawn only where visible."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1, 0)", "Up", show=False,
                id="grid.up"),
        Binding("down", "move(1, 0)", "Down", show=False,
                id="grid.down"),
        Binding("left", "move(0, -1)", "Left", show=False,
                id="grid.left"),
        Binding("right", "move(0, 1)", "Right", show=False,
                id="grid.right"),
        Binding("pageup", "page(-1)", "Page up", show=False,
                id="grid.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False,
                id="grid.page-down"),
        Binding("home", "edge(-1)", "First row", show=False,
                id="grid.first-row"),
        Binding("end", "edge(1)", "Last row", show=False,
                id="grid.last-row"),
        Binding("enter", "select", "Open", show=False,
                id="grid.open"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"grid--header", "grid--cursor", "grid--label",
                                             "grid--cursor-row"}
    DEFAULT_CSS = """
    Grid {
        height: 1fr;
        background: $surface;
    }
    Grid > .grid--header {
        text-style: bold;
        background: $panel;
    }
    Grid > .grid--label {
        text-style: bold;
    }
    Grid > .grid--cursor {
        text-style: reverse bold;
    }
    Grid > .grid--cursor-row {
        text-style: bold underline;
    }
    """
    KEEP_ROWS = 4096
    """Made rows kept (a screenful is made again in a few milliseconds)."""

    cursor_type: reactive[str] = reactive("cell")

    class Moved(Message):
        """The cursor moved (or the grid was given new rows): ``row`` and ``column`` are
        the keys under it, None when the grid is empty."""

        def __init__(self, grid: Grid, row: str | None, column: str | None) -> None:
            super().__init__()
            self.grid = grid
            self.row = row
            self.column = column

        @property
        def control(self) -> Grid:
            return self.grid

    class Selected(Moved):
        """enter on a cell, or a click on it."""

    def __init__(self, label: str = "", label_width: int = 18, *, id: str | None = None
                 ) -> None:
        super().__init__(id=id)
        self.label = label
        self.label_width = label_width
        self.columns: list[Column] = []
        self.rows: list[tuple[str, str]] = []  # (key, label)
        self._make: Callable[[str], Sequence[str]] = lambda _key: ()
        self._made: OrderedDict[str, Sequence[str]] = OrderedDict()
        self._starts: list[int] = []  # where each column starts, after the label
        self.cursor_row = 0
        self.cursor_column = 0
        self._styles: dict[str, Style] = {}

    # ------------------------------------------------------------------ content
    def show(self, columns: Sequence[Column], rows: Sequence[tuple[str, str]],
             cells: Callable[[str], Sequence[str]], *, label: str | None = None,
             cursor_type: str = "cell", keep: Callable[[str], bool] | None = None) -> None:
        """Show these rows and columns; ``cells(row_key)`` makes one row's texts, one per
        column, when the row is first drawn. Rows already made for which ``keep(row_key)``
        is true are not made again (for new data where only a few rows changed). The
        cursor stays where it was if it can. Labels and texts are shown as plain text
        with control characters made visible (they come from class files)."""
        if any(has_unsafe(text) for _, text in rows):
            rows = [(key, safe_line(text)) for key, text in rows]
        if any(has_unsafe(c.label) for c in columns):
            columns = [Column(c.key, safe_line(c.label), c.width) for c in columns]
        if label is not None:
            label = safe_line(label)
        same = (cursor_type == self.cursor_type and label in (None, self.label)
                and columns == self.columns and rows == self.rows)
        self.columns = list(columns)
        self.rows = list(rows)
        self._make = cells
        dropped: list[str] = []
        if keep is None:
            self._made.clear()
        else:
            dropped = [k for k in self._made if not keep(k)]
            for key in dropped:
                del self._made[key]
        if same and keep is not None:  # the same grid with a few rows made again
            visible = {key: n for n, (key, _) in enumerate(self.rows[
                self.scroll_offset.y:self.scroll_offset.y + self.size.height])}
            for key in dropped:
                if key in visible:
                    self._refresh_row(self.scroll_offset.y + visible[key])
            self._moved()
            return
        if label is not None:
            self.label = label
        self.cursor_type = cursor_type
        self._starts = []
        x = 0
        for column in self.columns:
            self._starts.append(x)
            x += column.width + 1
        self.virtual_size = Size(self.label_width + 1 + x, len(self.rows) + 1)
        self.cursor_row = max(0, min(self.cursor_row, len(self.rows) - 1))
        self.cursor_column = max(0, min(self.cursor_column, len(self.columns) - 1))
        self._scroll_to_cursor()
        self.refresh()
        self._moved()

    def forget(self, rows: Sequence[str] | None = None) -> None:
        """Make these rows (or all) again the next time they are drawn."""
        if rows is None:
            self._made.clear()
        else:
            for key in rows:
                self._made.pop(key, None)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> Sequence[str]:
        """The texts of row ``index`` (made now if they were not)."""
        key = self.rows[index][0]
        made = self._made.get(key)
        if made is None:
            made = self._make(key)
            if any(has_unsafe(text) for text in made):
                made = [safe_line(text) for text in made]
            self._made[key] = made
            if len(self._made) > self.KEEP_ROWS:
                self._made.popitem(last=False)
        else:
            self._made.move_to_end(key)
        return made

    def row_texts(self, index: int) -> list[str]:
        """The row's label followed by its cells, as shown."""
        return [self.rows[index][1], *self.cells(index)]

    @property
    def cursor_key(self) -> tuple[str | None, str | None]:
        row = self.rows[self.cursor_row][0] if self.rows else None
        column = self.columns[self.cursor_column].key if self.columns else None
        return row, column

    # ------------------------------------------------------------------ drawing
    def _style(self, name: str) -> Style:
        """The widget's style plus a component's (kept until the styles change: asked for
        several times a line)."""
        found = self._styles.get(name)
        if found is None:
            base = self.rich_style
            found = self._styles[name] = base if name == "" else (
                base + self.get_component_rich_style(name, partial=True))
        return found

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        base = self._style("")
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            label = set_cell_size(self.label, self.label_width) + " "
            header = [c.label for c in self.columns]
            return self._line(label, header, self._style("grid--header"),
                              None, scroll_x, width)
        index = scroll_y + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, base)
        # The cursor is drawn whether the grid has focus or not.
        cursor_here = index == self.cursor_row
        label_style = self._style("grid--label")
        if cursor_here:
            label_style = label_style + self._style(
                "grid--cursor" if self.cursor_type == "row" else "grid--cursor-row")
        label = set_cell_size(self.rows[index][1], self.label_width) + " "
        texts = self.cells(index)
        cursor = None
        if cursor_here:
            cursor = -1 if self.cursor_type == "row" else self.cursor_column
        return self._line(label, texts, base, cursor, scroll_x, width, label_style)

    def _line(self, label: str, texts: Sequence[str], style: Style, cursor: int | None,
              scroll_x: int, width: int, label_style: Style | None = None) -> Strip:
        """One line: the label, then the columns in view (the first one maybe cut)."""
        room = max(0, width - self.label_width - 1)
        first = max(0, bisect.bisect_right(self._starts, scroll_x) - 1)
        start = self._starts[first] if self._starts else 0
        cursor_style = style + self._style("grid--cursor")
        body: list[Segment] = []
        length = 0
        end = scroll_x - start + room  # cells wanted from ``start``
        for i in range(first, len(self.columns)):
            if length >= end:
                break
            column = self.columns[i]
            cell = set_cell_size(texts[i] if i < len(texts) else "", column.width)
            if cursor == -1:
                body.append(Segment(cell + " ", cursor_style))
            else:
                body.append(Segment(cell, cursor_style if cursor == i else style))
                body.append(Segment(" ", style))
            length += column.width + 1
        visible = Strip(body, length).crop(scroll_x - start, scroll_x - start + room)
        head = Strip([Segment(label, label_style or style)], self.label_width + 1)
        line = Strip.join([head, visible])
        if line.cell_length < width:
            line = line.extend_cell_length(width, style)
        return line

    # ------------------------------------------------------------------ moving
    def _scroll_to_cursor(self) -> None:
        if not self.rows:
            return
        height = max(1, self.size.height - 1)  # below the header
        scroll_x, scroll_y = self.scroll_offset
        y = scroll_y
        if self.cursor_row < y:
            y = self.cursor_row
        elif self.cursor_row >= y + height:
            y = self.cursor_row - height + 1
        x = scroll_x
        if self.columns and self.cursor_type == "cell":
            room = max(1, self.size.width - self.label_width - 1)
            start = self._starts[self.cursor_column]
            stop = start + self.columns[self.cursor_column].width + 1
            if start < x:
                x = start
            elif stop > x + room:
                x = stop - room
        if (x, y) != (scroll_x, scroll_y):
            self.scroll_to(x=x, y=y, animate=False, immediate=True)

    def _moved(self) -> None:
        row, column = self.cursor_key
        self.post_message(self.Moved(self, row, column))

    def move_to(self, row: int, column: int | None = None) -> None:
        if not self.rows:
            return
        old = (self.cursor_row, self.cursor_column)
        self.cursor_row = max(0, min(row, len(self.rows) - 1))
        if column is not None and self.columns:
            self.cursor_column = max(0, min(column, len(self.columns) - 1))
        if (self.cursor_row, self.cursor_column) != old:
            before = self.scroll_offset
            self._scroll_to_cursor()
            if self.scroll_offset == before:  # redraw just the two rows
                self._refresh_row(old[0])
                self._refresh_row(self.cursor_row)
            else:
                self.refresh()
            self._moved()

    def _refresh_row(self, index: int) -> None:
        y = index - self.scroll_offset.y + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def action_move(self, rows: int, columns: int) -> None:
        if self.cursor_type == "row" and columns:
            self.scroll_to(x=self.scroll_x + 8 * columns, animate=False)
            return
        self.move_to(self.cursor_row + rows, self.cursor_column + columns)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_edge(self, direction: int) -> None:
        self.move_to(0 if direction < 0 else len(self.rows) - 1)

    def action_select(self) -> None:
        row, column = self.cursor_key
        if row is not None:
            self.post_message(self.Selected(self, row, column))

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        if event.y < 1 or not self.rows:
            return
        index = self.scroll_offset.y + event.y - 1
        if index >= len(self.rows):
            return
        column = self.cursor_column
        if event.x > self.label_width and self._starts:
            at = self.scroll_offset.x + event.x - self.label_width - 1
            column = max(0, bisect.bisect_right(self._starts, at) - 1)
        self.move_to(index, column)
        self.action_select()
