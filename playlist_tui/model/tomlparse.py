"""The one guarded way to parse TOML text that may come from anyone.

``tomllib`` recurses once per level of nested arrays and inline tables, so a 1 KB file
nested a few hundred levels deep raises ``RecursionError`` instead of a parse error.
:func:`loads` scans the text first (brackets outside strings and comments, a cheap pass)
and refuses anything nested deeper than :data:`MAX_DEPTH` with a :class:`TooDeep` error
that carries the line and column where the limit is crossed. ``TooDeep`` is a
``tomllib.TOMLDecodeError``, so every reader that handles bad TOML handles it too, and its
message has the same ``(at line L, column C)`` form tomllib uses. ``RecursionError`` is
caught as a last resort. Every reader of class files, git blobs and imports uses this.
"""

from __future__ import annotations

import tomllib
from typing import Any


#: The deepest nesting of arrays and inline tables accepted. Class files use at most 3.
MAX_DEPTH = 64

__all__ = ["MAX_DEPTH", "TOMLDecodeError", "TooDeep", "loads", "nesting_depth"]

TOMLDecodeError = tomllib.TOMLDecodeError


class TooDeep(tomllib.TOMLDecodeError):
    """Arrays or inline tables nested deeper than the limit."""

    def __init__(self, depth: int, line: int, col: int, limit: int = MAX_DEPTH) -> None:
        self.depth, self.line, self.col, self.limit = depth, line, col, limit
        super().__init__(
            f"arrays or inline tables nested more than {limit} deep (at line {line}, "
            f"column {col})")


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> tuple[int, int, int]:
    """The deepest nesting of ``[``/``{`` inside values, and where it is first passed.

    Gives ``(depth, line, col)``: when ``depth > limit`` the position is where the limit
    was first crossed (the scan stops there), otherwise the position of the deepest point.
    Brackets inside strings and comments are skipped; table headers (``[a]``, ``[[a]]``)
    at the start of a line outside any value are not counted. Tolerant of invalid TOML:
    it only needs to be an upper bound good enough to protect the parser.
    """
    depth = best = 0
    best_line = best_col = 1
    line, line_start = 1, 0
    i, n = 0, len(text)
    at_line_start = True  # only whitespace seen since the last newline (outside values)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line, line_start = line + 1, i + 1
            if depth == 0:
                at_line_start = True
            i += 1
            continue
        if ch in " \t\r":
            i += 1
            continue
        if ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if ch in "\"'":
            triple = text.startswith(ch * 3, i)
            if triple:
                j = i + 3
                while True:
                    k = text.find(ch * 3, j)
                    if k < 0:
                        j = n
                        break
                    if ch == '"' and _escaped(text, k):
                        j = k + 1
                        continue
                    j = k + 3
                    while j < n and text[j] == ch:  # up to two quotes may close it
                        j += 1
                    break
                line += text.count("\n", i, j)
                last = text.rfind("\n", i, j)
                if last >= 0:
                    line_start = last + 1
                i = j
            else:
                j = i + 1
                while j < n and text[j] != ch and text[j] != "\n":
                    if ch == '"' and text[j] == "\\":
                        j += 1
                    j += 1
                i = j + 1 if j < n and text[j] == ch else j
            at_line_start = False
            continue
        if ch in "[{":
            if ch == "[" and at_line_start and depth == 0:
                # a table header: skip to the end of the line
                j = text.find("\n", i)
                i = n if j < 0 else j
                continue
            depth += 1
            if depth > best:
                best, best_line, best_col = depth, line, i - line_start + 1
                if depth > limit:
                    return depth, best_line, best_col
        elif ch in "]}":
            depth = max(0, depth - 1)
        at_line_start = False
        i += 1
    return best, best_line, best_col


def _escaped(text: str, k: int) -> bool:
    backslashes = 0
    while k - backslashes - 1 >= 0 and text[k - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def loads(text: str, limit: int = MAX_DEPTH) -> dict[str, Any]:
    """``tomllib.loads`` that never recurses without bound: refuses nesting deeper than
    ``limit`` with :class:`TooDeep` (a ``TOMLDecodeError``)."""
    depth, line, col = nesting_depth(text, limit)
    if depth > limit:
        raise TooDeep(depth, line, col, limit)
    try:
        return tomllib.loads(text)
    except RecursionError:  # pragma: no cover - the scan above is an upper bound
        raise TooDeep(depth, line, col, limit) from None
