"""Groups for small-group instruction: suggestions with their reason; save one as a group."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.engine.grouping import Suggestion, suggest_groups
from playlist_tui.model.ids import id_error
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line
from playlist_tui.store import ops
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen


def group_id(reason: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-")[:40].strip("-") or "group"
    candidate, n = base, 1
    while candidate in taken or id_error(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


class GroupsScreen(DataScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Save as group"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], playlist: str | None) -> None:
        super().__init__(data, problems)
        self.playlist = playlist

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="groups-body"):
            yield Static("Students whose next step is the same. Press enter to save a "
                         "suggestion as a group in the roster.", id="groups-help", markup=False)
            yield OptionList(id="suggestions")
        yield Footer()

    def suggestions(self) -> list[Suggestion]:
        return suggest_groups(self.data, playlist=self.playlist)

    def refresh_view(self) -> None:
        self.title = "Suggested groups"
        self.sub_title = self.data.info.name
        options = self.query_one("#suggestions", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for n, suggestion in enumerate(self.suggestions()):
            names = ", ".join(self.data.students[s].name if s in self.data.students else s
                              for s in suggestion.students)
            prompt = f"{safe_line(suggestion.reason)}\n    {safe_line(names)}"
            options.add_option(Option(Text(prompt), id=str(n)))
        if not options.option_count:
            options.add_option(Option("No two students share a next step right now.",
                                      disabled=True))
        else:
            options.highlighted = min(highlighted or 0, options.option_count - 1)
        options.focus()

    def action_save(self) -> None:
        options = self.query_one("#suggestions", OptionList)
        if options.highlighted is None:
            return
        found = self.suggestions()
        if not found or options.highlighted >= len(found):
            return
        suggestion = found[options.highlighted]
        gid = group_id(suggestion.reason, set(self.data.groups))
        self.post_message(ApplyOperation(
            ops.AddGroup(id=gid, name=suggestion.reason, members=suggestion.students),
            f"Saved group {gid!r} ({len(suggestion.students)} students)"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_save()
