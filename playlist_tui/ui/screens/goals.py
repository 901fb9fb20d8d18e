"""Goals: the student's own, with optional target dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header, Static

from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.store import ops
from playlist_tui.ui.format import OPEN, TICKED, day, line
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen


class GoalsScreen(DataScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add goal", id="goals.add"),
        Binding("e", "edit", "Edit", id="goals.edit"),
        Binding("space", "toggle_done", "Done", id="goals.done"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], student: str) -> None:
        super().__init__(data, problems)
        self.student = student

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="goals", cursor_type="row")
        yield Static("", id="goals-hint", markup=False)
        yield Footer(compact=True)

    def refresh_view(self) -> None:
        self.title = "My goals"
        person = self.data.students.get(self.student)
        self.sub_title = person.name if person else self.student
        table: DataTable[Text] = self.query_one("#goals", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("", key="mark", width=3)
        table.add_column("Goal", key="text")
        table.add_column("Target", key="target", width=12)
        table.add_column("Done", key="done", width=12)
        goals = self.data.record(self.student).student.goals
        for gid, goal in goals.items():
            table.add_row(Text(TICKED if goal.done else OPEN), line(goal.text),
                          Text(day(goal.target)), Text(day(goal.done)), key=gid)
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self.query_one("#goals-hint", Static).update(
            "" if goals else "No goals yet. Press a to add one.")

    def current(self) -> str | None:
        table: DataTable[Text] = self.query_one("#goals", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value

    def action_add(self) -> None:
        from playlist_tui.ui.screens.modals import GoalDialog

        def save(result: tuple[str, date | None] | None) -> None:
            if result is not None:
                text, target = result
                self.post_message(ApplyOperation(
                    ops.AddGoal(self.student, text=text, target=target), "Goal added"))

        self.app.push_screen(GoalDialog(), save)

    def action_edit(self) -> None:
        from playlist_tui.ui.screens.modals import GoalDialog

        gid = self.current()
        goal = self.data.record(self.student).student.goals.get(gid or "")
        if gid is None or goal is None:
            self.notify("No goal to edit. Press a to add one.")
            return

        def save(result: tuple[str, date | None] | None) -> None:
            if result is not None:
                text, target = result
                self.post_message(ApplyOperation(ops.EditGoal(
                    self.student, goal=gid, text=text, target=target,
                    clear_target=target is None), "Goal saved"))

        self.app.push_screen(GoalDialog(goal.text, goal.target), save)

    def action_toggle_done(self) -> None:
        gid = self.current()
        goal = self.data.record(self.student).student.goals.get(gid or "")
        if gid is None or goal is None:
            return
        if goal.done:
            op = ops.EditGoal(self.student, goal=gid, reopen=True)
        else:
            op = ops.EditGoal(self.student, goal=gid,
                              done=datetime.now(UTC).replace(microsecond=0))
        self.post_message(ApplyOperation(op, "Goal reopened" if goal.done else "Goal done ✓"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit()
