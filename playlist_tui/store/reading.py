"""Reading one TOML file of a class folder: bytes to data, or to clear problems.

Checks, in order: size limit, UTF-8, git conflict markers, TOML syntax. Each failure is a
:class:`Problem` with the line and column where it happens and a hint; nothing raises.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from playlist_tui.model import tomlparse
from playlist_tui.model.problems import Problem
from playlist_tui.store.layout import MAX_FILE_BYTES

BOM = "\ufeff"
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: |$)", re.MULTILINE)
_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass
class Parsed:
    path: str
    text: str | None  # None when the bytes could not be decoded
    data: dict[str, Any] | None  # None when the text is not valid TOML
    problems: list[Problem]


def decode(path: str, raw: bytes, max_bytes: int = MAX_FILE_BYTES
           ) -> tuple[str | None, list[Problem]]:
    if len(raw) > max_bytes:
        return None, [Problem(
            path, 1, 1,
            f"the file is {len(raw):,} bytes, more than the limit of {max_bytes:,}",
            "class files are small text files; split it, or check that this is the right file")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        return None, [Problem(
            path, line, col,
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be read)",
            "save the file as UTF-8 in your editor")]
    if text.startswith(BOM):
        text = text[1:]
    return text, []


def conflict_problem(path: str, text: str) -> Problem | None:
    match = _CONFLICT.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return Problem(
        path, line, 1,
        f"unfinished git merge: conflict marker {match.group(1)!r} in the file",
        "keep the lines you want, delete the <<<<<<<, ======= and >>>>>>> lines, then "
        "commit; or run 'git merge --abort'")


def parse_text(path: str, text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    conflict = conflict_problem(path, text)
    if conflict is not None:
        return None, [conflict]
    try:
        return tomlparse.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_AT.search(message)
        if match:
            line, col = int(match.group(1)), int(match.group(2))
        else:
            line = text.count("\n") + 1
            col = len(text) - (text.rfind("\n") + 1) + 1
        what = _TOML_AT.sub("", message).replace("(at end of document)", "").strip()
        lower = what.lower()
        if "unclosed array" in lower or "unclosed inline table" in lower:
            line, col = _opening(text, line, col, "[" if "array" in lower else "{")
        return None, [Problem(path, line, col, f"not valid TOML: {what}", _toml_hint(what))]


def _opening(text: str, line: int, col: int, bracket: str) -> tuple[int, int]:
    """Where an unclosed array or inline table opens: the nearest line above with more
    opening than closing brackets (tomllib reports where it gave up, often lines later)."""
    closing = "]" if bracket == "[" else "}"
    lines = text.split("\n")
    for n in range(min(line, len(lines)) - 1, max(-1, line - 60), -1):
        current = lines[n].split("#", 1)[0]
        if "=" in current and current.count(bracket) > current.count(closing):
            return n + 1, current.index(bracket, current.index("=")) + 1
    return line, col


def _toml_hint(what: str) -> str:
    lower = what.lower()
    if "cannot overwrite" in lower or "cannot declare" in lower or "duplicate" in lower:
        return "a key or table appears twice; remove or rename one of them"
    if "illegal character" in lower and "\\n" in lower:
        return "a string is not closed: add the closing quote before the end of the line"
    if "unclosed array" in lower:
        return ("put a comma between the values of the array and close it with ']' "
                "(check for a missing quote too)")
    if "unclosed inline table" in lower:
        return "an inline table { ... } must be closed with '}' on the same line"
    if "invalid value" in lower:
        return "put text in double quotes; write dates like 2026-11-03T10:15:00Z"
    if "unclosed" in lower or "expected" in lower:
        return "check for a missing quote, bracket or '=' on this line"
    return "see docs/formats.md for how this file is written"


def parse_bytes(path: str, raw: bytes, max_bytes: int = MAX_FILE_BYTES) -> Parsed:
    text, problems = decode(path, raw, max_bytes)
    if text is None:
        return Parsed(path, None, None, problems)
    data, problems = parse_text(path, text)
    return Parsed(path, text, data, problems)
