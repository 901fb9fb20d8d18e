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
from playlist_tui.model.files import Decision, Result
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.session.views import (
    adjustment_words,
    decision_history,
    decisions_to_correct,
    result_words,
)
from playlist_tui.store import ops
from playlist_tui.ui.format import bar, block, day, line, progress_words, tier_line
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.competencies import student_competencies
from playlist_tui.ui.widgets import PageText, set_text


class StudentDetailScreen(DataScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "adjust", "Adjust", id="student.adjust"),
        Binding("c", "correct", "Correct", id="student.correct"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], student: str,
                 teacher: str) -> None:
        super().__init__(data, problems)
        self.student = student
        self.teacher = teacher

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="student-detail"):
            yield PageText(id="detail")  # a tick draws its own lines only
        yield Footer(compact=True)

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
                lines.append("      adjusted: " + adjustment_words(playlist, adjustment))
        lines += ["", "Competencies"]
        wanted = student_competencies(data, sid)
        found = statuses(data, sid, wanted)
        every = decision_history(data, sid, day)
        for competency in wanted:
            current = found[competency]
            lines.append(f"  {current.symbol} {competency:<14} {current.describe()}")
            lines += [f"      {words}" for words in every.get(competency, [])]
        lines += ["", "Goals"]
        for goal in record.student.goals.values():
            mark = "[x]" if goal.done else "[ ]"
            target = f" (by {day(goal.target)})" if goal.target else ""
            lines.append(f"  {mark} {goal.text}{target}")
        if not record.student.goals:
            lines.append("  none yet")
        set_text(self.query_one("#detail", Static), block("\n".join(lines)))

    def action_correct(self) -> None:
        """Correct or withdraw a decision: a new entry that supersedes it (append-only)."""
        counted = decisions_to_correct(self.data, self.student)
        if not counted:
            self.notify("There is no decision about this student to correct.")
            return
        options = []
        for did, decision, competency in counted:
            options.append((did, f"{day(decision.at)}  {competency}: "
                                 f"{result_words(decision)} ({self._who(decision.by)})"))
        self.app.push_screen(PlaylistChoice(options, "Which decision?"), self._correct)

    def _who(self, teacher: str) -> str:
        person = self.data.teachers.get(teacher)
        return person.name if person else teacher

    def _correct(self, did: str | None) -> None:
        if did is None:
            return
        found = next((c for c in decisions_to_correct(self.data, self.student)
                      if c[0] == did), None)
        if found is None:  # corrected or withdrawn meanwhile (another teacher, a sync)
            self.notify("That decision was corrected or withdrawn meanwhile.")
            return
        _, decision, competency = found
        actions = [("mastered", "Change it to mastered"), ("not-yet", "Change it to not yet"),
                   ("withdraw", "Withdraw it (a request it answered waits again)")]
        self.app.push_screen(
            PlaylistChoice(actions, f"{competency}, {result_words(decision)} on "
                                    f"{day(decision.at)}: what instead?"),
            lambda action: self._correct_with(did, decision, competency, action))

    def _correct_with(self, did: str, decision: Decision, competency: str,
                      action: str | None) -> None:
        from playlist_tui.ui.screens.forms import ConfirmDialog
        from playlist_tui.ui.screens.modals import DecisionDialog, DecisionInput

        if action is None:
            return
        person = self.data.students.get(self.student)
        name = person.name if person else self.student
        common = {"student": self.student, "request": decision.request,
                  "competency": decision.competency, "by": self.teacher, "supersedes": did,
                  "student_name": name, "about": competency}
        if action == "withdraw":
            def withdraw(yes: bool | None) -> None:
                if yes:
                    self.post_message(ApplyOperation(
                        ops.RecordDecision(result=None, withdrawn=True, **common),  # type: ignore[arg-type]
                        f"Withdrawn: {name}, {competency}"))

            self.app.push_screen(ConfirmDialog(
                f"Withdraw the decision on {competency} for {name}?",
                "The decision stays in the history, marked withdrawn; a request it "
                "answered is back in the queue.", yes="Withdraw"), withdraw)
            return
        mastered = action == "mastered"
        scale = self.data.scale_for(competency)

        def save(result: DecisionInput | None) -> None:
            if result is None:
                return
            self.post_message(ApplyOperation(ops.RecordDecision(
                result=Result.MASTERED if result.mastered else Result.NOT_YET,
                level=result.level, feedback=result.feedback, next_steps=result.next_steps,
                **common),  # type: ignore[arg-type]
                f"Corrected: {name} {'mastered' if mastered else 'not yet'} {competency}"))

        self.app.push_screen(DecisionDialog(
            f"{name}, {competency} (correcting {day(decision.at)})", mastered, scale.levels,
            scale.mastered_at, decision.feedback, decision.next_steps, decision.level), save)

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
        optional = [(a.id, f"{t.title}: {a.title}") for t in playlist.tiers
                    if t.complete != "all" for a in t.activities]
        person = self.data.students.get(self.student)
        dialog = AdjustDialog(
            f"{playlist.title} for {person.name if person else self.student}",
            [(t.id, t.title) for t in playlist.tiers], activities,
            current.start if current else None, current.skip if current else (),
            current.add if current else (), current.note if current else "", optional)

        def save(result: tuple[str | None, tuple[str, ...], tuple[str, ...], str] | None
                 ) -> None:
            if result is None:
                return
            start, skip, add, note = result
            self.post_message(ApplyOperation(ops.SetAdjustment(
                student=self.student, playlist=playlist.id, start=start, skip=skip,
                add=add, note=note, by=self.teacher,
                student_name=person.name if person else "", playlist_title=playlist.title),
                "Adjustment saved"))

        self.app.push_screen(dialog, save)


class PlaylistChoice(ModalScreen[str | None]):
    """Pick one of a few options (a playlist for an adjustment, a decision to correct)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, options: list[tuple[str, str]], question: str = "Which playlist?"
                 ) -> None:
        super().__init__()
        self.options = options
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(line(self.question), classes="dialog-title")
            yield OptionList(*[Option(line(title), id=pid) for pid, title in self.options],
                             id="choice")
        yield Footer(compact=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
