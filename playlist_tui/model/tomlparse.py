"""The one guarded way to parse TOML text that may come from anyone.

``tomllib`` recurses once per level of nested arrays and inline tables, so a 1 KB file
nested a few hundred levels deep raises ``RecursionError`` instead of a parse error; and
dotted keys or table headers with thousands of parts (``a.a.a.a... = 1``) parse fine into
data nested thousands deep, which every reader after the parser (validation, the cache,
interning, history) would then recurse into. :func:`loads` refuses anything nested deeper
than :data:`MAX_DEPTH` with a :class:`TooDeep` error that carries the depth and the line
and column where the limit is crossed:

- before parsing, a cheap bound of how deep arrays and inline tables nest (a count of
  brackets, or when there are many, the brackets left once strings and comments are
  removed, at C speed), and only when that bound is over the limit the exact scan of
  :func:`nesting_depth`, so the parser never recurses past the limit;
- after parsing, the depth of the data itself, walked without recursion (dotted keys and
  headers are nested tables too).

``TooDeep`` is a ``tomllib.TOMLDecodeError``, so every reader that handles bad TOML
handles it too, and its message has the same ``(at line L, column C)`` form tomllib uses.
``RecursionError`` is caught as a last resort. Every reader of class files, git blobs and
imports uses this.

When ``rtoml`` (a TOML parser in Rust, 6-10 times faster than ``tomllib``) is installed,
:func:`loads` parses with it, and gives exactly what ``tomllib`` gives, or raises exactly
what ``tomllib`` raises:

- ``rtoml`` reads TOML 1.1, ``tomllib`` TOML 1.0. A text that could use what 1.1 adds
  (times without seconds, newlines and trailing commas in inline tables, the ``\\e`` and
  ``\\xHH`` escapes, a byte order mark) or that ``rtoml`` would read differently (CRLF
  inside a multi-line string) is given to ``tomllib``: see :func:`_plain_toml10` (a
  cheap scan of the text) and :func:`_short_times_in` (a time without seconds, looked
  for only when rtoml's data has a time with no seconds). Both may send a valid file to
  ``tomllib`` (only slower), never let one through that ``tomllib`` would read otherwise.
- Any error of ``rtoml`` (or anything unexpected) is not reported: the text goes to
  ``tomllib``, which gives the data or the error, so problems keep tomllib's wording and
  positions (docs/formats.md documents them).
- ``rtoml``'s time zones (a class of its own) are replaced by ``datetime.timezone`` as
  ``tomllib`` makes them (``timezone.utc`` for ``Z`` and ``+00:00``).

``PLAYLIST_TUI_TOML=tomllib`` turns the fast path off. tests/test_fast_parse.py compares
the two over toml-test's cases, the bad-input catalogue and random documents.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from array import array
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from itertools import accumulate
from typing import Any, TypeAlias, cast

try:  # optional: a faster parser, used only where it gives exactly what tomllib gives
    import rtoml as _rtoml
except ImportError:  # pragma: no cover - depends on the installation
    _rtoml = None  # type: ignore[assignment]

#: The deepest nesting accepted: tables, arrays and inline tables inside one another
#: (a dotted key ``a.b.c`` is three tables). Class files nest at most 5 deep.
MAX_DEPTH = 64

__all__ = ["MAX_DEPTH", "TOMLDecodeError", "TooDeep", "data_depth", "lines_stand_alone",
           "loads", "loads_stamped", "nesting_depth"]

TOMLDecodeError = tomllib.TOMLDecodeError


class TooDeep(tomllib.TOMLDecodeError):
    """Arrays, tables or inline tables nested deeper than the limit."""

    def __init__(self, depth: int, line: int, col: int, limit: int = MAX_DEPTH) -> None:
        self.depth, self.line, self.col, self.limit = depth, line, col, limit
        super().__init__(
            f"values nested {depth} deep; the limit is {limit} (at line {line}, "
            f"column {col})")


# Strings and comments, as tomllib reads them (an unclosed one ends at the end of its line,
# or of the text for a multi-line string). Possessive quantifiers: no backtracking.
_STRINGS_AND_COMMENTS = re.compile(
    r'"""(?:[^"\\]++|\\[\s\S]|"(?!""))*+(?:"{3,5}|\Z)'
    r"|'''[\s\S]*?(?:'{3,5}|\Z)"
    r'|"(?:[^"\\\n]++|\\.)*+"?'
    r"|'[^'\n]*+'?"
    r"|#[^\n]*+")
_NOT_BRACKETS = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _bracket_bound(text: str) -> int:
    """An upper bound of how deep arrays and inline tables nest in ``text``: fast, exact
    enough for any real file (headers count too, by one or two)."""
    openers = text.count("[") + text.count("{")
    if openers <= MAX_DEPTH:
        return openers
    brackets = _NOT_BRACKETS.sub("", _STRINGS_AND_COMMENTS.sub('""', text))
    if not brackets:
        return 0
    prefix = list(accumulate(map(_STEP.__getitem__, brackets)))
    lowest = accumulate(prefix, min, initial=0)  # a stray closer does not lower the depth
    return max(map(int.__sub__, prefix, lowest))


_TOKEN = re.compile(r"[\[\]{}\"'#\n=,.]")
_STRING = re.compile(_STRINGS_AND_COMMENTS.pattern.rsplit("|", 1)[0])


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> tuple[int, int, int]:
    """How deep the text nests, and where: ``(depth, line, col)``.

    The depth is the number of tables and arrays a value is inside, the way the parsed
    data nests: each ``[`` or ``{`` of a value, each part of a dotted key but the last
    (``a.b.c = 1`` puts ``c`` in two tables), each part of a table header (one more for an
    array of tables). It follows the data ``tomllib`` would build closely enough to point
    at the place where a text goes too deep.

    When ``depth > limit`` the position is where the limit was first crossed (the scan
    still goes on to the end to give the full depth); otherwise it is where the deepest
    point is. Brackets, dots and ``=`` inside strings and comments are skipped. Tolerant
    of invalid TOML: it never raises and runs in one pass over the text.
    """
    best = 0
    best_line = best_col = 1
    crossed: tuple[int, int] | None = None
    line, line_start = 1, 0
    stack: list[tuple[str, int]] = []  # open brackets of values: (bracket, its depth)
    table = 0  # depth of the current [table]
    key = 1  # parts of the key being read
    header = 0  # parts of the table header being read; 0: not in a header
    array_header = False
    value = 0  # depth of the value after the last '='
    after_eq = False  # the previous token was '=' (a bracket now opens the value)
    expect = True  # a key (or, at the top level, a header) may start here
    i, n = 0, len(text)

    def reach(depth: int, at: int) -> None:
        nonlocal best, best_line, best_col, crossed
        if depth > best:
            best, best_line, best_col = depth, line, at - line_start + 1
            if depth > limit and crossed is None:
                crossed = (best_line, best_col)

    search, string = _TOKEN.search, _STRING.match
    while True:
        match = search(text, i)
        if match is None:
            break
        i = match.start()
        ch = text[i]
        if ch == "\n":
            line, line_start = line + 1, i + 1
            if header:
                table = header + array_header
                header = 0
            if not stack:
                expect, key, after_eq = True, 1, False
            i += 1
            continue
        if ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if ch in "\"'":
            found = string(text, i)
            j = found.end() if found is not None else i + 1
            newlines = text.count("\n", i, j)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", i, j) + 1
            i = j
            after_eq = False
            continue
        i += 1
        if header:
            if ch == ".":
                header += 1
                reach(header, i - 1)
            continue
        if ch in "[{":
            if ch == "[" and expect and not stack:  # a table header: [a.b] or [[a.b]]
                header, array_header = 1, text.startswith("[", i)
                reach(1 + array_header, i - 1)
                continue
            depth = value if after_eq or not stack else stack[-1][1] + 1
            stack.append((ch, depth))
            reach(depth, i - 1)
            after_eq = False
            expect, key = ch == "{", 1
            continue
        after_eq = False
        if ch in "]}":
            if stack:
                stack.pop()
            expect = False
        elif ch == ",":
            expect, key = bool(stack) and stack[-1][0] == "{", 1
        elif ch == "." and expect:
            base = stack[-1][1] if stack else table
            reach(base + key, i - 1)  # one more table
            key += 1
        elif ch == "=" and expect:
            value = (stack[-1][1] if stack else table) + key
            expect, key, after_eq = False, 1, True
    if crossed is not None:
        return best, crossed[0], crossed[1]
    return best, best_line, best_col


def data_depth(data: object) -> int:
    """How many dicts and lists deep ``data`` nests below its top (walked without
    recursion): ``{"a": 1}`` is 0, ``{"a": {"b": [1]}}`` is 2."""
    best = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        inner = depth + 1
        items = value.values() if type(value) is dict else value
        for item in items:
            kind = type(item)
            if kind is dict or kind is list:
                if inner > best:
                    best = inner
                stack.append((item, inner))
    return best


FAST = _rtoml is not None and os.environ.get("PLAYLIST_TUI_TOML", "").lower() != "tomllib"
"""Whether :func:`loads` tries ``rtoml`` first (installed, and not turned off)."""

# What TOML 1.1 adds to 1.0 (rtoml reads it, tomllib refuses it), as a scan of the text
# with strings and comments blanked out: an inline table that is not on one line (or ends
# with a comma). A time without seconds is told from the data (see _short_times_in).
_TRAILING_COMMA = re.compile(r",\s*\}")
_ONE_LINE_TABLE = re.compile(r"\{[^{}\n]*\}")


# A whole line that is a key and one inline table of plain values, closed on the line,
# no trailing comma: the lines of a student's requests and notes and a teacher's
# decisions. Strings without a backslash (no escape of TOML 1.1), numbers, date-times
# (a time without seconds is told from the data), true and false; nothing nested, no
# comment. The blanking of strings and comments would find such a line's table on one
# line, with no trailing comma and no array: one pass of this pattern tells it.
_PLAIN_KEY = r'(?:[A-Za-z0-9_-]++|"[^"\\\n]*+")'
_PLAIN_VALUE = r'(?:"[^"\\\n]*+"|[0-9][0-9:.TZ+-]*+|true|false)'
_SIMPLE_TABLE_LINE = re.compile(
    rf"^{_PLAIN_KEY} = \{{ {_PLAIN_KEY} = {_PLAIN_VALUE}(?:, {_PLAIN_KEY} = {_PLAIN_VALUE})*+"
    r" \}(?:\n|\Z)", re.MULTILINE)


def _lines_with(text: str, mark: str) -> str:
    """The lines of ``text`` that hold ``mark``, each once, joined by newlines."""
    lines = []
    find, rfind = text.find, text.rfind
    i = find(mark)
    while i >= 0:
        end = find("\n", i)
        if end < 0:
            end = len(text)
        lines.append(text[rfind("\n", 0, i) + 1:end])
        i = find(mark, end)
    return "\n".join(lines)


def _plain_toml10(text: str) -> bool:
    """True when ``text`` surely uses nothing that ``rtoml`` reads differently from
    ``tomllib``, but for times without seconds (the caller looks for those in rtoml's
    data: :func:`_short_times_in`): no inline table over lines or with a trailing comma,
    no ``\\e`` or ``\\x`` escape, no byte order mark, no CRLF that could be inside a
    multi-line string (``rtoml`` keeps it, ``tomllib`` makes it LF). False may be wrong
    (the text then goes to tomllib: slower, same result); True never is."""
    if ("\\" in text and ("\\e" in text or "\\x" in text)) or "\ufeff" in text:
        return False
    multi = '"""' in text or "'''" in text
    if "\r" in text and multi:
        return False
    global _last_bare
    if "{" not in text:
        # No inline table. (An array's "= [" looked for in the raw text: one in a string
        # only makes the answer "maybe".)
        _last_bare = (text, None, not _arrays_maybe(text))
        return True
    if multi:
        blanked = bare = _STRINGS_AND_COMMENTS.sub('""', text)
    else:
        # Without multi-line strings, every string and comment ends on its line, and the
        # blanking starts each line outside them: blanking only the lines with a "{"
        # gives those lines as blanking the whole text does. An inline table over lines
        # has its "{" on one of them, left open there.
        lines = _lines_with(text, "{")
        if "{" not in _SIMPLE_TABLE_LINE.sub("", lines):
            # Each line with a "{" is a key and one plain inline table, closed on it
            # (what the blanking would find: see _SIMPLE_TABLE_LINE), and no array.
            _last_bare = (text, None, not _arrays_maybe(text, "{"))
            return True
        blanked, bare = None, _STRINGS_AND_COMMENTS.sub('""', lines)
    _last_bare = (text, blanked, False)  # (lines_stand_alone of the same text uses it)
    if _TRAILING_COMMA.search(bare):
        return False
    before = ""
    while "{" in bare and bare != before:  # innermost one-line tables first
        before, bare = bare, _ONE_LINE_TABLE.sub("0", bare)
    if "{" in bare:
        return False
    # Every inline table on one line, and no array outside them: no value spans lines.
    if multi:
        alone = _ARRAY_START.search(bare) is None
    else:  # an array outside the lines with "{"; in them, outside their inline tables
        alone = _ARRAY_START.search(bare) is None and not _arrays_maybe(text, "{")
    _last_bare = (text, blanked, alone)
    return True


def _arrays_maybe(text: str, but: str = "") -> bool:
    """Whether ``text`` may hold an array (an ``=`` then a ``[``, maybe in a string) on a
    line without ``but``. Looks at each ``[`` (in class files, mostly a few headers)."""
    if text.count("[") > 64:
        found = _ARRAY_START.finditer(text)
        return any(not but or but not in _line_at(text, at.start()) for at in found)
    find, rstrip = text.find, str.rstrip
    i = find("[")
    while i >= 0:
        start = text.rfind("\n", 0, i) + 1
        if rstrip(text[start:i], " \t").endswith("=") and (
                not but or but not in _line_at(text, i)):
            return True
        i = find("[", i + 1)
    return False


def _line_at(text: str, i: int) -> str:
    end = text.find("\n", i)
    return text[text.rfind("\n", 0, i) + 1:end if end >= 0 else len(text)]


# "HH:MM" with no colon just after it and no colon, "+" or "-" just before it (":MM" of a
# time with seconds is followed by one; ":SS" is preceded by ":MM"; an offset by a sign).
# Starts with the colon, so the search looks only at colons.
_SHORT_TIME = re.compile(r":(?<=\d\d:)(?<![:+-]\d\d:)\d\d(?!:)")


def _short_times_in(text: str, short: list[datetime | time]) -> bool:
    """Whether a time without seconds (TOML 1.1: ``07:32``, which tomllib refuses) may be
    in ``text``, whose rtoml data has the times and date-times ``short`` with no seconds
    and no fraction (none: no such time). Such a time is written ``HH:MM`` with no colon
    just after it (it has no seconds) and none, and no sign, just before it (it starts a
    value, or follows the ``T`` or space of a date). True may be wrong (a string that
    holds ``07:32``: then tomllib decides); False never is."""
    return bool(short) and _SHORT_TIME.search(text) is not None


_last_bare: tuple[str, str | None, bool] | None = None
"""The last text :func:`_plain_toml10` looked at, the whole text blanked out (None when
it blanked only some lines, or none), and whether it found that no value of it spans
lines (True: each inline table is on one line, and no array is outside them).
Module-wide, replaced whole: a thread that finds another text there works its own
answer out."""
_ARRAY_START = re.compile(r"=[ \t]*\[")  # (in a blanked text, "=" only ever ends a key)
_BRACKETS_TO_END = re.compile(r"[\[\]{}][^\n]*")  # from a line's first bracket to its end


def lines_stand_alone(text: str) -> bool:
    """Whether no value of ``text`` (valid TOML) spans lines: then every line is a comment,
    a header or one whole ``key = value``, so a line that starts with ``[`` is a header,
    and lines added to a text that has this property need only be looked at themselves
    (no pattern here matches across a line's end). Cheap right after :func:`loads` of the
    same text object: the blanking of strings and comments is shared. False may be wrong
    (the caller then takes its slower, general path); True never is."""
    if '"""' in text or "'''" in text:
        return False  # maybe a multi-line string
    last = _last_bare
    if last is not None and last[0] is text and last[2]:
        return True
    # Without multi-line strings, every string and comment ends on its line, blanked out
    # here as the reader reads them; what is left of brackets opens and closes arrays,
    # inline tables and headers. If each line closes as many as it opens, none is open at
    # the end of a line.
    bare = last[1] if last is not None and last[0] is text and last[1] is not None else (
        _STRINGS_AND_COMMENTS.sub('""', text))
    for line in _BRACKETS_TO_END.findall(bare):
        if line.count("[") + line.count("{") != line.count("]") + line.count("}"):
            return False
    return True


_ZONES: dict[timedelta, timezone] = {}
_from_state = cast("Callable[[bytes, timezone], datetime]", datetime)
"""``datetime(state, zone)``: a datetime from its pickled state (as ``pickle`` makes it)."""


def _zone(offset: timedelta) -> timezone:
    zone = _ZONES.get(offset)
    if zone is None:  # (timezone(timedelta(0)) is timezone.utc, as tomllib gives for Z)
        zone = _ZONES[offset] = timezone(offset)
    return zone


_BY_SECONDS: dict[int, timezone] = {}
"""tomllib's zone for an rtoml zone's ``seconds()`` (its offset in seconds: a quarter of
the time of asking its ``utcoffset``), each learnt from ``utcoffset`` once (at most one
per minute of a day: offsets are whole minutes under 24 hours)."""


def _learned(zone: Any, item: datetime) -> timezone:
    """tomllib's zone for the zone of rtoml's ``item``; remembered by its seconds when
    ``zone.seconds()`` gives the same offset."""
    offset = zone.utcoffset(item)
    same = _zone(offset)
    try:
        seconds = zone.seconds()
        if type(seconds) is int and timedelta(seconds=seconds) == offset:
            _BY_SECONDS[seconds] = same
    except Exception:  # pragma: no cover - another rtoml: utcoffset every time
        pass
    return same


def _as_tomllib(data: dict[str, Any], short: list[datetime | time]) -> int:
    """Make ``rtoml``'s data ``tomllib``'s, in place (its datetimes get
    ``datetime.timezone`` zones), and return its depth as :func:`data_depth` would; the
    times and date-times with no seconds and no fraction go to ``short``."""
    best = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        inner = depth + 1
        pairs = value.items() if type(value) is dict else enumerate(value)
        for key, item in pairs:
            kind = type(item)
            if kind is dict or kind is list:
                if inner > best:
                    best = inner
                stack.append((item, inner))
            elif kind is datetime:
                if not item.second and not item.microsecond:
                    short.append(item)
                if (zone := item.tzinfo) is not None:
                    # The same datetime made from its pickled state with tomllib's zone (4
                    # times faster than replace(): this is the hot loop of a cold load).
                    try:
                        same = _BY_SECONDS[zone.seconds()]
                    except Exception:  # an offset not seen yet (or not rtoml's zone)
                        same = _learned(zone, item)
                    value[key] = _from_state(item.__reduce__()[1][0], same)
            elif kind is time and not item.second and not item.microsecond:
                short.append(item)
    return best


def _fast_raw(text: str) -> dict[str, Any] | None:
    """``rtoml``'s data as it gives it, for a text it surely reads as ``tomllib`` does;
    None when that is not certain or rtoml refuses the text."""
    if _rtoml is None or not _plain_toml10(text):
        return None
    try:
        data = _rtoml.loads(text)
    except Exception:  # an error of rtoml's (or any surprise): tomllib decides
        return None
    return data if type(data) is dict else None


def _fast(text: str) -> tuple[dict[str, Any], int] | None:
    """``rtoml``'s data for a text it surely reads as ``tomllib`` does, made ``tomllib``'s,
    with its depth; None when that is not certain or rtoml refuses the text."""
    if _rtoml is None or not _plain_toml10(text):
        return None
    try:
        data = _rtoml.loads(text)
        if type(data) is not dict:  # pragma: no cover - never seen
            return None
        short: list[datetime | time] = []
        depth = _as_tomllib(data, short)
        if _short_times_in(text, short):
            return None
        return data, depth
    except Exception:  # an error of rtoml's (or any surprise): tomllib decides
        return None


class _Deeper(Exception):
    """Data nested deeper than the limit (found while it is made again: see _remade)."""


_SHORT = 64  # strings up to this long are interned
_intern = sys.intern


def _remade(value: dict[str, Any], depth: int, limit: int,
            short: list[datetime | time] | None) -> dict[str, Any]:
    """A copy of parsed data with keys and short strings interned (``sys.intern``) and,
    given ``short`` (rtoml's data), rtoml's datetimes made tomllib's and the times and
    date-times with no seconds and no fraction put in ``short``; raises :class:`_Deeper`
    below ``limit`` levels (so the recursion is bounded)."""
    out = {}
    inner = depth + 1
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            if len(item) <= _SHORT:
                item = _intern(item)
        elif kind is dict:
            if inner > limit:
                raise _Deeper
            item = _remade(item, inner, limit, short)
        elif kind is list:
            if inner > limit:
                raise _Deeper
            item = _remade_list(item, inner, limit, short)
        elif short is not None and kind is datetime:
            item = _datetime(item, short)
        elif short is not None and kind is time and not item.second and not item.microsecond:
            short.append(item)
        out[_intern(key)] = item
    return out


def _datetime(item: Any, short: list[datetime | time]) -> Any:
    """rtoml's date-time as tomllib makes it (noted in ``short`` when it has no seconds)."""
    if not item.second and not item.microsecond:
        short.append(item)
    if (zone := item.tzinfo) is not None:
        try:  # (the same datetime from its pickled state, with tomllib's zone)
            same = _BY_SECONDS[zone.seconds()]
        except Exception:  # an offset not seen yet (or not rtoml's zone)
            same = _learned(zone, item)
        item = _from_state(item.__reduce__()[1][0], same)
    return item


def _remade_list(value: list[Any], depth: int, limit: int,
                 short: list[datetime | time] | None) -> list[Any]:
    out = []
    inner = depth + 1
    for item in value:
        kind = type(item)
        if kind is str:
            if len(item) <= _SHORT:
                item = _intern(item)
        elif kind is dict:
            if inner > limit:
                raise _Deeper
            item = _remade(item, inner, limit, short)
        elif kind is list:
            if inner > limit:
                raise _Deeper
            item = _remade_list(item, inner, limit, short)
        elif short is not None and kind is datetime:
            item = _datetime(item, short)
        elif short is not None and kind is time and not item.second and not item.microsecond:
            short.append(item)
        out.append(item)
    return out


# A run of lines each ``"KEY" = YYYY-MM-DDTHH:MM:SSZ`` right under a plain ``[name]``
# header (a student's ticks: nine lines in ten of a class's bytes), read without rtoml.
_RUN_LINE = r'"[A-Za-z0-9._/-]{1,200}" = \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n'
_RUN = re.compile(f"(?:{_RUN_LINE}){{16,}}")
_RUN_ENTRY = re.compile(r'"([^"]*)" = ([^\n]*)\n')
_PLAIN_HEADER = re.compile(r"\[([A-Za-z0-9_-]+)\]\n")
_from_iso = datetime.fromisoformat


def _runs(text: str) -> list[tuple[int, int, str]]:
    """Where runs of plain time stamps start and end, and the table each is right under."""
    runs = []
    i = 0 if text.startswith("[") else text.find("\n[") + 1
    while i >= 0 and (i > 0 or text.startswith("[")):
        header = _PLAIN_HEADER.match(text, i)
        if header is not None:
            run = _RUN.match(text, header.end())
            if run is not None:
                runs.append((run.start(), run.end(), header.group(1)))
        found = text.find("\n[", i)
        i = found + 1 if found >= 0 else -1
    return runs


def _split(text: str, limit: int, intern: bool
           ) -> tuple[dict[str, Any], str, list[tuple[int, int, str]]] | None:
    """tomllib's data of ``text`` without its runs of plain time stamps (each run's
    table is empty in it), the rest of the text (the text without the runs) and where
    the runs are; None when that is not certain (see :func:`_with_runs`)."""
    if '"""' in text or "'''" in text:
        return None  # (a run could be inside a multi-line string)
    runs = _runs(text)
    if not runs or len({name for _, _, name in runs}) != len(runs):
        return None
    pieces, at = [], 0
    for start, end, _ in runs:
        pieces.append(text[at:start])
        at = end
    pieces.append(text[at:])
    rest = "".join(pieces)
    raw = _fast_raw(rest)
    last = _last_bare
    if raw is None or last is None or last[0] is not rest or not last[2]:
        # (unless no value of the rest spans lines, a line that starts with "[" could be
        # in an array, not a header)
        return None
    short: list[datetime | time] = []
    try:
        if intern:
            data = _remade(raw, 0, limit, short)
        else:
            data = raw
            if _as_tomllib(data, short) > limit:
                return None
        if _short_times_in(rest, short):
            return None
    except Exception:  # too deep, a surprise: the usual way decides
        return None
    for _, _, name in runs:
        table = data.get(name)
        if type(table) is not dict or table:
            return None
    return data, rest, runs


def _with_runs(text: str, limit: int, intern: bool = True) -> dict[str, Any] | None:
    """tomllib's data of ``text``, interned (see :func:`loads`; not with ``intern``
    false, as in the pool's workers, whose strings are pickled anyway), its runs of plain time
    stamps read here and the rest by rtoml; None when that is not certain (then the
    whole text is read as usual). The text has no multi-line string and no value of the
    rest spans lines (so a run's header is a header); a run's table must be empty in
    the rest (no other key of it anywhere), its keys each once; every stamp is a valid
    UTC date-time (each is made by ``datetime.fromisoformat``, which refuses what
    tomllib refuses: a 30 February, hour 24, second 60). The lines of a run hold
    nothing the TOML 1.0 checks look for (no brace, quote run, backslash, CR or time
    without seconds), so the rest passes them exactly when the whole text does."""
    global _last_bare
    split = _split(text, limit, intern)
    if split is None:
        return None
    data, _, runs = split
    try:
        for start, end, name in runs:
            found = _RUN_ENTRY.findall(text, start, end)
            entries = ({_intern(key): _from_iso(stamp) for key, stamp in found} if intern
                       else {key: _from_iso(stamp) for key, stamp in found})
            if len(entries) != len(found):
                return None
            data[name] = entries
    except Exception:  # an invalid date, a surprise: the usual way decides
        return None
    _last_bare = (text, None, True)  # (the lines of a run stand alone too)
    return data


# A run's line in parts: the key, the date and the time (the run's pattern took the line:
# these are its parts, their digits maybe not ASCII, which fromisoformat refuses).
_RUN_PARTS = re.compile(r'"([^"]*)" = ([^T]*)T([^Z]*)Z\n')
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_DAYS: dict[str, int] = {}
"""Days since 1970 of each ``YYYY-MM-DD`` seen in a run (learnt by ``date.fromisoformat``,
which refuses what tomllib refuses: 30 February, day 0, year 0). Bounded: emptied when
full."""
_SECONDS: dict[str, int] = {}
"""Seconds since midnight of each ``HH:MM:SS`` seen in a run (learnt by
``time.fromisoformat``, which refuses hour 24, minute 60 and second 60, as tomllib does;
at most 86,400)."""
_DAYS_MAX = 1 << 16

Stamps: TypeAlias = "tuple[tuple[str, ...], array[int], array[int]]"
"""A run of stamps as :func:`loads_stamped` gives it: its keys in order, and each
stamp's days since 1970 and seconds since midnight (UTC)."""


def _days_of(dates: tuple[str, ...]) -> array[int]:
    try:
        return array("i", map(_DAYS.__getitem__, dates))
    except KeyError:
        if len(_DAYS) >= _DAYS_MAX:
            _DAYS.clear()
        for day in {*dates}.difference(_DAYS):
            _DAYS[day] = date.fromisoformat(day).toordinal() - _EPOCH_DAY  # (or ValueError)
        return array("i", map(_DAYS.__getitem__, dates))


def _seconds_of(times: tuple[str, ...]) -> array[int]:
    try:
        return array("i", map(_SECONDS.__getitem__, times))
    except KeyError:
        for moment in {*times}.difference(_SECONDS):
            made = time.fromisoformat(moment)  # (or ValueError)
            _SECONDS[moment] = made.hour * 3600 + made.minute * 60 + made.second
        return array("i", map(_SECONDS.__getitem__, times))


def loads_stamped(text: str, limit: int = MAX_DEPTH
                  ) -> tuple[dict[str, Any], str, dict[str, Stamps]] | None:
    """For a pool's worker, which sends a student's ticks as numbers: :func:`loads`'s
    data of ``text`` (not interned), but each run of plain UTC time stamps (see
    :func:`_with_runs`: the same runs, on the same conditions) left out of it (its table
    empty) and given apart, by its table's name, as its keys and each stamp's days since
    1970 and seconds since midnight, no ``datetime`` made; and the rest of the text (the
    text without the runs). None when :func:`_with_runs` would give None, or a stamp is
    not a valid date-time (then :func:`loads` decides: the data or tomllib's error).
    ``datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days, seconds)`` is the stamp's
    ``datetime`` as :func:`loads` gives it."""
    global _last_bare
    if not FAST or "Z\n" not in text or _bracket_bound(text) > limit:
        return None
    split = _split(text, limit, False)
    if split is None:
        return None
    data, rest, runs = split
    stamps: dict[str, Stamps] = {}
    try:
        for start, end, name in runs:
            keys, dates, times = zip(*_RUN_PARTS.findall(text, start, end), strict=True)
            if len({*keys}) != len(keys):
                return None
            stamps[name] = (keys, _days_of(dates), _seconds_of(times))
    except ValueError:  # an invalid date or time: the usual way gives tomllib's error
        return None
    _last_bare = (text, None, True)  # (the lines of a run stand alone too)
    return data, rest, stamps


def loads(text: str, limit: int = MAX_DEPTH, *, intern: bool = False) -> dict[str, Any]:
    """``tomllib.loads`` that never recurses without bound, and never gives data nested
    deeper than ``limit``: raises :class:`TooDeep` (a ``TOMLDecodeError``) instead.
    With ``rtoml`` installed, faster, with the same result (see the module's doc).

    ``intern``: keys and strings of up to 64 characters are ``sys.intern``-ed (equal
    data; the same activity reference in 5,000 files is then one string in memory)."""
    if _bracket_bound(text) > limit:
        depth, line, col = nesting_depth(text, limit)
        if depth > limit:
            raise TooDeep(depth, line, col, limit)
    if intern:
        if FAST and "Z\n" in text:
            made = _with_runs(text, limit)
            if made is not None:
                return made
        raw = _fast_raw(text) if FAST else None
        if raw is not None:
            short: list[datetime | time] = []
            try:
                made = _remade(raw, 0, limit, short)
                if not _short_times_in(text, short):
                    return made
            except Exception:  # too deep (_Deeper), or a surprise: tomllib decides
                pass
        data, depth = _slow(text, limit)
        if depth <= limit:
            return _remade(data, 0, limit, None)
    else:
        if FAST and "Z\n" in text:
            made = _with_runs(text, limit, intern=False)
            if made is not None:
                return made
        fast = _fast(text) if FAST else None
        if fast is not None:
            data, depth = fast
        else:
            data, depth = _slow(text, limit)
    if depth > limit:
        _, line, col = nesting_depth(text, limit)
        raise TooDeep(depth, line, col, limit)
    return data


def _slow(text: str, limit: int) -> tuple[dict[str, Any], int]:
    """``tomllib``'s data (or error) and the data's depth."""
    try:
        data = tomllib.loads(text)
    except RecursionError:  # pragma: no cover - the checks before are an upper bound
        depth, line, col = nesting_depth(text, limit)
        raise TooDeep(max(depth, limit + 1), line, col, limit) from None
    return data, data_depth(data)
