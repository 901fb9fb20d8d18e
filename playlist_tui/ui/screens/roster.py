"""The roster, for teachers: students, teachers and groups, and the class's name.

Each action is one operation of :mod:`playlist_tui.store.roster_ops` (a small edit of
class.toml), posted to the app, which saves and commits it. Forms check what they can
before saving; the operation checks again against the file as it is on disk.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from playlist_tui.engine.progress import counted
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line
from playlist_tui.store import roster_ops as r
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.forms import ConfirmDialog, FormDialog, FormField, check_id


def _emails(text: str) -> tuple[str, ...]:
    return tuple(e for e in text.replace(",", " ").split() if e)


class RosterScreen(DataScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "add('student')", "Add student", id="roster.add-student"),
        Binding("t", "add('teacher')", "Add teacher", show=False, id="roster.add-teacher"),
        Binding("g", "add_group", "Make group", show=False, id="roster.make-group"),
        Binding("e,enter", "edit", "Edit", id="roster.edit"),
        Binding("delete,x", "remove", "Remove", id="roster.remove"),
        Binding("c", "rename_class", "Rename class", show=False,
                id="roster.rename-class"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], teacher: str) -> None:
        super().__init__(data, problems)
        self.teacher = teacher

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="roster-body"):
            yield Static("", id="roster-help", markup=False)
            yield DataTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(kind, id, name, emails or members, groups) in the order shown."""
        info = self.data.info
        groups_of: dict[str, list[str]] = {}
        for g in info.groups:
            for m in g.members:
                groups_of.setdefault(m, []).append(g.id)
        out: list[tuple[str, str, str, str, str]] = []
        for t in info.teachers:
            out.append(("teacher", t.id, t.name, ", ".join(t.emails), ""))
        for s in info.students:
            out.append(("student", s.id, s.name, ", ".join(s.emails),
                        ", ".join(groups_of.get(s.id, []))))
        for g in info.groups:
            out.append(("group", g.id, g.name, counted(len(g.members), "member"), ""))
        return out

    def refresh_view(self) -> None:
        self.title = "Roster"
        self.sub_title = self.data.info.name
        info = self.data.info
        self.query_one("#roster-help", Static).update(
            f"{counted(len(info.teachers), 'teacher')}, "
            f"{counted(len(info.students), 'student')}, "
            f"{counted(len(info.groups), 'group')}. s adds a student, t a teacher, g makes a "
            "group; e edits the highlighted row, x removes it, c renames the class.")
        table = self.query_one("#roster", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns("", "id", "name", "emails / members", "groups")
        for kind, ident, name, emails, groups in self.rows():
            table.add_row(kind, safe_line(ident), safe_line(name), safe_line(emails),
                          safe_line(groups), key=f"{kind}:{ident}")
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        table.focus()

    def selected(self) -> tuple[str, str] | None:
        table = self.query_one("#roster", DataTable)
        rows = self.rows()
        if not rows or not 0 <= table.cursor_row < len(rows):
            return None
        kind, ident, *_ = rows[table.cursor_row]
        return kind, ident

    def save(self, op: r.RosterOp, words: str) -> None:
        self.post_message(ApplyOperation(op, words))

    def _taken(self) -> set[str]:
        info = self.data.info
        return {p.id for p in (*info.students, *info.teachers)}

    # ------------------------------------------------------------------ people
    def action_add(self, role: str) -> None:
        taken = self._taken()

        def check(values: dict[str, Any]) -> dict[str, str]:
            errors: dict[str, str] = {}
            if not values["name"]:
                errors["name"] = f"the {role} needs a name"
            ident = values["id"] or r.suggest_id(values["name"])
            if (problem := check_id(ident, taken, "person")) is not None:
                errors["id"] = problem
            for email in _emails(values["emails"]):
                if (problem := r.email_error(email)) is not None:
                    errors["emails"] = problem
            if values["key"] and (problem := r.signing_key_error(values["key"])):
                errors["key"] = problem
            return errors

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            ident = values["id"] or r.suggest_id(values["name"])
            self.save(r.AddPerson(role="teacher" if role == "teacher" else "student",
                                  id=ident, name=values["name"],
                                  emails=_emails(values["emails"]), signing_key=values["key"]),
                      f"Added {role} {ident}")

        self.app.push_screen(FormDialog(f"Add a {role}", [
            FormField("name", "Name", placeholder="Ana Souza"),
            FormField("id", "Id", placeholder="(made from the name: ana-souza)",
                      help="letters, digits, - and _; never changes (their folder is named "
                           "after it)"),
            FormField("emails", "Emails", placeholder="ana@school.org",
                      help="separated by spaces; the app recognises people by their git "
                           "email"),
            FormField("key", "Signing key", placeholder="ssh-ed25519 AAAA... (optional)"),
        ], check=check), done)

    def _edit_person(self, role: str, ident: str) -> None:
        info = self.data.info
        people = info.students if role == "student" else info.teachers
        person = next((p for p in people if p.id == ident), None)
        if person is None:
            return

        def check(values: dict[str, Any]) -> dict[str, str]:
            errors: dict[str, str] = {}
            if not values["name"]:
                errors["name"] = "write a name"
            for email in _emails(values["emails"]):
                if (problem := r.email_error(email)) is not None:
                    errors["emails"] = problem
            if values["key"] and (problem := r.signing_key_error(values["key"])):
                errors["key"] = problem
            return errors

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            self.save(r.EditPerson(role="teacher" if role == "teacher" else "student",
                                   id=ident, name=values["name"],
                                   emails=_emails(values["emails"]),
                                   signing_key=values["key"]), f"Saved {ident}")

        self.app.push_screen(FormDialog(f"Edit {role} {ident}", [
            FormField("id", "Id", kind="fixed", value=ident),
            FormField("name", "Name", value=person.name),
            FormField("emails", "Emails", value=" ".join(person.emails)),
            FormField("key", "Signing key", value=person.signing_key or "",
                      help="empty: no signing key"),
        ], check=check), done)

    # ------------------------------------------------------------------ groups
    def _group_fields(self, name: str = "", ident: str = "", members: str = ""
                      ) -> list[FormField]:
        return [
            FormField("name", "Name", value=name, placeholder="Math support"),
            FormField("id", "Id", value=ident, placeholder="(made from the name)"),
            FormField("members", "Members", kind="multiline", lines=3, value=members,
                      help="student ids, separated by spaces"),
        ]

    def _group_check(self, current: str | None) -> Any:
        groups = {g.id for g in self.data.info.groups} - {current or ""}
        students = {s.id for s in self.data.info.students}

        def check(values: dict[str, Any]) -> dict[str, str]:
            errors: dict[str, str] = {}
            if not values["name"]:
                errors["name"] = "the group needs a name"
            ident = values["id"] or r.suggest_id(values["name"])
            if (problem := check_id(ident, groups, "group")) is not None:
                errors["id"] = problem
            unknown = [m for m in values["members"].split() if m not in students]
            if unknown:
                errors["members"] = f"there is no student with the id {unknown[0]!r}"
            return errors

        return check

    def action_add_group(self) -> None:
        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            ident = values["id"] or r.suggest_id(values["name"])
            self.save(r.MakeGroup(id=ident, name=values["name"],
                                  members=tuple(values["members"].split())),
                      f"Made group {ident}")

        self.app.push_screen(FormDialog("Make a group", self._group_fields(),
                                        check=self._group_check(None)), done)

    def _edit_group(self, ident: str) -> None:
        group = self.data.groups.get(ident)
        if group is None:
            return

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            wanted = values["members"].split()
            old = list(group.members)
            self.save(r.EditGroup(group=ident, name=values["name"],
                                  new_id=values["id"] or ident,
                                  add=tuple(m for m in wanted if m not in old),
                                  remove=tuple(m for m in old if m not in wanted)),
                      f"Saved group {values['id'] or ident}")

        self.app.push_screen(FormDialog(
            f"Edit group {ident}",
            self._group_fields(group.name, group.id, " ".join(group.members)),
            check=self._group_check(ident)), done)

    # ------------------------------------------------------------------ actions
    def action_edit(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        kind, ident = chosen
        if kind == "group":
            self._edit_group(ident)
        else:
            self._edit_person(kind, ident)

    def action_remove(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        kind, ident = chosen
        if kind == "group":
            op: r.RosterOp = r.DeleteGroup(group=ident)
            detail = ("Its students stay in the class; assignments to it are taken out "
                      "(one only for it goes).")
        else:
            op = r.RemovePerson(role="teacher" if kind == "teacher" else "student", id=ident)
            detail = ("They leave their groups and assignments. Their folder "
                      f"students/{ident}/ and its history are kept (delete it with "
                      "'playlist-tui roster remove student --delete-files').") \
                if kind == "student" else "Their decisions in students' files stay."

        def done(yes: bool | None) -> None:
            if yes:
                self.save(op, f"Removed {kind} {ident}")

        self.app.push_screen(ConfirmDialog(f"Remove {kind} {ident}?", detail), done)

    def action_rename_class(self) -> None:
        def done(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.save(r.RenameClass(name=values["name"]), "Renamed the class")

        self.app.push_screen(FormDialog("Rename the class", [
            FormField("name", "Name", value=self.data.info.name)],
            check=lambda v: {} if v["name"] else {"name": "the class needs a name"}), done)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()
