"""What a :class:`~playlist_tui.session.session.ClassSession` publishes: one event per
change, handed to the listener the UI gave it (from a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from playlist_tui.store.loader import LoadResult

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class Changed:
    """The class as it is now, after a save, a change on disk, a sync or a reload."""

    result: LoadResult
    cause: Literal["save", "disk", "sync", "reload"]


@dataclass(frozen=True)
class Said:
    """Words for the person (a notification): plain text, never markup."""

    message: str
    title: str = ""
    severity: Severity = "information"
    timeout: float | None = None


@dataclass(frozen=True)
class GitWords:
    """The status line of git ('git main · no remote'), or None outside a repository."""

    words: str | None


@dataclass(frozen=True)
class Conflicts:
    """The values two people changed differently at once (ours was kept), not settled
    yet: all of them, each as :func:`playlist_tui.store.merge_shared.read_conflicts`
    gives it. ``fresh`` when a sync has just recorded new ones (the UI offers the choice
    at once); else the list changed otherwise (one was settled, or found at start)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    fresh: bool = True


Event = Changed | Said | GitWords | Conflicts
