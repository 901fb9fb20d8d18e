"""Untrusted text made safe to show in a terminal, a log line or a one-line field.

Anything read from a class file or from git (names, goals, reflections, commit authors,
TOML keys, paths) may hold control characters: ``ESC`` sequences that recolour, hide or
rewrite what a teacher sees (CSI, OSC 8 links, OSC 52 clipboard writes), carriage
returns that overwrite a line, bidi overrides that reorder it, or newlines that forge a
line of output. :func:`safe_line` and :func:`safe_text` are the one place that decides how
such text is shown; every screen and command that prints data from files or git goes
through them.

Rules: C0 controls (but tab, and newline where a block is allowed), DEL, C1 controls
(U+0080-U+009F) and ESC are shown as visible escapes (``\\x1b``); bidi embedding,
override and isolate characters and other invisible format characters that can reorder
or hide text are shown as ``\\u202e``; in a single-line field a newline is shown as
``⏎`` and a tab as a space.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["NEWLINE_MARK", "has_unsafe", "json_text", "safe_line", "safe_text"]

NEWLINE_MARK = "⏎"

# C0 except \t \n, DEL, C1; bidi controls (LRE..RLO, LRI..PDI, LRM/RLM/ALM); line and
# paragraph separators; BOM/zero-width no-break space in the middle of text.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u2028\u2029\ufeff\ufff9-\ufffb]"
)
_UNSAFE_LINE = re.compile(_UNSAFE.pattern[:-1] + "\t\n]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch == "\n":
        return NEWLINE_MARK
    if ch == "\t":
        return " "
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_line(text: object) -> str:
    """One line of untrusted text, safe to print: no control character, no newline."""
    value = text if isinstance(text, str) else str(text)
    if not _UNSAFE_LINE.search(value):
        return value
    return _UNSAFE_LINE.sub(_escape, value.replace("\r\n", "\n"))


def safe_text(text: object) -> str:
    """A block of untrusted text (a reflection, feedback): newlines and tabs kept, every
    other control character shown as a visible escape."""
    value = text if isinstance(text, str) else str(text)
    if not _UNSAFE.search(value):
        return value
    return _UNSAFE.sub(_escape, value.replace("\r\n", "\n"))


# JSON escapes C0 controls itself; C1 controls (an 8-bit CSI) and bidi controls are kept
# by ensure_ascii=False: they are escaped too (the values are the same once parsed).
_JSON_UNSAFE = re.compile("[\x7f-\x9f" + _UNSAFE.pattern[len("[\x00-\x08\x0b-\x1f\x7f-\x9f"):])


def json_text(value: Any, indent: int | None = 2) -> str:
    """``json.dumps(value, ensure_ascii=False)`` safe to print: no control character
    (DEL, C1 and bidi controls as ``\\u`` escapes too)."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def has_unsafe(text: str, single_line: bool = True) -> bool:
    """True when :func:`safe_line` (or :func:`safe_text`) would change ``text``."""
    return bool((_UNSAFE_LINE if single_line else _UNSAFE).search(text))
