"""The keys of the screen underneath, and of the whole app."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        lines = ["Keys", ""]
        # One line per action: a binding of several keys ("question_mark,f1") is one
        # binding per key here, and both may show the same key ("?"): listed once.
        keys: dict[tuple[str, str], list[str]] = {}
        for active in self.under.active_bindings.values():
            binding = active.binding
            if not binding.description:
                continue
            shown = keys.setdefault((binding.action, binding.description), [])
            display = self.app.get_key_display(binding)
            if display not in shown:
                shown.append(display)
        for (_, description), displays in keys.items():
            lines.append(f"  {' '.join(displays):<10} {description}")
        lines += ["", "  ctrl+p     Command palette: every key above, and more",
                  "  mouse      click a row to choose it; click again to act on it",
                  "", "Everything you do is saved at once in your own file.",
                  "Press escape to close."]
        with VerticalScroll(classes="dialog"):
            yield Static("\n".join(lines), markup=False)
        yield Footer(compact=True)

    async def action_dismiss(self, result: object = None) -> None:
        self.dismiss(None)
