"""Small text helpers for screens: bars, dates, symbols. Nothing is told by colour alone.

Text from the class folder or git is untrusted (any student can write it): screens show it
through :func:`line` (one line) or :func:`block` (several lines), which give a
``rich.text.Text`` (never read as markup, so ``[/]`` in a title cannot break a screen)
with control characters shown as visible escapes (see
:mod:`playlist_tui.model.safetext`). :func:`cell` does the same for table cells, and
:func:`link_problem` says whether a link may be opened. Behind them,
:class:`playlist_tui.ui.widgets.ControlFilter` removes any control character left in what
the app draws.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rich.text import Text

from playlist_tui.model.safetext import safe_line, safe_text

if TYPE_CHECKING:
    from playlist_tui.engine.progress import PlaylistProgress, TierStatus

TICKED = "[x]"
OPEN = "[ ]"
LOCKED = "[-]"


def line(text: object, style: str = "") -> Text:
    """One line of untrusted text: plain text (never markup), controls and newlines shown
    as visible escapes (``\\x1b``, ``⏎``)."""
    return Text(safe_line(text), style=style)


def block(text: object, style: str = "") -> Text:
    """Lines of untrusted text: plain text, newlines kept, other controls shown."""
    return Text(safe_text(text), style=style)


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters: when it is longer, cut after the last
    whole word that fits, with an ellipsis ("Class discussion about…", never
    "Class discussio…"); a word longer than half the room is cut where it must be."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    room = text[: width - 1]
    space = room.rstrip().rfind(" ")
    if space >= (width - 1) // 2:
        room = room[:space]
    return room.rstrip(" ,;:·-") + "…"


def cell(text: str, width: int, *, bold: bool = False) -> Text:
    """A table cell shown as plain text (never markup), cut to ``width`` at a word
    boundary with an ellipsis."""
    return Text(shorten(safe_line(text), width), style="bold" if bold else "")


LINK_SCHEMES = ("http", "https", "mailto")
"""The only kinds of link the app hands to a browser."""


def link_problem(link: str) -> str | None:
    """Why a link from a class file must not be opened (None: it may be). Only
    ``http:``, ``https:`` and ``mailto:`` links open; ``file:``, ``javascript:``, other
    schemes and links with control characters or spaces are shown, never opened."""
    if safe_line(link) != link or any(ch.isspace() for ch in link):
        return "it holds spaces or control characters"
    try:
        scheme = urlsplit(link).scheme.lower()
    except ValueError:
        return "it is not a valid link"
    if not scheme:
        return "it does not say what it is (it should start with https://)"
    if scheme not in LINK_SCHEMES:
        return f"only http, https and mailto links are opened, not {scheme}:"
    if scheme != "mailto" and not urlsplit(link).netloc:
        return "it names no web site"
    return None


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
