"""One student, for a teacher: playlists, competencies with history, goals."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.engine.mastery import statuses
from playlist_tui.engine.progress import playlist_progress
from playlist_tui.model.files import Result
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.store import ops
from playlist_tui.ui.format import bar, block, day, line, progress_words, tier_line
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.competencies import student_competencies


class StudentDetailScreen(DataScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "adjust", "Adjust a playlist"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], student: str,
                 teacher: str) -> None:
        super().__init__(data, problems)
        self.student = student
        self.teacher = teacher

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="student-detail"):
            yield Static("", id="detail", markup=False)
        yield Footer()

    def refresh_view(self) -> None:
        data, sid = self.data, self.student
        person = data.students.get(sid)
        self.title = person.name if person else sid
        self.sub_title = ", ".join(g.name for g in data.info.groups if sid in g.members)
        record = data.record(sid)
        lines = ["Playlists"]
        for playlist in data.assigned_playlists(sid):
            progress = playlist_progress(data, playlist, sid)
            lines.append(f"  {bar(progress.done, progress.total)} {progress_words(progress)}"
                         f"  {playlist.title}")
            for status in progress.tiers:
                if status.unlocked and not status.complete:
                    lines.append(f"      now: {tier_line(status)}")
            adjustment = record.teacher.adjustments.get(playlist.id)
            if adjustment is not None:
                parts = []
                if adjustment.start:
                    parts.append(f"starts at {adjustment.start}")
                if adjustment.skip:
                    parts.append("skips " + ", ".join(adjustment.skip))
                if adjustment.add:
                    parts.append("adds " + ", ".join(adjustment.add))
                if adjustment.note:
                    parts.append(f"note: {adjustment.note}")
                lines.append("      adjusted: " + "; ".join(parts))
        lines += ["", "Competencies"]
        wanted = student_competencies(data, sid)
        found = statuses(data, sid, wanted)
        for competency in wanted:
            current = found[competency]
            lines.append(f"  {current.symbol} {competency:<14} {current.describe()}")
            for event in current.history:
                decision = event.decision
                if decision is None:
                    continue
                result = "mastered" if decision.result == Result.MASTERED else "not yet"
                lines.append(f"      {day(decision.at)} {result}: {decision.feedback}")
        lines += ["", "Goals"]
        for goal in record.student.goals.values():
            mark = "[x]" if goal.done else "[ ]"
            target = f" (by {day(goal.target)})" if goal.target else ""
            lines.append(f"  {mark} {goal.text}{target}")
        if not record.student.goals:
            lines.append("  none yet")
        self.query_one("#detail", Static).update(block("\n".join(lines)))

    def action_adjust(self) -> None:
        playlists = self.data.assigned_playlists(self.student)
        if not playlists:
            self.notify("No playlist is assigned to this student.")
            return
        options = [(p.id, p.title) for p in playlists]
        self.app.push_screen(PlaylistChoice(options), self._adjust_playlist)

    def _adjust_playlist(self, playlist_id: str | None) -> None:
        from playlist_tui.ui.screens.modals import AdjustDialog

        playlist = self.data.playlists.get(playlist_id or "")
        if playlist is None:
            return
        current = self.data.record(self.student).teacher.adjustments.get(playlist.id)
        activities = [(a.id, f"{t.title}: {a.title}") for t in playlist.tiers
                      for a in t.activities]
        person = self.data.students.get(self.student)
        dialog = AdjustDialog(
            f"{playlist.title} for {person.name if person else self.student}",
            [(t.id, t.title) for t in playlist.tiers], activities,
            current.start if current else None, current.skip if current else (),
            current.add if current else (), current.note if current else "")

        def save(result: tuple[str | None, tuple[str, ...], tuple[str, ...], str] | None
                 ) -> None:
            if result is None:
                return
            start, skip, add, note = result
            self.post_message(ApplyOperation(ops.SetAdjustment(
                student=self.student, playlist=playlist.id, start=start, skip=skip,
                add=add, note=note, by=self.teacher), "Adjustment saved"))

        self.app.push_screen(dialog, save)


class PlaylistChoice(ModalScreen[str | None]):
    """Pick one playlist (for an adjustment)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Which playlist?", classes="dialog-title")
            yield OptionList(*[Option(line(title), id=pid) for pid, title in self.options],
                             id="choice")
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
