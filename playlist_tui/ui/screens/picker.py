"""Who are you? Shown when the app cannot tell from --student/--teacher or git."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.model.klass import ClassData
from playlist_tui.store.identity import Person


class PickerScreen(Screen[Person]):
    def __init__(self, data: ClassData, reason: str) -> None:
        super().__init__()
        self.data = data
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="picker"):
            yield Static(self.reason + "\nWho are you? Choose and press enter.",
                         id="picker-why", markup=False)
            options: list[Option] = []
            for teacher in self.data.info.teachers:
                options.append(Option(f"Teacher  {teacher.name}", id=f"teacher:{teacher.id}"))
            for student in self.data.info.students:
                options.append(Option(f"Student  {student.name}", id=f"student:{student.id}"))
            yield OptionList(*options, id="people")
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.data.info.name
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        role, _, person = (event.option.id or "").partition(":")
        people = self.data.students if role == "student" else self.data.teachers
        found = people.get(person)
        if found is not None:
            self.dismiss(Person("student" if role == "student" else "teacher", person,
                                found.name))
