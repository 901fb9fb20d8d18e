"""Small, verified text edits of TOML files that keep comments and layout.

Each edit finds its place with :mod:`playlist_tui.store.tomlpos`, changes as few lines as
possible, then re-parses the result and checks that the data changed exactly as intended
(and nothing else did). If a hand-written file is laid out in a way the line edit does
not understand, the edit falls back to tomlkit; if that cannot be verified either, it
raises :class:`EditError` and the file is left alone.

:func:`set_entry_parsed` and :func:`remove_entry_parsed` are for a caller that has parsed
the text already (a tick in a file of hundreds of ticks): they take a fast path when every
line of the file is complete on its own: one line is added, replaced or removed and only
that line is parsed to check it (see :func:`_fast_entry`); otherwise the path above.

Values are formatted deterministically: the same value always gives the same text.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import tomlkit

from playlist_tui.model import tomlparse
from playlist_tui.store.tomlpos import Path, scan

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class EditError(Exception):
    """An edit could not be applied safely; the file was not changed."""


# --------------------------------------------------------------------------- formatting


def format_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else format_value(key)


def format_value(value: Any) -> str:
    """One TOML value on one line, always written the same way."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text.replace("\x7f", "\\u007f")
    if isinstance(value, datetime):
        moment = value.astimezone(UTC).replace(microsecond=0, tzinfo=None)
        return moment.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        inner = ", ".join(f"{format_key(k)} = {format_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


# --------------------------------------------------------------------------- data helpers


def _container(data: dict[str, Any], path: Path, create: bool) -> Any:
    current: Any = data
    for part in path:
        if isinstance(current, dict):
            if part not in current:
                if not create:
                    raise EditError(f"nothing at {path}")
                current[part] = {}
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int):
            current = current[part]
        else:
            raise EditError(f"nothing at {path}")
    return current


def _table(data: dict[str, Any], path: Path, create: bool) -> dict[str, Any]:
    found = _container(data, path, create)
    if not isinstance(found, dict):
        raise EditError(f"{'.'.join(map(str, path))} is not a table of keys in the file")
    return found


def _normalize(data: Any) -> Any:
    """Compare datetimes at the second (what the file stores), in UTC."""
    if isinstance(data, dict):
        return {k: _normalize(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_normalize(v) for v in data]
    if isinstance(data, datetime) and data.tzinfo is not None:
        return data.astimezone(UTC).replace(microsecond=0)
    return data


def _parsed_as(new_text: str, expected: Mapping[str, Any]) -> dict[str, Any] | None:
    """What ``new_text`` parses to, if that is ``expected``; else None."""
    try:
        data = tomlparse.loads(new_text)
    except tomllib.TOMLDecodeError:
        return None
    return data if _normalize(data) == _normalize(expected) else None


def _verified(new_text: str, expected: Mapping[str, Any]) -> bool:
    return _parsed_as(new_text, expected) is not None


def _apply(text: str, change: Callable[[dict[str, Any]], None],
           line_edit: Callable[[str], str | None],
           tomlkit_edit: Callable[[tomlkit.TOMLDocument], None]) -> str:
    return _apply_parsed(text, change, line_edit, tomlkit_edit)[0]


def _apply_parsed(text: str, change: Callable[[dict[str, Any]], None],
                  line_edit: Callable[[str], str | None],
                  tomlkit_edit: Callable[[tomlkit.TOMLDocument], None],
                  before: Mapping[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """The new text and what it parses to. ``before``, when given, is what ``text``
    parses to (it is not changed)."""
    if before is None:
        try:
            before = tomlparse.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise EditError(f"the file is not valid TOML ({exc}); nothing was written"
                            ) from exc
    expected = copy.deepcopy(dict(before))
    change(expected)
    candidate = line_edit(text)
    if candidate is not None:
        data = _parsed_as(candidate, expected)
        if data is not None:
            return candidate, data
    document = tomlkit.parse(text)
    tomlkit_edit(document)
    candidate = tomlkit.dumps(document)
    data = _parsed_as(candidate, expected)
    if data is not None:
        return candidate, data
    raise EditError("the change could not be made without disturbing the rest of the file")


def _line_bounds(text: str, start: int, end_of_line: int) -> tuple[int, int] | None:
    """The whole line(s) of an entry, if nothing else but whitespace and a comment is on them."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return None
    return line_start, end_of_line


def _ensure_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


# --------------------------------------------------------------------------- fast path
# One line of a table of keyed entries ([ticks], [notes], ...) added, replaced or
# removed, checked by parsing that one line instead of the whole file again.
#
# Why that is enough: the caller has parsed the whole text (it is valid TOML, and we know
# its data), and :func:`_lines_stand_alone` makes sure that no value spans lines (no
# multi-line string, no array or inline table open at the end of a line). Then every line
# of the file starts a new statement at the top level, and the file means its lines read
# in order. So
#
# - a new line ``key = value`` after the last entry of ``[table]`` (above the next
#   header) sets exactly ``table.key`` when ``key`` is not in the table yet, and it means
#   ``value`` if it parses to ``{key: value}`` on its own;
# - a line of ``[table]`` that parses on its own to ``{key: <the value in the data>}`` is
#   all there is of ``table.key``: removing it removes that key and nothing else, and
#   putting a line that parses to ``{key: value}`` in its place changes only that value.
#
# Whenever one of these conditions is not certain, the fast path gives None and the edit
# takes the full path (positions from tomlpos, the whole result parsed and compared). The
# fast path finds the same place as the full path, so the result is the same text.

_STRING_OR_COMMENT = re.compile(r"\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\"|'[^'\n]*'|#[^\n]*")
_BRACKETS = re.compile(r"[\[\]{}][^\n]*")  # from the first bracket of a line to its end
_HEADER = re.compile(r"\n[ \t]*\[")  # (at a line start: searched in "\n" + text)


def _lines_stand_alone(text: str) -> bool:
    """Whether no value of ``text`` (valid TOML) spans lines."""
    if '"""' in text or "'''" in text:
        return False  # maybe a multi-line string
    # Without multi-line strings, every string and comment ends on its line, and the
    # left-most match at each point is what a TOML reader reads; a quote that is left over
    # means that something did not match as it does for the reader.
    bare = _STRING_OR_COMMENT.sub("s", text)
    if '"' in bare or "'" in bare:
        return False
    # What is left of brackets opens and closes arrays, inline tables and headers. If each
    # line closes as many as it opens, none is open at the end of a line.
    for line in _BRACKETS.findall(bare):
        if line.count("[") + line.count("{") != line.count("]") + line.count("}"):
            return False
    return True


def _spellings(key: str) -> str:
    """A regular expression for ``key`` written bare, "quoted" or 'quoted' (the usual
    ways; one written with escapes is not found)."""
    ways = [format_key(key), format_value(key)]
    if "'" not in key:
        ways.append(f"'{key}'")
    return "|".join(re.escape(way) for way in dict.fromkeys(ways))


def _table_lines(text: str, name: str) -> tuple[int, int] | None:
    """Where the entries of ``[name]`` are: from the end of its header line to the next
    header (or the end of the text). None if that header is not found exactly once."""
    # Searched in "\n" + text (faster than a "^" in MULTILINE mode): offsets are one more.
    lines = "\n" + text
    header = re.compile(r"\n([ \t]*\[[ \t]*(?:" + _spellings(name) + r")[ \t]*\][^\n]*)")
    found = list(header.finditer(lines))
    if len(found) != 1 or not _verified(found[0].group(1) + "\n", {name: {}}):
        return None
    start = min(found[0].end(), len(text))  # just past the header line's newline
    following = _HEADER.search(lines, start)
    return start, len(text) if following is None else following.start()


def _last_entry_end(text: str, start: int, end: int) -> int:
    """The end of the last line of ``text[start:end]`` that is neither blank nor a comment
    (``start`` if there is none): where tomlpos's ``Table.last_end`` is."""
    at = end
    while at > start:
        newline = text.rfind("\n", start, at - 1)
        line_start = start if newline < 0 else newline + 1
        line = text[line_start:at].strip()
        if line and not line.startswith("#"):
            return at
        at = line_start
    return start


def _entry_line(text: str, start: int, end: int, key: str) -> tuple[int, int] | None:
    """The line of ``text[start:end]`` that starts with ``key =``."""
    pattern = re.compile(r"\n[ \t]*(?:" + _spellings(key) + r")[ \t]*=")
    match = pattern.search("\n" + text, start, end + 1)  # offsets one more, as above
    if match is None:
        return None
    newline = text.find("\n", match.end() - 1, end)
    return match.start(), end if newline < 0 else newline + 1


def _fast_entry(text: str, data: Mapping[str, Any], table: Path, key: str, value: Any, *,
                remove: bool) -> tuple[str, dict[str, Any]] | None:
    """:func:`set_entry_parsed` (or :func:`remove_entry_parsed`) by the fast path; None
    where it does not apply."""
    if len(table) != 1 or not isinstance(table[0], str):
        return None
    name = table[0]
    current = data.get(name)
    if current is not None and not isinstance(current, dict):
        return None
    if remove and (current is None or key not in current):
        return None
    if not _lines_stand_alone(text):
        return None
    if current is None:  # a new table at the end of the file
        block = f"[{format_key(name)}]\n{format_key(key)} = {format_value(value)}\n"
        added = _parsed_as(block, {name: {key: value}})
        if added is None:
            return None
        body = _ensure_newline(text)
        return body + ("\n" if body.strip() else "") + block, {**data, **added}
    lines = _table_lines(text, name)
    if lines is None:
        return None
    start, end = lines
    if key not in current:  # a new line after the table's last entry
        line = f"{format_key(key)} = {format_value(value)}\n"
        new = _parsed_as(line, {key: value})
        if new is None:
            return None
        at = _last_entry_end(text, start, end)
        body = text[:at]
        gap = "\n" if body and not body.endswith("\n") else ""
        return body + gap + line + text[at:], {**data, name: {**current, **new}}
    found = _entry_line(text, start, end, key)
    if found is None:
        return None
    first, last = found
    old = text[first:last]
    if not _verified(old, {key: current[key]}):
        return None
    if remove:
        rest = {k: v for k, v in current.items() if k != key}
        return text[:first] + text[last:], {**data, name: rest}
    entry = scan(old).entries.get((key,))
    if entry is None:
        return None
    line = old[: entry.value_start] + format_value(value) + old[entry.value_end:]
    new = _parsed_as(line, {key: value})
    if new is None:
        return None
    return text[:first] + line + text[last:], {**data, name: {**current, **new}}


# --------------------------------------------------------------------------- edits


def set_entry(text: str, table: Path, key: str, value: Any) -> str:
    """Set ``key = value`` in ``[table]``: replace the value in place, or add one line.

    A new line goes right after the table's last entry (before blank lines and comments
    that lead into the next table). A missing table is added at the end of the file.
    """
    return _set_entry(text, None, table, key, value)[0]


def set_entry_parsed(text: str, data: Mapping[str, Any], table: Path, key: str, value: Any
                     ) -> tuple[str, dict[str, Any]]:
    """:func:`set_entry` of a text that the caller has parsed: ``data`` is what ``text``
    parses to (``tomlparse.loads(text)``; it is not changed). Gives the new text, the same
    as :func:`set_entry` gives, and what it parses to (equal to ``tomllib.loads`` of it).
    The text is not parsed again; on the fast path only the changed line is."""
    return _set_entry(text, data, table, key, value)


def _set_entry(text: str, data: Mapping[str, Any] | None, table: Path, key: str,
               value: Any) -> tuple[str, dict[str, Any]]:
    if data is not None:
        fast = _fast_entry(text, data, table, key, value, remove=False)
        if fast is not None:
            return fast
    line = f"{format_key(key)} = {format_value(value)}\n"

    def change(data: dict[str, Any]) -> None:
        _table(data, table, create=True)[key] = copy.deepcopy(value)

    def line_edit(text: str) -> str | None:
        positions = scan(text)
        entry = positions.entries.get((*table, key))
        if entry is not None:
            return text[: entry.value_start] + format_value(value) + text[entry.value_end:]
        found = positions.tables.get(table)
        if found is None:
            if any(p[: len(table)] == table for p in positions.entries) and table:
                return None  # defined by dotted keys or inline: let tomlkit handle it
            body = _ensure_newline(text)
            header = "[" + ".".join(format_key(str(p)) for p in table) + "]\n"
            return body + ("\n" if body.strip() else "") + (header if table else "") + line
        at = found.last_end
        body = text[:at]
        if body and not body.endswith("\n"):
            return body + "\n" + line + text[at:]
        return body + line + text[at:]

    def tomlkit_edit(document: tomlkit.TOMLDocument) -> None:
        target: Any = document
        for part in table:
            if part not in target:
                target[part] = tomlkit.table()
            target = target[part]
        target[key] = _tomlkit_value(value)

    return _apply_parsed(text, change, line_edit, tomlkit_edit, data)


def remove_entry(text: str, table: Path, key: str) -> str:
    """Remove ``key`` from ``[table]`` (its whole line). Removing a missing key is an error."""
    return _remove_entry(text, None, table, key)[0]


def remove_entry_parsed(text: str, data: Mapping[str, Any], table: Path, key: str
                        ) -> tuple[str, dict[str, Any]]:
    """:func:`remove_entry` of a text that parses to ``data``: as :func:`set_entry_parsed`."""
    return _remove_entry(text, data, table, key)


def _remove_entry(text: str, data: Mapping[str, Any] | None, table: Path, key: str
                  ) -> tuple[str, dict[str, Any]]:
    if data is not None:
        fast = _fast_entry(text, data, table, key, None, remove=True)
        if fast is not None:
            return fast

    def change(data: dict[str, Any]) -> None:
        container = _table(data, table, create=False)
        if key not in container:
            raise EditError(f"{key!r} is not in the file")
        del container[key]

    def line_edit(text: str) -> str | None:
        entry = scan(text).entries.get((*table, key))
        if entry is None:
            return None
        bounds = _line_bounds(text, entry.key_start, entry.line_end)
        if bounds is None:
            return None
        return text[: bounds[0]] + text[bounds[1]:]

    def tomlkit_edit(document: tomlkit.TOMLDocument) -> None:
        target: Any = document
        for part in table:
            target = target[part]
        del target[key]

    return _apply_parsed(text, change, line_edit, tomlkit_edit, data)


def set_value(text: str, path: Path, value: Any) -> str:
    """Set the value at ``path`` (e.g. ``("tiers", 0, "activities", 2, "title")``)."""
    *parent, key = path
    if not isinstance(key, str):
        raise EditError("set_value needs a key as the last part of the path")
    parent_path = tuple(parent)

    def change(data: dict[str, Any]) -> None:
        _container(data, parent_path, create=False)[key] = copy.deepcopy(value)

    def line_edit(text: str) -> str | None:
        positions = scan(text)
        entry = positions.entries.get(path)
        if entry is not None:
            return text[: entry.value_start] + format_value(value) + text[entry.value_end:]
        found = positions.tables.get(parent_path)
        if found is None:
            return None
        at = found.last_end
        return text[:at] + f"{format_key(key)} = {format_value(value)}\n" + text[at:]

    def tomlkit_edit(document: tomlkit.TOMLDocument) -> None:
        target: Any = document
        for part in parent_path:
            target = target[part]
        target[key] = _tomlkit_value(value)

    return _apply(text, change, line_edit, tomlkit_edit)


def remove_value(text: str, path: Path) -> str:
    """Remove the key at ``path`` (a key of a table, not an array element)."""
    *parent, key = path
    return remove_entry(text, tuple(parent), str(key))


def append_table(text: str, array: Path, item: Mapping[str, Any]) -> str:
    """Add ``[[array]]`` with ``item``'s keys after the array's last element."""
    name = ".".join(format_key(str(p)) for p in array if isinstance(p, str))
    block = f"[[{name}]]\n" + "".join(
        f"{format_key(k)} = {format_value(v)}\n" for k, v in item.items())

    def change(data: dict[str, Any]) -> None:
        container = _container(data, array[:-1], create=False) if array[:-1] else data
        container.setdefault(str(array[-1]), []).append(copy.deepcopy(dict(item)))

    def line_edit(text: str) -> str | None:
        positions = scan(text)
        ends = [t.last_end for p, t in positions.tables.items()
                if len(p) > len(array) and p[: len(array)] == array]
        if not ends:
            parent = positions.tables.get(array[:-1])
            if parent is None:
                return None
            ends = [max(t.last_end for p, t in positions.tables.items()
                        if p[: len(array) - 1] == array[:-1])]
        at = max(ends)
        body = _ensure_newline(text[:at])
        rest = text[at:]
        gap = "\n" if body.strip() else ""
        after = "\n" if rest.strip() else ""
        return body + gap + block + after + rest.lstrip("\n")

    def tomlkit_edit(document: tomlkit.TOMLDocument) -> None:
        target: Any = document
        for part in array[:-1]:
            target = target[part]
        aot = target.get(array[-1])
        if aot is None:
            target[array[-1]] = tomlkit.aot()
            aot = target[array[-1]]
        new = tomlkit.table()
        for k, v in item.items():
            new[k] = _tomlkit_value(v)
        aot.append(new)

    return _apply(text, change, line_edit, tomlkit_edit)


def remove_table(text: str, element: Path) -> str:
    """Remove one ``[[array]]`` element (``("tiers", 0, "activities", 2)``) and its lines."""
    index = element[-1]
    if not isinstance(index, int):
        raise EditError("remove_table needs an array index as the last part of the path")

    def change(data: dict[str, Any]) -> None:
        container = _container(data, element[:-1], create=False)
        del container[index]

    def line_edit(text: str) -> str | None:
        block = _element_block(text, element)  # (with its comments and blank lines)
        if block is None:
            return None
        start, _, end = block
        return text[:start] + text[end:]

    def tomlkit_edit(document: tomlkit.TOMLDocument) -> None:
        target: Any = document
        for part in element[:-1]:
            target = target[part]
        del target[index]

    return _apply(text, change, line_edit, tomlkit_edit)


def _tomlkit_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        table = tomlkit.inline_table()
        for k, v in value.items():
            table[k] = _tomlkit_value(v)
        return table
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0)
    return value


# --------------------------------------------------------------------------- authoring
# Edits used when teachers write curriculum files in the app: multi-line text, a new
# top-level table, moving one [[array]] element, and whole new files.


def format_multiline(value: str) -> str:
    """Text with line breaks as a TOML multi-line string (one line of the file per line)."""
    out: list[str] = []
    for ch in value.replace("\r\n", "\n"):
        if ch == "\\":
            out.append("\\\\")
        elif ch in "\n\t" or (ord(ch) >= 0x20 and ch != "\x7f"):
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}")
    body = "".join(out).replace('"""', '""\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return '"""\n' + body + '"""'


def format_text(value: Any) -> str:
    """Like :func:`format_value`, but text with line breaks spans lines (``\"\"\"``)."""
    if isinstance(value, str) and "\n" in value:
        return format_multiline(value)
    return format_value(value)


def set_value_text(text: str, path: Path, value: Any) -> str:
    """:func:`set_value`, writing text with line breaks as a multi-line string."""
    if not (isinstance(value, str) and "\n" in value):
        return set_value(text, path, value)
    *parent, key = path
    if not isinstance(key, str):
        raise EditError("set_value_text needs a key as the last part of the path")
    parent_path = tuple(parent)
    written = format_multiline(value)

    def change(data: dict[str, Any]) -> None:
        _container(data, parent_path, create=False)[key] = value.replace("\r\n", "\n")

    def line_edit(text: str) -> str | None:
        positions = scan(text)
        entry = positions.entries.get(path)
        if entry is not None:
            return text[: entry.value_start] + written + text[entry.value_end:]
        found = positions.tables.get(parent_path)
        if found is None:
            return None
        at = found.last_end
        body = text[:at]
        sep = "" if not body or body.endswith("\n") else "\n"
        return body + sep + f"{format_key(key)} = {written}\n" + text[at:]

    def tomlkit_edit(document: tomlkit.TOMLDocument) -> None:
        target: Any = document
        for part in parent_path:
            target = target[part]
        target[key] = value.replace("\r\n", "\n")

    return _apply(text, change, line_edit, tomlkit_edit)


def _first_header(text: str) -> int | None:
    """Offset of the first table header, before the comment lines right above it."""
    positions = scan(text)
    starts = [t.header_start for p, t in positions.tables.items() if p and t.explicit]
    if not starts:
        return None
    start = min(starts)
    while start > 0:
        prev = text.rfind("\n", 0, start - 1) + 1
        if not text[prev:start].lstrip().startswith("#"):
            break
        start = prev
    return start


def insert_table(text: str, table: str, item: Mapping[str, Any]) -> str:
    """Add a new top-level ``[table]`` with ``item``'s keys, after the top-level keys and
    before the first table of the file (``[check]`` goes above the ``[[tiers]]``)."""
    block = f"[{format_key(table)}]\n" + "".join(
        f"{format_key(k)} = {format_text(v)}\n" for k, v in item.items())

    def change(data: dict[str, Any]) -> None:
        if table in data:
            raise EditError(f"[{table}] is already in the file")
        data[table] = copy.deepcopy(dict(item))

    def line_edit(text: str) -> str | None:
        at = _first_header(text)
        if at is None:
            body = _ensure_newline(text)
            return body + ("\n" if body.strip() else "") + block
        head = _ensure_newline(text[:at])
        gap = "\n" if head.strip() and not head.endswith("\n\n") else ""
        return head + gap + block + "\n" + text[at:]

    def tomlkit_edit(document: tomlkit.TOMLDocument) -> None:
        new = tomlkit.table()
        for k, v in item.items():
            new[k] = _tomlkit_value(v)
        document[table] = new

    return _apply(text, change, line_edit, tomlkit_edit)


def _element_block(text: str, element: Path) -> tuple[int, int, int] | None:
    """(start, end of its last line, end of the blank lines after it) of one ``[[array]]``
    element with its sub-tables; comment lines right above its header belong to it."""
    positions = scan(text)
    own = positions.tables.get(element)
    if own is None:
        return None
    start = own.header_start
    while start > 0:
        prev = text.rfind("\n", 0, start - 1) + 1
        if not text[prev:start].lstrip().startswith("#"):
            break
        start = prev
    end = max(t.last_end for p, t in positions.tables.items() if p[: len(element)] == element)
    tail = end
    while tail < len(text):
        nl = text.find("\n", tail)
        line_end = len(text) if nl < 0 else nl + 1
        if text[tail:line_end].strip():
            break
        tail = line_end
    return start, end, tail


def _pop_element(data: dict[str, Any], element: Path) -> Any:
    """Take one element out of an array of tables; an array left empty goes away too
    (a file without any ``[[tiers.activities]]`` has no ``activities`` key at all)."""
    index = element[-1]
    items = _container(data, element[:-1], create=False)
    if not isinstance(items, list) or not isinstance(index, int) or not (
            0 <= index < len(items)):
        raise EditError(f"nothing at {element}")
    moved = items.pop(index)
    parent: Any = _container(data, element[:-2], create=False) if element[:-2] else data
    if not items and isinstance(parent, dict):
        parent.pop(element[-2], None)
    return moved


def remove_element(text: str, element: Path) -> str:
    """Remove one ``[[array]]`` element with its sub-tables, the comment lines right above
    it and the blank lines after it. Unlike :func:`remove_table`, removing the last
    element of an array leaves no ``key = []`` behind."""

    def change(data: dict[str, Any]) -> None:
        _pop_element(data, element)

    def line_edit(text: str) -> str | None:
        block = _element_block(text, element)
        if block is None:
            return None
        start, _, tail = block
        result = text[:start] + text[tail:]
        trailing = len(text) - len(text.rstrip("\n"))
        return result.rstrip("\n") + "\n" * trailing if result.strip() else result

    def tomlkit_edit(document: tomlkit.TOMLDocument) -> None:
        target: Any = document
        for part in element[:-1]:
            target = target[part]
        del target[element[-1]]

    return _apply(text, change, line_edit, tomlkit_edit)


def relocate_table(text: str, element: Path, array: Path, position: int) -> str:
    """Move one ``[[array]]`` element (with its sub-tables and the comment above it) to
    ``position`` in ``array`` (the same array or another one, e.g. another tier's
    activities). Only the moved lines change."""
    index = element[-1]
    if not isinstance(index, int):
        raise EditError("relocate_table needs an array index as the last part of the path")
    source = element[:-1]

    def change(data: dict[str, Any]) -> None:
        moved = _pop_element(data, element)
        target = _container(data, array[:-1], create=False) if array[:-1] else data
        target_list = target.setdefault(str(array[-1]), [])
        if not 0 <= position <= len(target_list):
            raise EditError(f"position {position} is outside {array}")
        target_list.insert(position, moved)

    def line_edit(text: str) -> str | None:
        block = _element_block(text, element)
        if block is None:
            return None
        start, end, tail = block
        core = _ensure_newline(text[start:end])
        rest = text[:start] + text[tail:]
        positions = scan(rest)
        before = _element_block(rest, (*array, position))
        if before is not None:
            at = before[0]
            head = _ensure_newline(rest[:at])
            gap = "\n" if head.strip() and not head.endswith("\n\n") else ""
            result = head + gap + core + "\n" + rest[at:]
        else:
            ends = [t.last_end for p, t in positions.tables.items()
                    if len(p) > len(array) and p[: len(array)] == array]
            if not ends:
                if positions.tables.get(array[:-1]) is None:
                    return None
                ends = [max(t.last_end for p, t in positions.tables.items()
                            if p[: len(array) - 1] == array[:-1])]
            at = max(ends)
            body = _ensure_newline(rest[:at])
            after_text = rest[at:]
            gap = "\n" if body.strip() else ""
            after = "\n" if after_text.strip() else ""
            result = body + gap + core + after + after_text.lstrip("\n")
        # Keep the end of the file as it was (one newline, usually).
        trailing = len(text) - len(text.rstrip("\n"))
        return result.rstrip("\n") + "\n" * trailing

    def tomlkit_edit(document: tomlkit.TOMLDocument) -> None:
        target: Any = document
        for part in source:
            target = target[part]
        moved = target[index]
        del target[index]
        destination: Any = document
        for part in array:
            destination = destination[part]
        destination.insert(position, moved)

    return _apply(text, change, line_edit, tomlkit_edit)


def move_table(text: str, element: Path, offset: int) -> str:
    """Move one ``[[array]]`` element ``offset`` places up (negative) or down its array."""
    index = element[-1]
    if not isinstance(index, int):
        raise EditError("move_table needs an array index as the last part of the path")
    return relocate_table(text, element, element[:-1], index + offset)


def _render_table(out: list[str], name: str, table: Mapping[str, Any], *, array: bool) -> None:
    plain = {k: v for k, v in table.items() if not _is_tables(v)}
    if out:
        out.append("\n")
    out.append(f"[[{name}]]\n" if array else f"[{name}]\n")
    for key, value in plain.items():
        out.append(f"{format_key(key)} = {format_text(value)}\n")
    for key, value in table.items():
        if _is_tables(value):
            for element in value:
                _render_table(out, f"{name}.{format_key(key)}", element, array=True)


def _is_tables(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(
        isinstance(v, Mapping) for v in value)


def render_tables(data: Mapping[str, Any], header: str = "") -> str:
    """A whole curriculum file, laid out like a hand-written one: top-level keys, then each
    top-level table (``[check]``, ``[scale]``), then the arrays of tables. Arrays and
    tables inside array elements are written inline (``unlock = { mastered = "X" }``),
    text with line breaks as multi-line strings. Same data, same bytes."""
    out: list[str] = []
    if header:
        out.append(header.rstrip("\n") + "\n\n")
    for key, value in data.items():
        if not (_is_tables(value) or isinstance(value, Mapping)):
            out.append(f"{format_key(key)} = {format_text(value)}\n")
    body: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            _render_table(body, format_key(key), value, array=False)
    for key, value in data.items():
        if _is_tables(value):
            for element in value:
                _render_table(body, format_key(key), element, array=True)
    if body:
        if out and not out[-1].endswith("\n\n"):
            out.append("\n")
        out.extend(body)
    return "".join(out)
