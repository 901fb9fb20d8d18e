"""The home screens as they were kept from the last run, shown before the class is loaded.

A kept *opening* (:mod:`playlist_tui.session.opening`) is shown only while the class
folder is exactly as it was when it was kept, so it shows what the real screen will:
the teacher's dashboard (the grid's rows, the first rows' cells, the checks waiting) or a
student's home (playlists, what is next, checks waiting, feedback). Built from the same
parts, ids and styles as the real screens (ui/screens/dashboard.py, student_home.py),
with the same keys (ui/screens/homekeys.py), so that nothing moves when the real screen
takes its place a moment later.

It can be used at once: the cursor moves (over rows whose cells were not kept, the cells
are blank until the class is read), and a key that needs the class (open a student, the
queue, a filter) is remembered and done by the real screen as soon as it is there, from
where the cursor was left (:meth:`take_over`). This module imports no model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.model.safetext import safe_line, safe_text
from playlist_tui.ui.grid import Column, Grid
from playlist_tui.ui.messages import OpeningResumed
from playlist_tui.ui.screens import homekeys
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.widgets import GitBar, ProblemsPanel

LOADING = "The class is being read: this is done in a moment."
MOVED = "(said in words once the class is read)"
GIT_READING = "git: reading the status…"


class Opening(Screen[None]):
    """What the two openings share: the parts every data screen has, a remembered key."""

    home = True

    def __init__(self, picture: dict[str, Any]) -> None:
        super().__init__()
        self.action: str | None = None
        """The last key pressed that needs the class (an action of the real screen)."""
        self.done = False
        """The real screen has taken over (it is on top of this one)."""
        self.git_line = bool(picture.get("git_line"))

    async def on_mount(self) -> None:
        footer = self.query_one(Footer)
        await self.mount(ProblemsPanel(), before=footer)
        await self.mount(GitBar(), before=footer)
        words = getattr(self.app, "git_words", None)
        for bar in self.query(GitBar):
            bar.show_status(words or (GIT_READING if self.git_line else None))
        self.fill()

    def fill(self) -> None:
        """Show what was kept (the parts made in ``compose`` hold most of it)."""

    def on_screen_resume(self) -> None:
        if not self.done:
            self.post_message(OpeningResumed())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "back"  # (a home screen: no Back, as on the real one)

    def later(self, action: str) -> None:
        """Remember ``action`` for the real screen; say that it is coming."""
        self.action = action
        self.notify(LOADING, timeout=3)

    def cursor(self) -> tuple[int, int]:
        return (0, 0)


class OpeningDashboard(Opening):
    """The teacher's dashboard as kept (see ui/screens/dashboard.py)."""

    BINDINGS: ClassVar[list[BindingType]] = [*DataScreen.BINDINGS, *homekeys.DASHBOARD]

    def __init__(self, picture: dict[str, Any]) -> None:
        super().__init__(picture)
        # (texts, not markup; the grid shows control characters in them as escapes)
        self.columns = [Column(str(key), str(label), max(1, min(int(width), 200)))
                        for key, label, width in picture["columns"]]
        self.rows = [(str(key), str(label)) for key, label in picture["rows"]]
        self.kept = [[str(text) for text in row] for row in picture["cells"]]
        self.title = safe_line(picture["title"])
        self.sub_title = safe_line(picture["sub_title"])
        self.filters = safe_line(picture["filters"])
        self.words = safe_line(picture["cursor_words"])
        self.legend = safe_text(picture["legend"])

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="dashboard"):
            yield Static(self.filters, id="filters", markup=False)
            yield Grid("Student", id="grid")
            yield Static(self.words, id="cursor-words", markup=False)
            yield Static(self.legend, id="legend", markup=False, classes="under-words")
        yield Footer(compact=True)

    def fill(self) -> None:
        index = {key: n for n, (key, _) in enumerate(self.rows)}
        blank = [""] * len(self.columns)

        def cells(sid: str) -> Sequence[str]:
            n = index.get(sid, len(self.kept))
            return self.kept[n] if n < len(self.kept) else blank

        grid = self.query_one(Grid)
        grid.label_width = 18
        grid.show(self.columns, self.rows, cells, label="Student", cursor_type="cell")
        self.query_one("#cursor-words", Static).update(self.words, layout=False)

    def on_grid_moved(self, event: Grid.Moved) -> None:
        event.stop()
        grid = self.query_one(Grid)
        moved = (grid.cursor_row, grid.cursor_column) != (0, 0)
        self.query_one("#cursor-words", Static).update(
            MOVED if moved else self.words, layout=False)

    def on_grid_selected(self, event: Grid.Selected) -> None:
        event.stop()
        self.later("student")

    def cursor(self) -> tuple[int, int]:
        grid = self.query_one(Grid)
        return (grid.cursor_row, grid.cursor_column)


class OpeningHome(Opening):
    """A student's home as kept (see ui/screens/student_home.py)."""

    BINDINGS: ClassVar[list[BindingType]] = [*DataScreen.BINDINGS, *homekeys.HOME]

    def __init__(self, picture: dict[str, Any]) -> None:
        super().__init__(picture)
        self.title = safe_line(picture["title"])
        self.sub_title = safe_line(picture["sub_title"])
        broken = picture["broken"]
        self.broken = None if broken is None else safe_text(broken)
        self.options = [Option(Text(safe_line(prompt)), id=None if key is None else
                               safe_line(key), disabled=bool(disabled))
                        for key, prompt, disabled in picture["options"]]
        self.texts = {name: safe_text(picture[name]) for name in ("next", "waiting", "feedback")}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home"):
            broken = Static(Text(self.broken or ""), id="broken", classes="section",
                            markup=False)
            broken.display = self.broken is not None
            yield broken
            yield Static("My playlists", classes="section-title")
            yield OptionList(*self.options, id="playlists")
            for name in ("next", "waiting", "feedback"):
                yield Static(Text(self.texts[name]), id=name, classes="section", markup=False)
        yield Footer(compact=True)

    def cursor(self) -> tuple[int, int]:
        highlighted = self.query_one("#playlists", OptionList).highlighted
        return (highlighted or 0, 0)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.later("open_playlist")


def _remembered(action: str) -> Callable[[Opening], None]:
    def remember(self: Opening) -> None:
        self.later(action)

    remember.__name__ = f"action_{action}"
    return remember


# Every key of the real screen that needs the class is remembered on its opening (the
# bindings are declared once, in homekeys: a new one is remembered too).
for _screen, _bindings in ((OpeningDashboard, homekeys.DASHBOARD),
                           (OpeningHome, homekeys.HOME)):
    for _binding in _bindings:
        if isinstance(_binding, Binding):
            setattr(_screen, f"action_{_binding.action}", _remembered(_binding.action))


def opening_screen(picture: dict[str, Any]) -> Opening | None:
    """The opening screen for a kept picture; None if it is not one this code can show."""
    try:
        if picture.get("screen") == "dashboard":
            return OpeningDashboard(picture)
        if picture.get("screen") == "home":
            return OpeningHome(picture)
    except (KeyError, TypeError, ValueError):
        return None
    return None
