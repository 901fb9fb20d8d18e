"""The student's home: playlists with progress, what's next, waiting checks, new feedback."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.engine.mastery import counted_decisions, decision_competency, pending_requests
from playlist_tui.engine.progress import counted, next_activities, playlist_progress
from playlist_tui.model.files import Result
from playlist_tui.model.klass import EMPTY_STUDENT_FILE, ClassData
from playlist_tui.model.problems import Problem, Severity
from playlist_tui.model.safetext import safe_line
from playlist_tui.ui.format import bar, block, day, line, progress_words
from playlist_tui.ui.messages import KeepOpening, OpenPlaylist
from playlist_tui.ui.screens import homekeys
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.widgets import set_options, set_text


def new_feedback(data: ClassData, student: str) -> list[tuple[str, str]]:
    """Decisions newer than what the student has seen: (competency, words), newest first."""
    record = data.record(student)
    seen = record.student.seen.feedback
    out = []
    kept = counted_decisions(record).values()  # not the corrected or withdrawn ones
    for decision in sorted(kept, key=lambda d: d.at, reverse=True):
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


def file_trouble(data: ClassData, problems: list[Problem], student: str
                 ) -> tuple[bool, str] | None:
    """What is wrong with the student's own file, in words for the student, or None.

    (True, words) when nothing of it could be read (not TOML, a conflict left by git...):
    the progress shown would be false, so the student's screens show none, and nothing
    is saved to the file until it is fixed (the store refuses, and so does the app). (False,
    words) when only a part was left out."""
    path = f"students/{student}/student.toml"
    errors = [p for p in problems if p.path == path and p.severity == Severity.ERROR]
    if not errors:
        return None
    first = errors[0]
    where = f"{first.path}:{first.line}:{first.col}"
    more = f" (and {counted(len(errors) - 1, 'more problem')})" if len(errors) > 1 else ""
    if data.record(student).student == EMPTY_STUDENT_FILE:
        return True, (
            f"! Your file {where} cannot be read: {first.message}{more}. So your progress "
            "cannot be shown. Nothing is lost: your ticks, notes and goals are still in "
            "the file, and the app saves nothing to it until it is fixed. Ask your "
            "teacher to fix it (p shows the problem).")
    return False, (
        f"! Part of your file could not be read: {where}: {first.message}{more}. What is "
        "shown here leaves that part out. Ask your teacher to fix it (p shows the problem).")


class StudentHome(DataScreen):
    home = True
    BINDINGS: ClassVar[list[BindingType]] = homekeys.HOME

    def __init__(self, data: ClassData, problems: list[Problem], student: str) -> None:
        super().__init__(data, problems)
        self.student = student
        self._shown_data: ClassData | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home"):
            yield Static("", id="broken", classes="section", markup=False)
            yield Static("My playlists", classes="section-title")
            yield OptionList(id="playlists")
            yield Static("", id="next", classes="section", markup=False)
            yield Static("", id="waiting", classes="section", markup=False)
            yield Static("", id="feedback", classes="section", markup=False)
        yield Footer(compact=True)

    def refresh_view(self) -> None:
        data, student = self.data, self.student
        person = data.students.get(student)
        self.title = person.name if person else student
        self.sub_title = data.info.name
        trouble = file_trouble(data, self.problems, student)
        broken = self.query_one("#broken", Static)
        broken.display = trouble is not None
        set_text(broken, block(trouble[1] if trouble else ""))
        unknown = trouble is not None and trouble[0]  # nothing of the file could be read
        next_lines: list[str] = []
        rows: list[Option] = []
        for playlist in data.assigned_playlists(student):
            if unknown:
                rows.append(Option(line(f"{'?' * 10} {'progress not known':<22} "
                                        f"{playlist.title}"), id=playlist.id))
                continue
            progress = playlist_progress(data, playlist, student)
            rows.append(Option(line(
                f"{bar(progress.done, progress.total)} {progress_words(progress):<22} "
                f"{playlist.title}"), id=playlist.id))
            todo = next_activities(data, playlist, student, limit=1)
            if todo:
                tier, activity = todo[0]
                required = " · required for you" if activity.id in next(
                    (t.added for t in progress.tiers if t.tier.id == tier.id), ()) else ""
                next_lines.append(safe_line(
                    f"  → {activity.title} ({playlist.title} · {tier.title}{required})"))
            elif not progress.complete:  # only added activities of a locked tier are left
                held = next(t for t in progress.tiers if t.missing)
                located = playlist.activity(held.missing[0])
                title = located[1].title if located else held.missing[0]
                next_lines.append(safe_line(
                    f"  → {title} ({playlist.title} · {held.tier.title}, locked for now · "
                    "required for you)"))
        # Only the rows whose words changed are replaced (a tick changes one row).
        set_options(self.query_one("#playlists", OptionList), rows,
                    Option("No playlists assigned yet.", disabled=True))
        waiting_work = "\n".join(next_lines) if next_lines else (
            "  Not known until your file is fixed." if unknown else "  Nothing waiting: well done!")
        set_text(self.query_one("#next", Static), block("Next up\n" + waiting_work))
        waiting = pending_requests(data.record(student))
        lines = [f"  … {safe_line(r.competency)} (asked {day(r.at)})" for _, r in waiting]
        set_text(self.query_one("#waiting", Static), block(
            "Checks waiting for a teacher\n" + ("\n".join(lines) if lines else "  none")))
        fresh = new_feedback(data, student)
        set_text(self.query_one("#feedback", Static), block(
            f"New feedback ({len(fresh)})\n"
            + ("\n".join(f"  ★ {safe_line(w)}" for _, w in fresh[:5]) if fresh else "  nothing new")
            + ("\n  (press c to read it all)" if fresh else "")))
        if self._shown_data is None:  # drawn the first time: the next run may open on this
            self.post_message(KeepOpening())
        self._shown_data = data

    def opening(self, data: ClassData) -> dict[str, object] | None:
        """What this screen shows of ``data`` (for the next run to show before the class
        is loaded, session/opening.py); None if it does not show that data drawn."""
        if self._shown_data is not data or not self.is_mounted:
            return None
        options = self.query_one("#playlists", OptionList).options
        broken = self.query_one("#broken", Static)

        def plain(static: Static) -> str:
            content = static.content
            return content.plain if isinstance(content, Text) else str(content)

        return {
            "screen": "home",
            "title": self.title or "",
            "sub_title": self.sub_title or "",
            "broken": plain(broken) if broken.display else None,
            "options": [[o.id, o.prompt.plain if isinstance(o.prompt, Text) else str(o.prompt),
                         o.disabled] for o in options],
            "next": plain(self.query_one("#next", Static)),
            "waiting": plain(self.query_one("#waiting", Static)),
            "feedback": plain(self.query_one("#feedback", Static)),
        }

    def take_over(self, cursor: tuple[int, int], action: str | None) -> None:
        """Go on from the opening shown before (ui/screens/opening.py): the same playlist
        highlighted, then the key pressed there that needed the class."""
        options = self.query_one("#playlists", OptionList)
        if options.option_count:
            options.highlighted = max(0, min(cursor[0], options.option_count - 1))
        if action is not None:
            self.call_later(self.run_action, action)

    def on_screen_resume(self) -> None:
        # Back from a playlist (or any screen): the keys move in the list again (Textual
        # gave focus to the scrolling page, where Down and Enter did nothing useful).
        self.query_one("#playlists", OptionList).focus()

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
