"""My competencies: the level of each, and its history with the teachers' feedback."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header, Static

from playlist_tui.engine.mastery import State, counted_decisions, statuses
from playlist_tui.engine.progress import playlist_competencies
from playlist_tui.model.files import Result
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.store import ops
from playlist_tui.ui.format import block, day, line, when
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen


def student_competencies(data: ClassData, student: str) -> list[str]:
    """Competencies of the student's playlists (checks first, then unlock rules and
    activities), in order."""
    out: dict[str, None] = {}
    for playlist in data.assigned_playlists(student):
        for competency in playlist_competencies(playlist):
            if competency in data.competencies:
                out.setdefault(competency)
    return list(out)


class CompetenciesScreen(DataScreen):
    def __init__(self, data: ClassData, problems: list[Problem], student: str) -> None:
        super().__init__(data, problems)
        self.student = student
        self._marked = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="competencies-body"):
            table: DataTable[Text] = DataTable(id="competencies", cursor_type="row")
            yield table
            with VerticalScroll(id="history-box"):
                yield Static("", id="history", markup=False)
        yield Footer(compact=True)

    def refresh_view(self) -> None:
        data = self.data
        self.title = "My competencies"
        person = data.students.get(self.student)
        self.sub_title = person.name if person else self.student
        table: DataTable[Text] = self.query_one("#competencies", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("", key="mark", width=2)
        table.add_column("Competency", key="id", width=14)
        table.add_column("Status", key="state", width=24)
        table.add_column("What it is", key="label")
        wanted = student_competencies(data, self.student)
        found = statuses(data, self.student, wanted)
        for competency in wanted:
            status = found[competency]
            table.add_row(Text(status.symbol), line(competency), line(status.describe()),
                          line(data.competencies[competency].label), key=competency)
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self.show_history()
        self.mark_seen()

    def mark_seen(self) -> None:
        """Opening this screen means the feedback has been read: remember it (one line)."""
        record = self.data.record(self.student)
        latest = max((d.at for d in counted_decisions(record).values()), default=None)
        seen = record.student.seen.feedback
        if self._marked or latest is None or (seen is not None and seen >= latest):
            return
        self._marked = True
        self.post_message(ApplyOperation(ops.MarkFeedbackSeen(self.student, at=latest)))

    def show_history(self) -> None:
        table: DataTable[Text] = self.query_one("#competencies", DataTable)
        box = self.query_one("#history", Static)
        if not table.row_count:
            box.update("No competencies yet: they come with your playlists.")
            return
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key
        competency = key.value or ""
        item = self.data.competencies.get(competency)
        status = statuses(self.data, self.student, [competency])[competency]
        scale = self.data.scale_for(competency)
        lines = [f"{competency}: {item.statement if item else ''}",
                 f"Now: {status.describe()}   Scale: "
                 + ", ".join(f"{n + 1} {name}" for n, name in enumerate(scale.levels))
                 + f" (mastered from {scale.mastered_at})"]
        if not status.history:
            lines.append("No checks yet." if status.state == State.NOT_STARTED else "")
        for event in status.history:
            if event.request is not None:
                note = f" — “{event.request.note}”" if event.request.note else ""
                lines.append(f"{when(event.at)}  You asked for a check{note}")
            if event.decision is not None:
                decision = event.decision
                teacher = self.data.teachers.get(decision.by)
                who = teacher.name if teacher else decision.by
                result = "Mastered" if decision.result == Result.MASTERED else "Not yet"
                level = f" at level {decision.level} ({scale.name_of(decision.level)})" \
                    if decision.level else ""
                lines.append(f"{day(decision.at)}  {who}: {result}{level}")
                if decision.feedback:
                    lines.append(f"    Feedback: {decision.feedback}")
                if decision.next_steps:
                    lines.append(f"    Next steps: {decision.next_steps}")
        box.update(block("\n".join(lines)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_history()
