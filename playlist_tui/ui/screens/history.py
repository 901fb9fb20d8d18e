"""History: what happened, in words, from git; and a review of recent changes with the diff."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_text
from playlist_tui.store.gitrepo import GitError, GitRepo
from playlist_tui.store.workspace import Workspace
from playlist_tui.ui.screens.base import DataScreen


class HistoryScreen(DataScreen):
    """A plain-language timeline (``student`` set: only about that student)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "toggle_diff", "Review + diff", id="history.review"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], repo: GitRepo | Workspace,
                 student: str | None = None, review_range: str | None = None) -> None:
        super().__init__(data, problems)
        self.repo = repo
        self.student = student
        self.review_range = review_range
        self.show_diff = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="history-view"):
            yield Static("Reading the history…", id="timeline", markup=False)
        yield Footer()

    def refresh_view(self) -> None:
        person = self.data.students.get(self.student or "")
        self.title = "History" + (f" of {person.name}" if person else "")
        self.sub_title = self.data.info.name
        self.read()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_diff":
            return self.review_range is not None
        return super().check_action(action, parameters)

    @work(thread=True, exclusive=True, group="history")
    def read(self) -> None:
        try:
            if self.show_diff and self.review_range:
                review = self.repo.review(self._range(), data=self.data)
                if self.review_range == "auto":  # what the others' work brought in
                    review = review.without(self.repo.user_email())
                text = review.text() + "\n\n" + (review.diff or "(no diff)")
            else:
                events = self.repo.history(student=self.student, data=self.data, limit=300)
                text = "\n".join(e.line() for e in reversed(events)) or "Nothing yet."
        except GitError as exc:
            text = f"The history cannot be read: {exc}"
        # event lines are made safe by the history itself; the diff and errors are not
        self.app.call_from_thread(self.query_one("#timeline", Static).update, safe_text(text))

    def _range(self) -> str:
        """'auto': what the last sync brought in, else the last commits."""
        if self.review_range != "auto":
            return self.review_range or "HEAD"
        return self.repo.last_sync_range()

    def action_toggle_diff(self) -> None:
        self.show_diff = not self.show_diff
        self.read()
