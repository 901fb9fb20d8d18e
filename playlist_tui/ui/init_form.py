"""The short form of ``playlist-tui init``: a small app of its own that asks for the
class's name, the teacher (prefilled from ``git config``) and any co-teachers, checks
them as the command does, and gives back the plan (nothing is written here)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from playlist_tui.ui.screens.forms import FormDialog, FormField
from playlist_tui.ui.theme import DEFAULT_THEME, HIGH_CONTRAST
from playlist_tui.ui.widgets import ControlFilter

if TYPE_CHECKING:
    from playlist_tui.store.newclass import Plan


def co_teachers_text(plan: Plan) -> str:
    return "\n".join(f"{t.name}: {t.email}" for t in plan.teachers[1:])


def plan_of(values: dict[str, Any], teacher_id: str | None = None) -> Plan:
    """The plan that the form's values describe (co-teachers: one 'Name: email' a line).
    ValueError, in words, for a co-teacher line that is not 'Name: email'."""
    from playlist_tui.store.newclass import Plan, Teacher, parse_co_teacher
    from playlist_tui.store.roster_ops import suggest_id

    plan = Plan(name=str(values.get("name", "")).strip())
    taken: set[str] = set()
    name = str(values.get("teacher_name", "")).strip()
    if name:
        tid = teacher_id or suggest_id(name, taken)
        plan.teachers.append(Teacher(tid, name, str(values.get("teacher_email", "")).strip()))
        taken.add(tid)
    for line in str(values.get("co_teachers", "")).splitlines():
        if not line.strip():
            continue
        co_name, co_email = parse_co_teacher(line.replace("<", ":").rstrip(">"))
        tid = suggest_id(co_name, taken)
        plan.teachers.append(Teacher(tid, co_name, co_email))
        taken.add(tid)
    return plan


def check(values: dict[str, Any]) -> dict[str, str]:
    """Errors by field name, as the command would refuse the plan."""
    from playlist_tui.store.roster_ops import email_error

    errors: dict[str, str] = {}
    if not str(values.get("name", "")).strip():
        errors["name"] = "the class needs a name"
    if not str(values.get("teacher_name", "")).strip():
        errors["teacher_name"] = "write your name as students see it"
    email = str(values.get("teacher_email", "")).strip()
    if email and (problem := email_error(email)):
        errors["teacher_email"] = problem
    try:
        plan = plan_of(values)
    except ValueError as exc:
        errors["co_teachers"] = str(exc).replace("--co-teacher ", "").replace(
            "NAME:EMAIL", "one 'Name: email' a line")
    else:
        for t in plan.teachers[1:]:
            if problem := email_error(t.email):
                errors.setdefault("co_teachers", problem)
    return errors


class InitFormApp(App["Plan | None"]):
    """Asks once, then exits with the plan (or None when cancelled)."""

    CSS_PATH = "app.tcss"
    TITLE = "playlist-tui init"

    def __init__(self, folder: Path, plan: Plan) -> None:
        super().__init__()
        self._filters.append(ControlFilter())
        self.folder = folder
        self.plan = plan

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        self.theme = DEFAULT_THEME
        first = self.plan.teachers[0] if self.plan.teachers else None
        fields = [
            FormField("name", "Class name", value=self.plan.name,
                      placeholder="Grade 6 Math (2026-27)"),
            FormField("teacher_name", "Your name", value=first.name if first else "",
                      placeholder="Ms. Lee", help="as students see it (from git config "
                      "user.name)"),
            FormField("teacher_email", "Your email", value=first.email if first else "",
                      placeholder="j.lee@school.org", help="the app recognises you by it "
                      "(from git config user.email)"),
            FormField("co_teachers", "Co-teachers", kind="multiline", lines=3,
                      value=co_teachers_text(self.plan),
                      help="optional: one a line, as 'Name: email'"),
        ]
        intro = (f"A new class in {self.folder}: class.toml, empty frameworks/ and "
                 "playlists/, a git repository with a first commit. Students are added "
                 "afterwards (playlist-tui roster add, or R in the app).")
        self.push_screen(FormDialog("Start a new class", fields, check=check, intro=intro),
                         self._done)

    def _done(self, values: dict[str, Any] | None) -> None:
        if values is None:
            self.exit(None)
            return
        teacher_id = self.plan.teachers[0].id if self.plan.teachers and \
            self.plan.teachers[0].name == str(values.get("teacher_name", "")).strip() \
            else None
        self.exit(plan_of(values, teacher_id))


def ask_plan(folder: Path, plan: Plan) -> Plan | None:
    """Run the form in the terminal; the plan, or None when cancelled."""
    return InitFormApp(folder, plan).run()
