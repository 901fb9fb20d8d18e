"""What every screen of the app has in common."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.events import ScreenResume
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line, safe_text
from playlist_tui.ui.widgets import GitBar, ProblemsPanel

if TYPE_CHECKING:  # the models are imported after the first paint (see ui/app.py)
    from textual.notifications import SeverityLevel

    from playlist_tui.model.klass import ClassData


def safe_notify(widget: Widget, message: str, *, title: str = "",
                severity: SeverityLevel = "information", timeout: float | None = None,
                markup: bool = False) -> None:
    """A notification whose words may come from class files: never read as markup unless
    asked (``[/]`` in a title cannot break the app), control characters shown."""
    Widget.notify(widget, safe_text(message) if not markup else message,
                  title=safe_line(title), severity=severity, timeout=timeout, markup=markup)


class DataScreen(Screen[None]):
    """A screen that shows class data. The app calls ``update_data`` after every reload."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=True, id="screen.back"),
    ]
    home = False
    """A home screen is the bottom of the stack: it has no Back."""

    def __init__(self, data: ClassData, problems: list[Problem]) -> None:
        super().__init__()
        self.data = data
        self.problems = problems

    def validate_title(self, title: str | None) -> str | None:
        """A screen's title names class data: shown safe (see playlist_tui.ui.format)."""
        return None if title is None else safe_line(title)

    def validate_sub_title(self, sub_title: str | None) -> str | None:
        return None if sub_title is None else safe_line(sub_title)

    def notify(self, message: str, *, title: str = "",
               severity: SeverityLevel = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Notifications of screens show data: plain text by default (see safe_notify)."""
        safe_notify(self, message, title=title, severity=severity, timeout=timeout,
                    markup=markup)

    stale = False
    """Data came while the screen was hidden: it is shown when the screen is again."""

    def update_data(self, data: ClassData, problems: list[Problem], shown: bool = True
                    ) -> None:
        """New data; drawn now if the screen is ``shown``, else when it is shown again (a
        screen below the top of the stack is not redrawn on every change)."""
        self.data = data
        self.problems = problems
        if not shown:
            self.stale = True
        elif self.is_mounted:
            self.stale = False
            self.query_one(ProblemsPanel).show(problems)
            self.refresh_view()

    @on(ScreenResume)
    def _show_stale(self) -> None:
        if self.stale:
            self.update_data(self.data, self.problems)

    def refresh_view(self) -> None:
        """Show ``self.data``; called on mount, after every reload while the screen is on
        top, and when it is shown again after reloads."""

    async def on_mount(self) -> None:
        panel = ProblemsPanel()
        footer = self.query_one(Footer) if self.query(Footer) else None
        await self.mount(panel, before=footer)
        await self.mount(GitBar(), before=footer)
        panel.show(self.problems)
        self.show_git(getattr(self.app, "git_words", None))
        self.refresh_view()

    def show_git(self, words: str | None) -> None:
        for bar in self.query(GitBar):
            bar.show_status(words)

    def toggle_problems(self) -> None:
        self.query_one(ProblemsPanel).toggle()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "back" and self.home)

    def action_back(self) -> None:
        if not self.home:
            self.dismiss()
