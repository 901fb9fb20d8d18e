"""The mastery-check queue: pending requests, oldest first; decide in a few keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import Button, DataTable, Footer, Header, Label, Static

from playlist_tui.engine.mastery import pending_requests
from playlist_tui.model.files import Request, Result
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line
from playlist_tui.session.views import evidence_lines
from playlist_tui.store import ops
from playlist_tui.ui.format import block, day, line, when
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.forms import ConfirmDialog

Clock = Callable[[], datetime]


def waited(now: datetime, since: datetime) -> str:
    delta = now - since
    if delta < timedelta(hours=1):
        return f"{max(0, int(delta.total_seconds() // 60))} min"
    if delta < timedelta(days=1):
        return f"{int(delta.total_seconds() // 3600)} h"
    return f"{delta.days} d"


def queue_items(data: ClassData) -> list[tuple[str, str, Request]]:
    """(student, request id, request) for every pending request, oldest first."""
    items = [(sid, rid, request) for sid in data.records
             for rid, request in pending_requests(data.record(sid))]
    items.sort(key=lambda item: (item[2].at, item[0], item[1]))
    return items


class QueueScreen(DataScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "decide(True)", "Mastered", id="queue.mastered"),
        Binding("n", "decide(False)", "Not yet", id="queue.not-yet"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], teacher: str,
                 clock: Clock) -> None:
        super().__init__(data, problems)
        self.teacher = teacher
        self.clock = clock
        self.moved_to: str | None = None
        """The row the highlight jumped to by itself (the request under it was decided or
        went away, and the next one in line was not there): deciding it asks first."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="queue-body"):
            yield DataTable(id="queue", cursor_type="row")
            with VerticalScroll(id="work-box"):
                yield Static("", id="work", markup=False)
        yield Footer(compact=True)

    def refresh_view(self) -> None:
        items = queue_items(self.data)
        self.title = f"Mastery checks waiting ({len(items)})"
        self.sub_title = self.data.info.name
        table: DataTable[Text] = self.query_one("#queue", DataTable)
        row = table.cursor_row
        before = self.current_key()
        keys = [table.coordinate_to_cell_key(Coordinate(n, 0)).row_key.value or ""
                for n in range(table.row_count)]
        after_it = keys[row + 1] if before is not None and 0 <= row + 1 < len(keys) else None
        table.clear(columns=True)
        table.add_column("Waited", key="waited", width=7)
        table.add_column("Student", key="student", width=20)
        table.add_column("Competency", key="competency", width=14)
        table.add_column("Note", key="note")
        now = self.clock()
        for sid, rid, request in items:
            name = self.data.students[sid].name if sid in self.data.students else sid
            table.add_row(Text(waited(now, request.at)), line(name), line(request.competency),
                          line(request.note), key=f"{sid}/{rid}")
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        now_on = self.current_key()
        if before is not None and now_on not in (before, after_it):
            self.moved_to = now_on
        self.show_work()

    def current_key(self) -> str | None:
        table: DataTable[Text] = self.query_one("#queue", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value

    def current(self) -> tuple[str, str, Request] | None:
        key = self.current_key()
        if key is None:
            return None
        sid, _, rid = key.partition("/")
        request = self.data.record(sid).student.requests.get(rid)
        return (sid, rid, request) if request else None

    def show_work(self) -> None:
        box = self.query_one("#work", Static)
        found = self.current()
        if found is None:
            box.update("No requests are waiting. Well done!")
            return
        sid, _, request = found
        name = self.data.students[sid].name if sid in self.data.students else sid
        item = self.data.competencies.get(request.competency)
        moved = ["(The request you were on is gone: this is the one above it. m or n asks "
                 "before deciding it.)"] if self.moved_to == self.current_key() else []
        head = [*moved, f"{name} asks for a check on {request.competency}"
                + (f": {item.statement}" if item else ""),
                f"Asked {when(request.at)}" + (f": “{request.note}”" if request.note else "")]
        box.update(block("\n".join([safe_line(h) for h in head]
                                    + evidence_lines(self.data, sid, request.competency, day))))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.moved_to is not None and event.row_key.value != self.moved_to:
            self.moved_to = None  # the teacher moved: what is on screen is their choice
        self.show_work()

    def action_decide(self, mastered: bool) -> None:
        from playlist_tui.ui.screens.modals import DecisionDialog, DecisionInput

        found = self.current()
        if found is None:
            self.notify("No request is selected.")
            return
        sid, rid, request = found
        scale = self.data.scale_for(request.competency)
        name = self.data.students[sid].name if sid in self.data.students else sid
        key = f"{sid}/{rid}"

        def save(result: DecisionInput | None) -> None:
            if result is None:
                return
            self.post_message(ApplyOperation(ops.RecordDecision(
                student=sid, request=rid, result=Result.MASTERED if result.mastered
                else Result.NOT_YET, level=result.level, feedback=result.feedback,
                next_steps=result.next_steps, by=self.teacher, student_name=name,
                about=request.competency),
                f"Saved: {name} {'mastered' if result.mastered else 'not yet'} "
                f"{request.competency}"))

        def decide(go: bool | None = True) -> None:
            if not go:
                return
            self.moved_to = None
            self.app.push_screen(DecisionDialog(f"{name}, {request.competency}", mastered,
                                                scale.levels, scale.mastered_at), save)

        if self.moved_to == key:
            word = "mastered" if mastered else "not yet"
            self.app.push_screen(AskFirst(
                f"Decide {word} for {name} on {request.competency}?",
                "The request you were on is gone, so the highlight moved up to this one. "
                "Its evidence is below the list."), decide)
            return
        decide()


class AskFirst(ConfirmDialog):
    """Yes / not now, before deciding a request the teacher did not choose."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            yield Static(self.detail, markup=False, classes="form-intro")
            with Horizontal(classes="buttons"):
                yield Button("Yes, decide (y)", id="yes", variant="primary", compact=True)
                yield Button("Not now (n)", id="no", compact=True)
        yield Footer(compact=True)
