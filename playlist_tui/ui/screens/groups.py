"""Groups for small-group instruction: suggestions with their reason, and the class's
groups, made, renamed, edited and deleted by hand.

Each action is one operation of :mod:`playlist_tui.store.roster_ops` (a small edit of
class.toml: a new block, one changed line, or the group's block and its assignments).
A suggestion is saved only with a name the teacher writes (the reason is the
placeholder); the same students saved twice are refused, naming the group they are
already; a name never carries a count (counts go stale; they are shown beside it).
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.engine.grouping import Suggestion, students_words, suggest_groups
from playlist_tui.model.files import Group
from playlist_tui.model.ids import id_error
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line
from playlist_tui.store import roster_ops as r
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen

ID_LENGTH = 40


def group_id(name: str, taken: set[str]) -> str:
    """A group's id made from its name: whole words only (a long name is cut after its
    last whole word that fits, never mid-word), and when that id is taken a short suffix
    made from the whole name (stable: the same name always gets the same id)."""
    base = r.slug(name) or "group"
    if len(base) > ID_LENGTH:
        cut = base[:ID_LENGTH + 1].rfind("-")
        base = base[:cut] if cut > 0 else base[:ID_LENGTH]
    candidate = base
    if candidate in taken or id_error(candidate):
        candidate = f"{base}-{hashlib.sha1(name.encode()).hexdigest()[:4]}"
    n = 1
    while candidate in taken or id_error(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


class GroupsScreen(DataScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Save/edit", id="groups.save"),
        Binding("n", "make", "New", id="groups.new"),
        Binding("e", "edit", "Members", id="groups.edit"),
        Binding("r", "rename", "Rename", id="groups.rename"),
        Binding("x,delete", "delete", "Delete", id="groups.delete"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], playlist: str | None) -> None:
        super().__init__(data, problems)
        self.playlist = playlist

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="groups-body"):
            yield Static("Students whose next step is the same: enter saves one as a group "
                         "(you name it). Tab: the class's groups (n new, e edit members, "
                         "r rename, x delete).", id="groups-help", markup=False)
            yield OptionList(id="suggestions")
            yield Label("Groups of the class", id="groups-title", markup=False)
            yield OptionList(id="groups")
        yield Footer(compact=True)

    def suggestions(self) -> list[Suggestion]:
        return suggest_groups(self.data, playlist=self.playlist)

    def _names(self, members: tuple[str, ...]) -> str:
        return ", ".join(self.data.students[s].name if s in self.data.students else s
                         for s in members)

    def refresh_view(self) -> None:
        self.title = "Groups"
        self.sub_title = self.data.info.name
        options = self.query_one("#suggestions", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for n, suggestion in enumerate(self.suggestions()):
            prompt = (f"{safe_line(suggestion.reason)} · {suggestion.size}\n"
                      f"    {safe_line(self._names(suggestion.students))}")
            options.add_option(Option(Text(prompt), id=str(n)))
        if not options.option_count:
            options.add_option(Option("No two students share a next step right now.",
                                      disabled=True))
        else:
            options.highlighted = min(highlighted or 0, options.option_count - 1)
        groups = self.query_one("#groups", OptionList)
        highlighted = groups.highlighted
        groups.clear_options()
        for group in self.data.info.groups:
            prompt = (f"{safe_line(group.name)} ({safe_line(group.id)}) · "
                      f"{students_words(len(group.members))}\n"
                      f"    {safe_line(self._names(group.members)) or '(nobody yet)'}")
            groups.add_option(Option(Text(prompt), id=f"g:{group.id}"))
        if not groups.option_count:
            groups.add_option(Option("No groups yet: n makes one.", disabled=True))
        else:
            groups.highlighted = min(highlighted or 0, groups.option_count - 1)
        if self.focused not in (options, groups):
            options.focus()

    # ------------------------------------------------------------------ helpers
    def _students(self) -> list[tuple[str, str]]:
        return [(s.id, s.name) for s in self.data.info.students]

    def _group_names(self, but: str = "") -> set[str]:
        return {g.name for g in self.data.info.groups if g.id != but}

    def selected_group(self) -> str | None:
        groups = self.query_one("#groups", OptionList)
        if groups.highlighted is None or not self.data.info.groups:
            return None
        option = groups.get_option_at_index(groups.highlighted)
        ident = (option.id or "").removeprefix("g:")
        return ident if ident in self.data.groups else None

    def save(self, op: r.RosterOp, words: str) -> None:
        self.post_message(ApplyOperation(op, words))

    # ------------------------------------------------------------------ actions
    def action_save(self) -> None:
        """Save the highlighted suggestion as a group, with a name the teacher writes;
        on the groups list, enter edits the highlighted group instead."""
        from playlist_tui.ui.screens.modals import GroupDialog

        if self.focused is self.query_one("#groups", OptionList):
            self.action_edit()
            return
        options = self.query_one("#suggestions", OptionList)
        found = self.suggestions()
        if options.highlighted is None or options.highlighted >= len(found):
            return
        suggestion = found[options.highlighted]
        same = next((g for g in self.data.info.groups
                     if set(g.members) == set(suggestion.students)), None)
        if same is not None:
            self.notify(f"Not saved: these {suggestion.size} are already the group "
                        f"{same.name!r} ({same.id}). Tab to the groups to rename or edit it.",
                        severity="warning", timeout=6)
            return

        def done(result: tuple[str, tuple[str, ...]] | None) -> None:
            if result is None:
                return
            name, members = result
            ident = group_id(name, set(self.data.groups))
            self.save(r.MakeGroup(id=ident, name=name, members=members),
                      f"Saved group {name!r} ({students_words(len(members))})")

        self.app.push_screen(GroupDialog(
            f"Save as a group: {self._names(suggestion.students)}", "", self._students(),
            suggestion.students, self._group_names(), placeholder=suggestion.reason[:60],
            edit_members=False), done)

    def action_make(self) -> None:
        from playlist_tui.ui.screens.modals import GroupDialog

        def done(result: tuple[str, tuple[str, ...]] | None) -> None:
            if result is None:
                return
            name, members = result
            ident = group_id(name, set(self.data.groups))
            self.save(r.MakeGroup(id=ident, name=name, members=members),
                      f"Made group {name!r} ({students_words(len(members))})")

        self.app.push_screen(GroupDialog("New group", "", self._students(), (),
                                         self._group_names()), done)

    def _highlighted(self) -> Group | None:
        """The highlighted group, or None after saying there is none."""
        ident = self.selected_group()
        if ident is None:
            self.notify("No group is highlighted: n makes one.", severity="warning")
            return None
        return self.data.groups[ident]

    def action_edit(self) -> None:
        from playlist_tui.ui.screens.modals import GroupDialog

        group = self._highlighted()
        if group is None:
            return
        ident = group.id
        old = list(group.members)

        def done(result: tuple[str, tuple[str, ...]] | None) -> None:
            if result is None:
                return
            name, members = result
            self.save(r.EditGroup(group=ident, name=name,
                                  add=tuple(m for m in members if m not in old),
                                  remove=tuple(m for m in old if m not in members)),
                      f"Saved group {name!r} ({students_words(len(members))})")

        self.app.push_screen(GroupDialog(f"Edit group {group.name}", group.name,
                                         self._students(), group.members,
                                         self._group_names(but=ident)), done)

    def action_rename(self) -> None:
        from playlist_tui.ui.screens.modals import GroupDialog

        group = self._highlighted()
        if group is None:
            return
        ident = group.id

        def done(result: tuple[str, tuple[str, ...]] | None) -> None:
            if result is not None:
                self.save(r.EditGroup(group=ident, name=result[0]),
                          f"Renamed group {group.name!r} to {result[0]!r}")

        self.app.push_screen(GroupDialog(f"Rename group {group.name}", group.name,
                                         self._students(), group.members,
                                         self._group_names(but=ident), edit_members=False),
                             done)

    def action_delete(self) -> None:
        from playlist_tui.ui.screens.forms import ConfirmDialog

        group = self._highlighted()
        if group is None:
            return
        ident = group.id

        def done(yes: bool | None) -> None:
            if yes:
                self.save(r.DeleteGroup(group=ident), f"Deleted group {group.name!r}")

        self.app.push_screen(ConfirmDialog(
            f"Delete group {group.name}?",
            "Its students stay in the class; assignments to it are taken out (one only "
            "for it goes).", yes="Delete"), done)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "groups":
            self.action_edit()
        else:
            self.action_save()
