"""Messages that screens and widgets post up to the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from textual.message import Message

if TYPE_CHECKING:  # the store is imported after the first paint (see ui/app.py)
    from playlist_tui.store.ops import Operation


class ApplyOperation(Message):
    """Ask the app to save a change (it runs in a worker, through the store)."""

    def __init__(self, operation: Operation, done_message: str = "") -> None:
        super().__init__()
        self.operation = operation
        self.done_message = done_message


class OpenPlaylist(Message):
    def __init__(self, playlist: str) -> None:
        super().__init__()
        self.playlist = playlist


class RunOnUI(Message):
    """Run ``call`` on the app's thread (posted from the session's threads: post_message is
    thread-safe, and the call runs with the app active, so it may start timers and workers)."""

    def __init__(self, call: Callable[[], object]) -> None:
        super().__init__()
        self.call = call


@dataclass
class SettleConflict(Message):
    """Settle one shared-file conflict (a record of ``merge_shared.read_conflicts``):
    keep ``ours`` or take ``theirs``."""

    record: dict[str, Any]
    side: Literal["ours", "theirs"]


class KeepOpening(Message):
    """The home screen shows the whole class counted: keep it for the next run's start
    (session/opening.py)."""


class OpeningResumed(Message):
    """The opening is on top again (after help or the palette): the real screen may take
    its place now."""
