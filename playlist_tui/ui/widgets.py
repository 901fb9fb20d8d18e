"""Widgets shared by screens. They only show what they are given."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from playlist_tui.model.problems import Problem


class ProblemsPanel(VerticalScroll):
    """Problems of the class folder: one summary line, or every problem when expanded."""

    DEFAULT_CSS = """
    ProblemsPanel {
        dock: bottom;
        height: auto;
        max-height: 10;
        border-top: solid $error;
        padding: 0 1;
    }
    ProblemsPanel.hidden {
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="hidden")
        self.problems: list[Problem] = []
        self.expanded = False

    def show(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.set_class(not problems, "hidden")
        self._render_problems()

    def toggle(self) -> None:
        self.expanded = not self.expanded
        self._render_problems()

    def _render_problems(self) -> None:
        self.remove_children()
        problems = self.problems
        if not problems:
            return
        errors = sum(1 for p in problems if p.severity == "error")
        head = (f"! {len(problems)} problem{'s' if len(problems) != 1 else ''} in the class "
                f"folder ({errors} error{'s' if errors != 1 else ''}); the rest works. "
                + ("Press p to hide." if self.expanded else "Press p to see them."))
        self.mount(Static(head, markup=False, classes="problems-head"))
        if self.expanded:
            for p in problems:
                mark = "✗ error" if p.severity == "error" else "! warning"
                hint = f"\n    hint: {p.hint}" if p.hint else ""
                self.mount(Static(f"{mark}  {p.path}:{p.line}:{p.col}: {p.message}{hint}",
                                  markup=False))


class GitBar(Static):
    """One line: branch, changes not yet in git, ahead/behind, last sync (or why not)."""

    DEFAULT_CSS = """
    GitBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    GitBar.hidden {
        display: none;
    }
    """

    def __init__(self) -> None:
        super().__init__("", markup=False, classes="hidden")

    def show_status(self, words: str | None) -> None:
        self.set_class(not words, "hidden")
        self.update(words or "")
