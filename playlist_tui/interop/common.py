"""Helpers shared by the importers: ids made from outside data, and reports."""

from __future__ import annotations

import copy
import re
import tomllib
import unicodedata
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playlist_tui.model import tomlparse
from playlist_tui.model.ids import id_error
from playlist_tui.store import tomltext
from playlist_tui.store.ops import Operation
from playlist_tui.store.tomlpos import Path as Loc
from playlist_tui.store.tomlpos import scan

MAX_ID = 64


class InputError(Exception):
    """The input cannot be used; the message says why and what to do. Nothing was written."""


class UsageError(InputError):
    """An option or argument is wrong (the command exits with 2, like other usage errors)."""


def safe_id(text: str, *, lower: bool = False) -> str:
    """``text`` made into a valid id (see :mod:`playlist_tui.model.ids`), or ``""``.

    Accents are dropped (``é`` -> ``e``), every run of other characters becomes ``-``,
    runs of dots become one dot, and the result starts and ends with a letter or digit.
    """
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    if lower:
        plain = plain.lower()
    out = re.sub(r"[^A-Za-z0-9._-]+", "-", plain)
    out = re.sub(r"\.{2,}", ".", out)
    out = re.sub(r"-{2,}", "-", out)
    out = _trim(out.strip("._-"), MAX_ID)
    return out if id_error(out) is None else ""


def _trim(value: str, length: int) -> str:
    return value[:length].rstrip("._-")


def numbered(base: str, n: int) -> str:
    """``base`` for n = 1, else ``base-n`` (shortened so that it stays a valid id)."""
    if n == 1:
        return base
    suffix = f"-{n}"
    return _trim(base, MAX_ID - len(suffix)) + suffix


def unique_id(base: str, taken: Container[str]) -> str:
    """``base``, or ``base-2``, ``base-3``, ... : the first that is not taken."""
    n = 1
    while numbered(base, n) in taken:
        n += 1
    return numbered(base, n)


def first_free(base: str, usable: Callable[[str], bool]) -> str:
    """The first of ``base``, ``base-2``, ... for which ``usable`` is true."""
    n = 1
    while not usable(numbered(base, n)):
        n += 1
    return numbered(base, n)


def one_line(text: str) -> str:
    """Text for a comment or a message: control characters and line breaks become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


REMOVE: Any = object()
"""A value for :func:`batch_edit`: remove the key."""


def batch_edit(text: str, sets: Sequence[tuple[Loc, Any]],
               appends: Sequence[tuple[Loc, Mapping[str, Any]]] = ()) -> str:
    """Many small edits at once: set (or ``REMOVE``) values, append ``[[array]]`` tables.

    The same line edits as :mod:`playlist_tui.store.tomltext` (a value replaced in place,
    a new key after the table's last line, a removed key's whole line, new tables after the
    array's last one), made in one pass over the text and verified once by parsing the
    result. Large files stay fast. When the file is laid out in a way this pass does not
    understand, or the result does not verify, the edits are made one by one with
    :mod:`tomltext` (which verifies each and falls back to tomlkit).
    """
    if not sets and not appends:
        return text
    fast = _splice(text, sets, appends)
    if fast is not None and _as_expected(text, fast, sets, appends):
        return fast
    for loc, value in sets:
        text = (tomltext.remove_value(text, loc) if value is REMOVE
                else tomltext.set_value(text, loc, value))
    for array, item in appends:
        text = tomltext.append_table(text, array, item)
    return text


def _splice(text: str, sets: Sequence[tuple[Loc, Any]],
            appends: Sequence[tuple[Loc, Mapping[str, Any]]]) -> str | None:
    positions = scan(text)
    splices: list[tuple[int, int, int, str]] = []  # start, order, end, new text
    for n, (loc, value) in enumerate(sets):
        entry = positions.entries.get(loc)
        key = loc[-1]
        if value is REMOVE:
            if entry is None:
                return None
            start = text.rfind("\n", 0, entry.key_start) + 1
            if text[start:entry.key_start].strip():
                return None
            splices.append((start, n, entry.line_end, ""))
        elif entry is not None:
            splices.append((entry.value_start, n, entry.value_end,
                            tomltext.format_value(value)))
        else:
            table = positions.tables.get(loc[:-1])
            if table is None or not isinstance(key, str) or not table.explicit:
                return None
            at = table.last_end
            lead = "" if at == 0 or text[at - 1] == "\n" else "\n"
            line = f"{tomltext.format_key(key)} = {tomltext.format_value(value)}\n"
            splices.append((at, n, at, lead + line))
    for n, (array, item) in enumerate(appends, start=len(sets)):
        ends = [t.last_end for p, t in positions.tables.items()
                if len(p) > len(array) and p[: len(array)] == array]
        if not ends:
            return None
        at = max(ends)
        lead = "" if text[at - 1] == "\n" else "\n"
        name = ".".join(tomltext.format_key(str(p)) for p in array)
        block = f"\n[[{name}]]\n" + "".join(
            f"{tomltext.format_key(k)} = {tomltext.format_value(v)}\n" for k, v in item.items())
        splices.append((at, n, at, lead + block))
    splices.sort(key=lambda s: (s[0], s[1]), reverse=True)
    last = len(text) + 1
    for start, _, end, new in splices:
        if end > last:
            return None  # overlapping edits: do them one by one
        text = text[:start] + new + text[end:]
        last = start
    return text


def _as_expected(before: str, after: str, sets: Sequence[tuple[Loc, Any]],
                 appends: Sequence[tuple[Loc, Mapping[str, Any]]]) -> bool:
    try:
        expected = tomlparse.loads(before)
        got = tomlparse.loads(after)
    except tomllib.TOMLDecodeError:
        return False
    for loc, value in sets:
        target: Any = expected
        for part in loc[:-1]:
            target = target[part]
        if value is REMOVE:
            target.pop(loc[-1], None)
        else:
            target[loc[-1]] = copy.deepcopy(value)
    for array, item in appends:
        target = expected
        for part in array[:-1]:
            target = target[part]
        target.setdefault(array[-1], []).append(copy.deepcopy(dict(item)))
    return bool(got == expected)


def preview(root: Path, op: Operation) -> str:
    """The text ``op`` would write (for ``--dry-run``); nothing is written."""
    try:
        text = (root / op.path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        text = op.new_file()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {op.path}: {exc}") from exc
    return op.edit(text)


@dataclass
class Report:
    """What an import did, in sentences for people. ``changed`` is False for a no-op."""

    done: list[str] = field(default_factory=list)
    """What was (or would be) written."""
    notes: list[str] = field(default_factory=list)
    """Things worth knowing that need no action (a default scale, a kept id)."""
    skipped: list[str] = field(default_factory=list)
    """Input that was left out, each with why: rows, associations, fields."""
    changed: bool = False

    def lines(self) -> list[str]:
        out = list(self.done)
        if self.notes:
            out.append("Notes:")
            out.extend(f"  - {one_line(n)}" for n in self.notes)
        if self.skipped:
            out.append(f"Not imported ({len(self.skipped)}):")
            out.extend(f"  - {one_line(s)}" for s in self.skipped)
        return out
