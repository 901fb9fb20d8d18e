"""Who are you? Shown when the app cannot tell from --student/--teacher or git.

``read_only``: the person's git email is not in the roster of a shared class (a clone with
a remote). They may look at a student's view, read-only, and never act as a teacher: the
list offers students only, and the app saves nothing (see ``PlaylistApp.read_only``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.model.klass import ClassData
from playlist_tui.store.identity import Person


class PickerScreen(Screen[Person]):
    def __init__(self, data: ClassData, reason: str, read_only: bool = False) -> None:
        super().__init__()
        self.data = data
        self.reason = reason
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="picker"):
            if self.read_only:
                ask = ("\nYou can look at a student's view, read-only (nothing is saved). "
                       "To work in this class, ask a teacher to add your git email to "
                       "class.toml, or set yours with git config user.email.")
            else:
                ask = "\nWho are you? Choose and press enter."
            yield Static(self.reason + ask, id="picker-why", markup=False)
            options: list[Option] = []
            if not self.read_only:
                for teacher in self.data.info.teachers:
                    options.append(Option(f"Teacher  {teacher.name}",
                                          id=f"teacher:{teacher.id}"))
            look = "Look at   " if self.read_only else "Student  "
            for student in self.data.info.students:
                options.append(Option(f"{look}{student.name}" + (
                    "  (read-only)" if self.read_only else ""), id=f"student:{student.id}"))
            yield OptionList(*options, id="people")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = self.data.info.name
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        role, _, person = (event.option.id or "").partition(":")
        if self.read_only and role != "student":
            return
        people = self.data.students if role == "student" else self.data.teachers
        found = people.get(person)
        if found is not None:
            self.dismiss(Person("student" if role == "student" else "teacher", person,
                                found.name))
