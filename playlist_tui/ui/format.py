"""Small text helpers for screens: bars, dates, symbols. Nothing is told by colour alone."""

from __future__ import annotations

from datetime import date, datetime

from rich.text import Text

from playlist_tui.engine.progress import PlaylistProgress, TierStatus

TICKED = "[x]"
OPEN = "[ ]"
LOCKED = "[-]"


def cell(text: str, width: int, *, bold: bool = False) -> Text:
    """A table cell shown as plain text (never markup), cut to ``width`` with an ellipsis."""
    if len(text) > width:
        text = text[: max(0, width - 1)] + "…"
    return Text(text, style="bold" if bold else "")


def bar(done: int, total: int, width: int = 10) -> str:
    if total <= 0:
        return "█" * width
    filled = round(width * min(done, total) / total)
    return "█" * filled + "░" * (width - filled)


def progress_words(progress: PlaylistProgress) -> str:
    if progress.complete:
        return f"{progress.done} of {progress.total} · complete ✓"
    return f"{progress.done} of {progress.total}"


def tier_line(status: TierStatus) -> str:
    from playlist_tui.engine.progress import rule_words

    state = {"locked": "locked", "open": "open", "complete": "complete ✓"}[status.state_word]
    count = f"{status.done} of {status.total} done"
    if isinstance(status.tier.complete, int) and status.unlocked and not status.complete:
        count = f"{status.done} of {status.tier.complete} chosen"
    return f"{status.tier.title} · {rule_words(status.tier)} · {count} · {state}"


def day(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    return f"{moment.day} {moment:%b %Y}"


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone()
    return f"{local.day} {local:%b} {local:%H:%M}"
