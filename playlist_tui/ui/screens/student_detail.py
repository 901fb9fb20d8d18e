"""One student, for a teacher: playlists, competencies with history, goals."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from playlist_tui.engine.mastery import statuses
from playlist_tui.engine.progress import playlist_progress
from playlist_tui.model.files import Result
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.ui.format import bar, day, progress_words, tier_line
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.competencies import student_competencies


class StudentDetailScreen(DataScreen):
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
        self.query_one("#detail", Static).update("\n".join(lines))
