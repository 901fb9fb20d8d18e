"""The Textual app. For now: the class at a glance (playlists, students, problems).

All disk work happens in a worker through :class:`ClassStore`; widgets only show what they
are given.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from playlist_tui.engine.mastery import pending_requests
from playlist_tui.engine.progress import playlist_progress
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.store.loader import LoadResult
from playlist_tui.store.store import ClassStore


class ProblemsPanel(VerticalScroll):
    """Problems found in the class folder, as path:line:col: message."""

    def show(self, problems: list[Problem]) -> None:
        self.remove_children()
        self.border_title = f"Problems ({len(problems)})"
        self.set_class(not problems, "hidden")
        for p in problems:
            mark = "✗ error" if p.severity == "error" else "! warning"
            hint = f"\n    hint: {p.hint}" if p.hint else ""
            self.mount(Static(f"{mark}  {p.path}:{p.line}:{p.col}: {p.message}{hint}",
                              markup=False))


class PlaylistApp(App[None]):
    TITLE = "playlist-tui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("r", "reload", "Reload"),
        Binding("p", "toggle_problems", "Problems"),
    ]

    def __init__(self, folder: Path | str, role: str | None = None,
                 person: str | None = None) -> None:
        super().__init__()
        self.store = ClassStore(folder)
        self.result: LoadResult | None = None
        self.role = role
        self.person = person

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the class…", id="loading")
        with Horizontal(id="body"):
            playlists: DataTable[str] = DataTable(id="playlists", cursor_type="row",
                                                  classes="panel")
            playlists.border_title = "Playlists"
            yield playlists
            students: DataTable[str] = DataTable(id="students", cursor_type="row",
                                                 classes="panel")
            students.border_title = "Students"
            yield students
        yield ProblemsPanel(id="problems", classes="hidden")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#body").display = False
        self.sub_title = self.store.root.name
        self.load()

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        self.store.clean()
        result = self.store.load()
        self.call_from_thread(self.show, result)

    def show(self, result: LoadResult) -> None:
        self.result = result
        data = result.data
        self.title = data.info.name
        self.query_one("#loading").display = False
        self.query_one("#body").display = True
        self._fill_playlists(data)
        self._fill_students(data)
        self.query_one(ProblemsPanel).show(result.problems)
        self.query_one("#playlists", DataTable).focus()

    def _fill_playlists(self, data: ClassData) -> None:
        table: DataTable[str] = self.query_one("#playlists", DataTable)
        table.clear(columns=True)
        table.add_columns("Playlist", "Tiers", "Acts", "Done")
        for playlist in data.playlists.values():
            students = data.assignees(playlist.id)
            finished = sum(1 for s in students
                           if playlist_progress(data, playlist, s).complete)
            activities = sum(len(t.activities) for t in playlist.tiers)
            table.add_row(playlist.title, str(len(playlist.tiers)), str(activities),
                          f"{finished}/{len(students)}", key=playlist.id)

    def _fill_students(self, data: ClassData) -> None:
        table: DataTable[str] = self.query_one("#students", DataTable)
        table.clear(columns=True)
        table.add_columns("Student", "Progress", "Checks")
        for student in data.info.students:
            progress = [playlist_progress(data, p, student.id)
                        for p in data.assigned_playlists(student.id)]
            done = sum(p.done for p in progress)
            total = sum(p.total for p in progress)
            pending = len(pending_requests(data.record(student.id)))
            table.add_row(student.name, f"{done}/{total}",
                          f"{pending} waiting" if pending else "–", key=student.id)

    def action_reload(self) -> None:
        self.load()

    def action_toggle_problems(self) -> None:
        panel = self.query_one(ProblemsPanel)
        if self.result and self.result.problems:
            panel.toggle_class("hidden")
        else:
            self.notify("No problems in this class folder.")
