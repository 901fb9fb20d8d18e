"""The student's home: playlists with progress, what's next, waiting checks, new feedback."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.engine.mastery import decision_competency, pending_requests
from playlist_tui.engine.progress import next_activities, playlist_progress
from playlist_tui.model.files import Result
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line
from playlist_tui.ui.format import bar, block, day, line, progress_words
from playlist_tui.ui.messages import OpenPlaylist
from playlist_tui.ui.screens.base import DataScreen


def new_feedback(data: ClassData, student: str) -> list[tuple[str, str]]:
    """Decisions newer than what the student has seen: (competency, words), newest first."""
    record = data.record(student)
    seen = record.student.seen.feedback
    out = []
    for decision in sorted(record.teacher.decisions.values(), key=lambda d: d.at, reverse=True):
        if seen is not None and decision.at <= seen:
            continue
        competency = decision_competency(record, decision) or "?"
        result = "mastered" if decision.result == Result.MASTERED else "not yet"
        teacher = data.teachers.get(decision.by)
        who = teacher.name if teacher else decision.by
        words = f"{competency}: {result} ({who}, {day(decision.at)})"
        if decision.feedback:
            words += f" — {decision.feedback}"
        out.append((competency, words))
    return out


class StudentHome(DataScreen):
    home = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_playlist", "Open playlist", show=True),
        Binding("c", "competencies", "My competencies"),
        Binding("g", "goals", "Goals"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], student: str) -> None:
        super().__init__(data, problems)
        self.student = student

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home"):
            yield Static("My playlists", classes="section-title")
            yield OptionList(id="playlists")
            yield Static("", id="next", classes="section", markup=False)
            yield Static("", id="waiting", classes="section", markup=False)
            yield Static("", id="feedback", classes="section", markup=False)
        yield Footer()

    def refresh_view(self) -> None:
        data, student = self.data, self.student
        person = data.students.get(student)
        self.title = person.name if person else student
        self.sub_title = data.info.name
        options = self.query_one("#playlists", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        next_lines: list[str] = []
        rows: list[Option] = []
        for playlist in data.assigned_playlists(student):
            progress = playlist_progress(data, playlist, student)
            rows.append(Option(line(
                f"{bar(progress.done, progress.total)} {progress_words(progress):<22} "
                f"{playlist.title}"), id=playlist.id))
            todo = next_activities(data, playlist, student, limit=1)
            if todo:
                tier, activity = todo[0]
                next_lines.append(
                    safe_line(f"  → {activity.title} ({playlist.title} · {tier.title})"))
        options.add_options(rows)  # (at once: one by one, each redid the list's lines)
        if options.option_count:
            options.highlighted = min(highlighted or 0, options.option_count - 1)
        else:
            options.add_option(Option("No playlists assigned yet.", disabled=True))
        waiting_work = "\n".join(next_lines) if next_lines else "  Nothing waiting: well done!"
        self.query_one("#next", Static).update(block("Next up\n" + waiting_work))
        waiting = pending_requests(data.record(student))
        lines = [f"  … {safe_line(r.competency)} (asked {day(r.at)})" for _, r in waiting]
        self.query_one("#waiting", Static).update(block(
            "Checks waiting for a teacher\n" + ("\n".join(lines) if lines else "  none")))
        fresh = new_feedback(data, student)
        self.query_one("#feedback", Static).update(block(
            f"New feedback ({len(fresh)})\n"
            + ("\n".join(f"  ★ {safe_line(w)}" for _, w in fresh[:5]) if fresh else "  nothing new")
            + ("\n  (press c to read it all)" if fresh else "")))

    def action_open_playlist(self) -> None:
        options = self.query_one("#playlists", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id:
            self.post_message(OpenPlaylist(option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(OpenPlaylist(event.option.id))

    def action_competencies(self) -> None:
        from playlist_tui.ui.screens.competencies import CompetenciesScreen

        self.app.push_screen(CompetenciesScreen(self.data, self.problems, self.student))

    def action_goals(self) -> None:
        from playlist_tui.ui.screens.goals import GoalsScreen

        self.app.push_screen(GoalsScreen(self.data, self.problems, self.student))
