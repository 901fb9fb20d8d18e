"""The class at a glance: playlists, students, problems (the teacher's start screen)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header

from playlist_tui.engine.mastery import pending_requests
from playlist_tui.engine.progress import playlist_progress
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.ui.screens.base import DataScreen


class OverviewScreen(DataScreen):
    home = True

    def __init__(self, data: ClassData, problems: list[Problem], teacher: str | None) -> None:
        super().__init__(data, problems)
        self.teacher = teacher

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            playlists: DataTable[str] = DataTable(id="playlists", cursor_type="row",
                                                  classes="panel")
            playlists.border_title = "Playlists"
            yield playlists
            students: DataTable[str] = DataTable(id="students", cursor_type="row",
                                                 classes="panel")
            students.border_title = "Students"
            yield students
        yield Footer()

    def refresh_view(self) -> None:
        data = self.data
        self.title = data.info.name
        teacher = data.teachers.get(self.teacher or "")
        self.sub_title = teacher.name if teacher else ""
        self._fill_playlists(data)
        self._fill_students(data)

    def _fill_playlists(self, data: ClassData) -> None:
        table: DataTable[str] = self.query_one("#playlists", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns("Playlist", "Tiers", "Acts", "Done")
        for playlist in data.playlists.values():
            students = data.assignees(playlist.id)
            finished = sum(1 for s in students
                           if playlist_progress(data, playlist, s).complete)
            activities = sum(len(t.activities) for t in playlist.tiers)
            table.add_row(playlist.title, str(len(playlist.tiers)), str(activities),
                          f"{finished}/{len(students)}", key=playlist.id)
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))

    def _fill_students(self, data: ClassData) -> None:
        table: DataTable[str] = self.query_one("#students", DataTable)
        row = table.cursor_row
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
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
