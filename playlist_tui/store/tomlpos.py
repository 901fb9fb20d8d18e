"""Where things are in a TOML text: key paths to line, column and value span.

``tomllib`` parses values but forgets positions; this scanner recovers them, so that a
problem can point at ``path:line:col`` and an edit can replace exactly one value or line.
It is forgiving by design: it runs on any text, even text that does not parse, and never
raises; whatever it cannot understand it skips to the end of the line.

Paths use strings for keys and integers for positions in arrays (and in arrays of
tables), exactly like the ``loc`` tuples of pydantic errors: ``("tiers", 1, "activities",
0, "kind")``.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from dataclasses import dataclass, field

Path = tuple[str | int, ...]

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_VALUE_END = set(" \t\r\n,]}#")
MAX_NESTING = 100
"""Arrays and inline tables deeper than this are skipped whole, without recording the
positions inside them (and without recursing: any text is scanned in bounded depth)."""
_FLAT = re.compile(r"[\[\]{}\"'#]")


@dataclass
class Entry:
    """A key (or array element) and the span of its value, as offsets in the text."""

    key_start: int
    value_start: int
    value_end: int
    line_end: int  # offset just past the newline of the line where the value ends


@dataclass
class Table:
    header_start: int
    header_end: int  # offset just past the header line
    last_end: int  # offset just past the last key/value line that belongs to this table
    explicit: bool  # declared with a [header] (not only implied by dotted keys)


@dataclass
class Positions:
    text: str
    entries: dict[Path, Entry] = field(default_factory=dict)
    tables: dict[Path, Table] = field(default_factory=dict)
    _lines: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        starts = [0]
        for i, ch in enumerate(self.text):
            if ch == "\n":
                starts.append(i + 1)
        self._lines = starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an offset."""
        line = bisect.bisect_right(self._lines, offset) - 1
        return line + 1, offset - self._lines[line] + 1

    def line_start(self, line: int) -> int:
        return self._lines[line - 1] if 0 < line <= len(self._lines) else len(self.text)

    def locate(self, path: Path) -> tuple[int, int]:
        """Best position for a path: its key, else the nearest ancestor that is known."""
        for n in range(len(path), 0, -1):
            sub = path[:n]
            entry = self.entries.get(sub)
            if entry is not None:
                return self.line_col(entry.key_start)
            table = self.tables.get(sub)
            if table is not None:
                return self.line_col(table.header_start)
        return 1, 1


class _Scanner:
    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0
        self.n = len(text)
        self.pos = Positions(text)
        self.prefix: Path = ()
        self.aot: dict[Path, int] = {}  # arrays of tables: resolved path -> last index
        self.current_table: Path | None = ()
        self.pos.tables[()] = Table(0, 0, 0, True)
        self.depth = 0  # arrays and inline tables open

    # ---------------------------------------------------------------- helpers
    def peek(self) -> str:
        return self.t[self.i] if self.i < self.n else ""

    def skip_ws(self) -> None:
        while self.i < self.n and self.t[self.i] in " \t":
            self.i += 1

    def skip_ws_nl_comments(self) -> None:
        while self.i < self.n:
            ch = self.t[self.i]
            if ch in " \t\r\n":
                self.i += 1
            elif ch == "#":
                self.skip_to_eol()
            else:
                break

    def skip_to_eol(self) -> None:
        nl = self.t.find("\n", self.i)
        self.i = self.n if nl < 0 else nl

    def end_of_line(self, offset: int) -> int:
        nl = self.t.find("\n", offset)
        return self.n if nl < 0 else nl + 1

    # ---------------------------------------------------------------- keys
    def read_key_part(self) -> str | None:
        ch = self.peek()
        if ch == '"':
            return self.read_basic_string()
        if ch == "'":
            end = self.t.find("'", self.i + 1)
            nl = self.t.find("\n", self.i + 1)
            if end < 0 or (0 <= nl < end):
                return None
            value = self.t[self.i + 1 : end]
            self.i = end + 1
            return value
        start = self.i
        while self.i < self.n and self.t[self.i] in _BARE:
            self.i += 1
        return self.t[start : self.i] if self.i > start else None

    def read_dotted_key(self) -> list[str] | None:
        parts: list[str] = []
        while True:
            self.skip_ws()
            part = self.read_key_part()
            if part is None:
                return None
            parts.append(part)
            self.skip_ws()
            if self.peek() == ".":
                self.i += 1
                continue
            return parts

    def read_basic_string(self) -> str | None:
        # at an opening quote of a one-line basic string
        self.i += 1
        out: list[str] = []
        while self.i < self.n:
            ch = self.t[self.i]
            if ch == "\\" and self.i + 1 < self.n:
                nxt = self.t[self.i + 1]
                simple = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r", "b": "\b",
                          "f": "\f"}
                if nxt in simple:
                    out.append(simple[nxt])
                    self.i += 2
                    continue
                if nxt in "uU":
                    width = 4 if nxt == "u" else 8
                    with contextlib.suppress(ValueError):
                        out.append(chr(int(self.t[self.i + 2 : self.i + 2 + width], 16)))
                    self.i += 2 + width
                    continue
                self.i += 2
                continue
            if ch == '"':
                self.i += 1
                return "".join(out)
            if ch == "\n":
                return None
            out.append(ch)
            self.i += 1
        return None

    def resolve(self, keys: list[str], *, new_aot: bool = False) -> Path:
        """Turn header keys into a path, stepping into the last element of arrays of tables."""
        path: list[str | int] = []
        for n, key in enumerate(keys):
            path.append(key)
            last = n == len(keys) - 1
            if last and new_aot:
                index = self.aot.get(tuple(path), -1) + 1
                self.aot[tuple(path)] = index
                path.append(index)
            elif tuple(path) in self.aot:
                path.append(self.aot[tuple(path)])
        return tuple(path)

    # ---------------------------------------------------------------- values
    def skip_value(self, path: Path) -> None:
        ch = self.peek()
        if self.t.startswith('"""', self.i) or self.t.startswith("'''", self.i):
            quote = self.t[self.i : self.i + 3]
            end = self.t.find(quote, self.i + 3)
            self.i = self.n if end < 0 else end + 3
            while self.i < self.n and self.t[self.i] == quote[0]:
                self.i += 1  # up to two quotes may close the string's content
        elif ch == '"':
            if self.read_basic_string() is None:
                self.skip_to_eol()
        elif ch == "'":
            end = self.t.find("'", self.i + 1)
            nl = self.t.find("\n", self.i + 1)
            self.i = end + 1 if end >= 0 and not (0 <= nl < end) else (self.n if nl < 0 else nl)
        elif ch in "[{" and self.depth >= MAX_NESTING:
            self.skip_nested()
        elif ch == "[":
            self.depth += 1
            self.skip_array(path)
            self.depth -= 1
        elif ch == "{":
            self.depth += 1
            self.skip_inline_table(path)
            self.depth -= 1
        else:
            start = self.i
            while self.i < self.n and self.t[self.i] not in _VALUE_END:
                self.i += 1
            # a date-time written with a space: 1979-05-27 07:32:00Z
            if (self.i - start == 10 and self.t[start + 4 : start + 5] == "-"
                    and self.t[self.i : self.i + 1] == " "
                    and self.t[self.i + 1 : self.i + 2].isdigit()):
                self.i += 1
                while self.i < self.n and self.t[self.i] not in _VALUE_END:
                    self.i += 1

    def skip_nested(self) -> None:
        """Skip a whole array or inline table, however deep, without looking inside."""
        depth = 0
        while True:
            match = _FLAT.search(self.t, self.i)
            if match is None:
                self.i = self.n
                return
            self.i = match.start()
            ch = self.t[self.i]
            if ch == "#":
                self.skip_to_eol()
            elif ch in "\"'":
                before = self.i
                self.skip_value(())  # a string
                self.i = max(self.i, before + 1)
            else:
                self.i += 1
                depth += 1 if ch in "[{" else -1
                if depth <= 0:
                    return

    def skip_array(self, path: Path) -> None:
        self.i += 1
        index = 0
        while self.i < self.n:
            self.skip_ws_nl_comments()
            ch = self.peek()
            if ch == "]":
                self.i += 1
                return
            if ch == ",":
                self.i += 1
                continue
            if ch == "" or ch == "=":
                return
            start = self.i
            self.skip_value((*path, index))
            if self.i == start:
                self.i += 1
                continue
            self.pos.entries[(*path, index)] = Entry(
                start, start, self.i, self.end_of_line(self.i))
            index += 1

    def skip_inline_table(self, path: Path) -> None:
        self.i += 1
        while self.i < self.n:
            self.skip_ws()
            ch = self.peek()
            if ch == "}":
                self.i += 1
                return
            if ch == ",":
                self.i += 1
                continue
            if ch in ("\n", ""):
                return
            key_start = self.i
            keys = self.read_dotted_key()
            self.skip_ws()
            if keys is None or self.peek() != "=":
                self.skip_to_eol()
                return
            self.i += 1
            self.skip_ws()
            sub = (*path, *keys)
            value_start = self.i
            self.skip_value(sub)
            self.pos.entries[sub] = Entry(key_start, value_start, self.i,
                                          self.end_of_line(self.i))

    # ---------------------------------------------------------------- lines
    def run(self) -> Positions:
        while self.i < self.n:
            self.skip_ws_nl_comments()
            if self.i >= self.n:
                break
            line_start = self.i
            try:
                if self.peek() == "[":
                    self.header(line_start)
                else:
                    self.key_value(line_start)
            except (IndexError, ValueError):  # pragma: no cover - defensive
                self.skip_to_eol()
        return self.pos

    def header(self, start: int) -> None:
        aot = self.t.startswith("[[", self.i)
        self.i += 2 if aot else 1
        keys = self.read_dotted_key()
        self.skip_ws()
        closing = "]]" if aot else "]"
        if keys is None or not self.t.startswith(closing, self.i):
            self.skip_to_eol()
            self.current_table = None
            return
        self.i += len(closing)
        path = self.resolve(keys, new_aot=aot)
        end = self.end_of_line(self.i)
        self.pos.tables[path] = Table(start, end, end, True)
        if aot:
            self.pos.entries.setdefault(path, Entry(start, start, self.i, end))
            self.pos.entries.setdefault(path[:-1], Entry(start, start, self.i, end))
        self.prefix = path
        self.current_table = path
        self.skip_to_eol()

    def key_value(self, start: int) -> None:
        keys = self.read_dotted_key()
        self.skip_ws()
        if keys is None or self.peek() != "=":
            self.skip_to_eol()
            return
        self.i += 1
        self.skip_ws()
        path = (*self.prefix, *keys)
        value_start = self.i
        self.skip_value(path)
        line_end = self.end_of_line(self.i)
        self.pos.entries[path] = Entry(start, value_start, self.i, line_end)
        if self.current_table is not None:
            table = self.pos.tables.get(self.current_table)
            if table is not None:
                table.last_end = line_end
        self.skip_ws()
        if self.peek() == "#":
            self.skip_to_eol()


def scan(text: str) -> Positions:
    """Positions of every key, array element and table in ``text`` (never raises)."""
    return _Scanner(text).run()
