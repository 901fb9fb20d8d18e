"""The teacher's home: the class at a glance.

Two views (``v`` switches): a grid of students by competencies (symbol and level, so
nothing depends on colour), and per-playlist progress with who is stuck. Filters by group
(``g``) and playlist (``f``). ``w`` opens the queue of mastery checks, ``enter`` one student.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header, Static

from playlist_tui.engine.mastery import State, statuses
from playlist_tui.engine.progress import playlist_progress
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.queue import Clock, queue_items

LEGEND = "✔ mastered  ✗ not yet  … pending  · not started  (number = level)"


def cell_text(state: State, level: int | None) -> str:
    symbol = {State.MASTERED: "✔", State.NOT_YET: "✗", State.PENDING: "…",
              State.NOT_STARTED: "·"}[state]
    return f"{symbol}{level}" if level and state in (State.MASTERED, State.NOT_YET) else symbol


class DashboardScreen(DataScreen):
    home = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "queue", "Checks waiting"),
        Binding("enter", "student", "Student", show=False),
        Binding("g", "next_group", "Group"),
        Binding("f", "next_playlist", "Playlist"),
        Binding("v", "switch_view", "View"),
        Binding("s", "groups", "Suggest groups"),
        Binding("a", "curriculum", "Curriculum"),
        Binding("n", "assign", "Assign playlist"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], teacher: str,
                 clock: Clock) -> None:
        super().__init__(data, problems)
        self.teacher = teacher
        self.clock = clock
        self.group: str | None = None
        self.playlist: str | None = None
        self.view = "grid"

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="dashboard"):
            yield Static("", id="filters", markup=False)
            yield DataTable(id="grid", cursor_type="cell")
            yield Static("", id="legend", markup=False)
        yield Footer()

    # ------------------------------------------------------------------ data
    def students(self) -> list[str]:
        data = self.data
        ids = [s.id for s in data.info.students]
        if self.group is not None and self.group in data.groups:
            members = set(data.groups[self.group].members)
            ids = [s for s in ids if s in members]
        if self.playlist is not None:
            assigned = set(data.assignees(self.playlist))
            ids = [s for s in ids if s in assigned]
        return ids

    def competencies(self) -> list[str]:
        data = self.data
        chosen = data.playlists.get(self.playlist or "")
        playlists = [chosen] if chosen is not None else list(data.playlists.values())
        out: list[str] = []
        for playlist in playlists:
            for competency in playlist.check.competencies:
                if competency in data.competencies and competency not in out:
                    out.append(competency)
        return out

    def refresh_view(self) -> None:
        data = self.data
        self.title = data.info.name
        teacher = data.teachers.get(self.teacher)
        waiting = len(queue_items(data))
        self.sub_title = (teacher.name if teacher else self.teacher) + \
            f" · {waiting} check{'s' if waiting != 1 else ''} waiting (w)"
        found_group = data.groups.get(self.group or "")
        group = found_group.name if found_group is not None else "everyone"
        chosen = data.playlists.get(self.playlist or "")
        playlist = chosen.title if chosen is not None else "all playlists"
        view = "competencies" if self.view == "grid" else "playlists"
        self.query_one("#filters", Static).update(
            f"Group: {group} (g) · Playlist: {playlist} (f) · View: {view} (v)")
        if self.view == "grid":
            self.fill_grid()
            self.query_one("#legend", Static).update(LEGEND)
        else:
            self.fill_playlists()

    def fill_grid(self) -> None:
        data = self.data
        table: DataTable[Text] = self.query_one("#grid", DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        table.cursor_type = "cell"
        competencies = self.competencies()
        table.add_column("Student", key="student", width=18)
        for competency in competencies:
            short = competency.rsplit(".", 2)
            label = ".".join(short[-2:]) if len(short) > 1 else competency
            table.add_column(label, key=competency, width=max(4, len(label)))
        for sid in self.students():
            found = statuses(data, sid, competencies)
            name = data.students[sid].name if sid in data.students else sid
            cells = [Text(cell_text(found[c].state, found[c].level)) for c in competencies]
            table.add_row(Text(name), *cells, key=sid)
        if table.row_count:
            table.cursor_coordinate = Coordinate(min(cursor.row, table.row_count - 1),
                                                 min(cursor.column, len(competencies)))

    def fill_playlists(self) -> None:
        data = self.data
        table: DataTable[Text] = self.query_one("#grid", DataTable)
        table.clear(columns=True)
        table.cursor_type = "row"
        for key, label, width in (("playlist", "Playlist", 28), ("assigned", "Assigned", 8),
                                  ("none", "Not started", 11), ("going", "Working", 7),
                                  ("done", "Complete", 8), ("avg", "Avg %", 5)):
            table.add_column(label, key=key, width=width)
        students = set(self.students())
        for playlist in data.playlists.values():
            if self.playlist is not None and playlist.id != self.playlist:
                continue
            assigned = [s for s in data.assignees(playlist.id) if s in students]
            progress = [playlist_progress(data, playlist, s) for s in assigned]
            complete = sum(1 for p in progress if p.complete)
            started = sum(1 for p in progress if p.started and not p.complete)
            average = round(sum(p.percent for p in progress) / len(progress)) if progress else 0
            table.add_row(Text(playlist.title), Text(str(len(assigned))),
                          Text(str(len(assigned) - complete - started)), Text(str(started)),
                          Text(str(complete)), Text(str(average)), key=playlist.id)
        self.query_one("#legend", Static).update(self.stuck_words())

    def stuck_words(self) -> str:
        from playlist_tui.engine.classstats import stuck

        students = set(self.students())
        reasons = [r for r in stuck(self.data, self.clock()) if r.student in students]
        if not reasons:
            return "Nobody looks stuck."
        lines = [f"! {r.words}" for r in reasons[:6]]
        if len(reasons) > 6:
            lines.append(f"… and {len(reasons) - 6} more")
        return "Who may be stuck:\n" + "\n".join(lines)

    # ------------------------------------------------------------------ actions
    def action_next_group(self) -> None:
        order: list[str | None] = [None, *self.data.groups]
        self.group = order[(order.index(self.group) + 1) % len(order)] \
            if self.group in order else None
        self.refresh_view()

    def action_next_playlist(self) -> None:
        order: list[str | None] = [None, *self.data.playlists]
        self.playlist = order[(order.index(self.playlist) + 1) % len(order)] \
            if self.playlist in order else None
        self.refresh_view()

    def action_switch_view(self) -> None:
        self.view = "playlists" if self.view == "grid" else "grid"
        self.refresh_view()

    def action_queue(self) -> None:
        from playlist_tui.ui.screens.queue import QueueScreen

        self.app.push_screen(QueueScreen(self.data, self.problems, self.teacher, self.clock))

    def selected_student(self) -> str | None:
        table: DataTable[Text] = self.query_one("#grid", DataTable)
        if self.view != "grid" or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return key

    def action_student(self) -> None:
        from playlist_tui.ui.screens.student_detail import StudentDetailScreen

        sid = self.selected_student()
        if sid is not None:
            self.app.push_screen(StudentDetailScreen(self.data, self.problems, sid,
                                                     self.teacher))

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        self.action_student()

    def action_groups(self) -> None:
        from playlist_tui.ui.screens.groups import GroupsScreen

        self.app.push_screen(GroupsScreen(self.data, self.problems, self.playlist))

    def action_assign(self) -> None:
        from playlist_tui.store import ops
        from playlist_tui.ui.messages import ApplyOperation
        from playlist_tui.ui.screens.modals import AssignDialog

        data = self.data
        if not data.playlists:
            self.notify("There is no playlist to assign yet: write one first (a).")
            return

        def save(result: tuple[str, str, str] | None) -> None:
            if result is None:
                return
            playlist, kind, who = result
            op = ops.Assign(playlist=playlist, everyone=kind == "everyone",
                            groups=(who,) if kind == "group" else (),
                            students=(who,) if kind == "student" else ())
            title = data.playlists[playlist].title if playlist in data.playlists else playlist
            self.post_message(ApplyOperation(op, f"Assigned {title}"))

        self.app.push_screen(AssignDialog(
            [(p.id, p.title) for p in data.playlists.values()],
            [(g.id, g.name) for g in data.info.groups],
            [(s.id, s.name) for s in data.info.students]), save)

    def action_curriculum(self) -> None:
        try:
            from playlist_tui.ui.screens.authoring import CurriculumScreen
        except ImportError:  # pragma: no cover - until authoring lands
            self.notify("Authoring is not available in this version.")
            return
        self.app.push_screen(CurriculumScreen(self.data, self.problems, self.teacher))
