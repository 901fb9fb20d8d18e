"""The searchable competency picker: type to filter, space to link or unlink, enter to
confirm. Chosen competencies are marked ``[x]`` (not by colour).

A space typed while filtering goes into the filter ("ratio lang") unless it can only
mean the highlighted competency: the filter is empty, only one competency is shown, or
the teacher has moved the highlight (up/down) since the filter last changed. So a space
never links or unlinks a competency that the next letters hide."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.model.files import Competency
from playlist_tui.model.klass import ClassData
from playlist_tui.model.safetext import safe_line

CHOSEN = "[x]"
NOT_CHOSEN = "[ ]"


def matches(competency: Competency, framework: str, terms: list[str]) -> bool:
    """Every term appears in the id, the name, the statement or the framework's title."""
    haystack = " ".join((competency.id, competency.name or "", competency.statement,
                         framework)).casefold()
    return all(term in haystack for term in terms)


class FilterInput(Input):
    """The filter field: every key types into it, except space (link/unlink)."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key != "space" and super().check_consume_key(key, character)


class CompetencyPicker(ModalScreen[tuple[str, ...] | None]):
    """Choose competencies of the class (several, or one with ``single=True``).

    The filter field keeps the focus: typing filters by id, name or statement, up and down
    move in the list, space links or unlinks the highlighted competency, enter confirms.
    A click on a competency links or unlinks it too.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_chosen", "Link/unlink", priority=True, id="picker.link"),
        Binding("enter", "confirm", "Done", priority=True, id="picker.done"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("up", "move(-1)", "Up", show=False, priority=True, id="picker.up"),
        Binding("down", "move(1)", "Down", show=False, priority=True, id="picker.down"),
        Binding("pageup", "move(-8)", "Page up", show=False, priority=True, id="picker.page-up"),
        Binding("pagedown", "move(8)", "Page down", show=False, priority=True,
                id="picker.page-down"),
    ]

    def __init__(self, data: ClassData, chosen: tuple[str, ...] = (), *,
                 title: str = "Competencies", exclude: tuple[str, ...] = (),
                 single: bool = False) -> None:
        super().__init__()
        self.data = data
        self.chosen: list[str] = list(chosen)
        self.picker_title = title
        self.exclude = set(exclude)
        self.single = single
        self.shown: list[str] = []
        self.picked = False  # the highlight was moved since the filter last changed

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            how = ("enter chooses" if self.single
                   else "space links or unlinks (while filtering, pick with ↑↓ first), "
                        "enter confirms")
            yield Label(f"{self.picker_title}: type to filter; {how}",
                        classes="dialog-title", markup=False)
            yield FilterInput(placeholder="Filter by id, name or statement", id="filter",
                              compact=True)
            options = OptionList(id="choices")
            options.can_focus = False
            yield options
            yield Static("", id="chosen", markup=False)
            with Horizontal(classes="buttons"):  # for the mouse: the keys are enter and esc
                yield Button("Done (enter)", id="done", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.can_focus = False
        self.fill()
        self.query_one("#filter", Input).focus()

    # ------------------------------------------------------------------ list
    def fill(self) -> None:
        terms = self.query_one("#filter", Input).value.casefold().split()
        options = self.query_one("#choices", OptionList)
        keep = options.highlighted_option.id if options.highlighted_option else None
        items: list[Option | None] = []
        self.shown = []
        for framework in self.data.frameworks.values():
            found = [c for c in framework.competencies if c.id not in self.exclude
                     and c.id in self.data.competencies
                     and self.data.competencies[c.id] is c
                     and matches(c, framework.title, terms)]
            if not found:
                continue
            if len(self.data.frameworks) > 1:
                items.append(Option(Text(f"── {safe_line(framework.title)}", style="bold"),
                                    disabled=True))
            for competency in found:
                items.append(Option(self._prompt(competency), id=competency.id))
                self.shown.append(competency.id)
        options.set_options(o for o in items if o is not None)
        if not self.shown:
            options.add_option(Option(Text("Nothing matches the filter."), disabled=True))
        elif keep in self.shown:
            options.highlighted = options.get_option_index(keep)
        else:
            options.highlighted = options.get_option_index(self.shown[0])
        self.show_chosen()

    def _prompt(self, competency: Competency) -> Text:
        if self.single:
            mark = "(•)" if competency.id in self.chosen else "( )"
        else:
            mark = CHOSEN if competency.id in self.chosen else NOT_CHOSEN
        text = Text(f"{mark} ")
        text.append(safe_line(competency.id), style="bold")
        if competency.name:
            text.append(f"  {safe_line(competency.name)}")
        text.append(f" · {safe_line(competency.statement)}", style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    def show_chosen(self) -> None:
        count = len(self.shown)
        total = sum(1 for c in self.data.competencies if c not in self.exclude)
        chosen = ", ".join(self.chosen) if self.chosen else "none"
        what = "Chosen" if self.single else f"{len(self.chosen)} linked"
        self.query_one("#chosen", Static).update(
            f"{what}: {chosen}  ·  showing {count} of {total}")

    def highlighted(self) -> str | None:
        option = self.query_one("#choices", OptionList).highlighted_option
        return option.id if option is not None and not option.disabled else None

    def toggle(self, competency: str) -> None:
        if self.single:
            self.chosen = [] if self.chosen == [competency] else [competency]
        elif competency in self.chosen:
            self.chosen.remove(competency)
        else:
            self.chosen.append(competency)
        options = self.query_one("#choices", OptionList)
        for cid in self.shown:
            found = self.data.competencies.get(cid)
            if found is not None:
                options.replace_option_prompt(cid, self._prompt(found))
        self.show_chosen()

    # ------------------------------------------------------------------ events
    def on_input_changed(self, event: Input.Changed) -> None:
        self.picked = False
        self.fill()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.toggle(event.option.id)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "done":
            self.action_confirm()
        else:
            self.action_cancel()

    # ------------------------------------------------------------------ actions
    def action_move(self, step: int) -> None:
        options = self.query_one("#choices", OptionList)
        if not self.shown:
            return
        current = self.highlighted()
        index = self.shown.index(current) if current in self.shown else 0
        target = self.shown[min(max(index + step, 0), len(self.shown) - 1)]
        options.highlighted = options.get_option_index(target)
        self.picked = True

    def action_toggle_chosen(self) -> None:
        field = self.query_one("#filter", Input)
        if field.value.strip() and len(self.shown) != 1 and not self.picked:
            field.insert_text_at_cursor(" ")  # a word break in the filter
            return
        current = self.highlighted()
        if current is not None:
            self.toggle(current)

    def action_confirm(self) -> None:
        if self.single:
            current = self.highlighted()
            if current is None:
                self.notify("Nothing matches: change the filter, or press escape.")
                return
            self.chosen = [current]
        self.dismiss(tuple(self.chosen))

    def action_cancel(self) -> None:
        self.dismiss(None)
