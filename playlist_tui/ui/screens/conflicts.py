"""The choice between two values two teachers changed at once (issue 15 item 6).

After a sync whose merge of a shared file (``class.toml``, a framework, a playlist) found
the same value changed differently on both sides, ours was kept and the other recorded
(:mod:`playlist_tui.store.merge_shared`). This dialog lists each such conflict: the file,
the value's place, our value and who wrote it, theirs and who wrote it; the teacher keeps
ours (``o``) or takes theirs (``t``) for the highlighted one. Each choice is posted as
:class:`~playlist_tui.ui.messages.SettleConflict`; the app's session settles it with the
same function as ``playlist-tui conflicts --take`` and gives the dialog the list again.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from playlist_tui.engine.progress import counted
from playlist_tui.ui.format import line
from playlist_tui.ui.messages import SettleConflict
from playlist_tui.ui.screens.modals import Dialog

Record = dict[str, Any]

WHY = ("Two people changed these values differently at the same time. The sync kept "
       "yours; choose for each which one stays.")


def record_key(record: Record) -> str:
    """What names one conflict (the list may change while the dialog is open)."""
    return "\x1f".join(str(record.get(k, "")) for k in ("file", "where", "ours", "theirs",
                                                          "at"))


def describe(record: Record, settling: str | None = None) -> Text:
    """Three lines: the file and the value's place; ours and who; theirs and who. Every
    part comes from files or git (untrusted): each goes through :func:`line`."""
    def side(label: str, value: object, by: object) -> Text:
        who = Text.assemble(" (", line(by), ")") if by else Text("")
        return Text.assemble(f"  {label} ", line(value, "bold"), who)

    out = Text.assemble(line(record.get("file", "?")), " · ", line(record.get("where", "?")))
    if settling:
        out.append(f"  (settling: {settling}…)", style="italic")
    out.append("\n")
    out.append_text(side("yours: ", record.get("ours", ""), record.get("ours_by")))
    out.append("\n")
    out.append_text(side("theirs:", record.get("theirs", ""), record.get("theirs_by")))
    return out


class ConflictsDialog(Dialog[None]):
    """Shared-file conflicts: one entry each; ``o`` keeps yours, ``t`` takes theirs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "choose('ours')", "Keep yours", id="conflicts.keep-yours"),
        Binding("t", "choose('theirs')", "Take theirs", id="conflicts.take-theirs"),
        Binding("escape", "cancel", "Close", id="dialog.cancel"),
    ]

    def __init__(self, records: list[Record]) -> None:
        super().__init__()
        self.records = list(records)
        self.settling: dict[str, str] = {}
        """Conflicts chosen and not settled yet: key -> the side chosen."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="conflicts-dialog"):
            yield Label("Shared-file conflicts", classes="dialog-title")
            yield Static(WHY, id="conflicts-why", markup=False)
            yield OptionList(id="conflicts")
            yield Static("", id="conflicts-count", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Keep yours (o)", id="ours", variant="primary", compact=True)
                yield Button("Take theirs (t)", id="theirs", compact=True)
                yield Button("Close (esc)", id="cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.fill()
        self.query_one("#conflicts", OptionList).focus()

    def fill(self) -> None:
        options = self.query_one("#conflicts", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(describe(r, self.settling.get(record_key(r))))
                             for r in self.records])
        if self.records:
            options.highlighted = min(highlighted or 0, len(self.records) - 1)
        left = len(self.records)
        self.query_one("#conflicts-count", Static).update(
            f"{counted(left, 'conflict')} to settle. Sync (f5) afterwards to share your "
            "choices." if left else "Nothing left to settle.")

    def show_records(self, records: list[Record]) -> None:
        """The conflicts not settled yet, after one was settled (or a sync found more)."""
        keys = {record_key(r) for r in records}
        self.settling = {k: v for k, v in self.settling.items() if k in keys}
        self.records = list(records)
        self.fill()
        if not records:
            self.dismiss(None)

    def action_choose(self, side: str) -> None:
        index = self.query_one("#conflicts", OptionList).highlighted
        if index is None or not 0 <= index < len(self.records):
            self.notify("Choose a conflict first (up and down).", severity="warning")
            return
        record = self.records[index]
        key = record_key(record)
        if key in self.settling:
            return  # chosen already: its answer is on the way
        self.settling[key] = "theirs" if side == "theirs" else "yours"
        self.fill()
        self.post_message(SettleConflict(record, "theirs" if side == "theirs" else "ours"))

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("ours", "theirs"):
            self.action_choose(event.button.id)
        else:
            self.action_cancel()
