"""Reading one TOML file of a class folder: bytes to data, or to clear problems.

:func:`read_regular` reads the bytes, and only from a regular file reached through real
folders: a symbolic link (it could lead outside the class folder, or to ``/dev/stdin``), a
named pipe, a device or a socket is refused with :class:`NotRegular` before anything is
read from it, and nothing it does can make the read wait.

Then checks, in order: size limit, UTF-8, git conflict markers, TOML syntax (with the
nesting limit of :mod:`playlist_tui.model.tomlparse`). Each failure is a :class:`Problem`
with the line and column where it happens and a hint; nothing raises.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
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


# --------------------------------------------------------------------------- regular files

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_DIR_FD = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd and bool(_DIRECTORY)

SYMLINK_HINT = ("replace the link with the real file (links are never followed: one could "
                "lead outside the class folder); nothing was read from it")
SPECIAL_HINT = ("remove it: a class folder holds only regular text files (see "
                "docs/formats.md, Limits); nothing was read from it")
FOLDER_LINK_HINT = ("replace the link with a real folder holding the files (links are "
                    "never followed: one could lead outside the class folder)")


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words ("a symbolic link")."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


class NotRegular(OSError):
    """A class file that is not a regular file, or is reached through a folder that is not
    a real folder: ``where`` (a class-folder path) is ``kind`` ("a symbolic link")."""

    def __init__(self, rel: str, where: str, kind: str) -> None:
        self.rel, self.where, self.kind = rel, where, kind
        super().__init__(self.message)

    @property
    def folder(self) -> bool:
        return self.where != self.rel

    @property
    def message(self) -> str:
        if self.folder and self.kind == "a symbolic link":
            return f"{self.where} is a symbolic link; class folders must be real folders"
        if self.folder:
            return f"{self.where} is {self.kind}, not a folder"
        return f"{self.where} is {self.kind}; class files must be regular files"

    @property
    def hint(self) -> str:
        if self.kind == "a symbolic link":
            return FOLDER_LINK_HINT if self.folder else SYMLINK_HINT
        if self.kind == "a folder":
            return "a class file cannot be a folder: move the folder away and put the file here"
        if self.folder:
            return "remove it, or make it a folder holding the class's files"
        return SPECIAL_HINT

    def problem(self) -> Problem:
        return Problem(self.rel, 1, 1, self.message, self.hint)


def read_regular(root: Path | str, rel: str, max_bytes: int = MAX_FILE_BYTES
                 ) -> tuple[bytes, os.stat_result, os.stat_result]:
    """The first ``max_bytes + 1`` bytes of the class file ``rel`` (a ``/`` path inside
    ``root``), with the file's status before and after the read.

    Every folder from ``root`` down must be a real folder and the file a regular file:
    each is looked at with ``lstat`` first, then opened without following links
    (``O_NOFOLLOW``, and below ``root`` through the folder already opened, so that a
    folder replaced by a link meanwhile is not followed either) and without waiting
    (``O_NONBLOCK``: a named pipe swapped in cannot block), and the open file is checked
    again with ``fstat`` before one byte is read. ``root`` itself may be a link (the
    teacher chose it). Raises FileNotFoundError when the file (or a folder) is missing,
    :class:`NotRegular` when something on the way is not what it must be, OSError else.
    """
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") for p in parts):
        raise NotRegular(rel, rel, "not a path inside the class folder")
    if _DIR_FD:
        return _read_at(os.fspath(root), rel, parts, max_bytes)
    return _read_by_path(os.fspath(root), rel, parts, max_bytes)  # pragma: no cover


def _check_mode(rel: str, where: str, mode: int, folder: bool) -> None:
    if folder and not stat.S_ISDIR(mode):
        raise NotRegular(rel, where, kind_of(mode))
    if not folder and not stat.S_ISREG(mode):
        raise NotRegular(rel, where, kind_of(mode))


def _read_at(root: str, rel: str, parts: list[str], max_bytes: int
             ) -> tuple[bytes, os.stat_result, os.stat_result]:
    dir_flags = os.O_RDONLY | _DIRECTORY | _CLOEXEC
    fd = os.open(root, dir_flags)
    try:
        for i, part in enumerate(parts):
            where = "/".join(parts[: i + 1])
            last = i == len(parts) - 1
            _check_mode(rel, where, os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode,
                        folder=not last)
            flags = (os.O_RDONLY | _NONBLOCK | _NOFOLLOW | _CLOEXEC) if last else (
                dir_flags | _NOFOLLOW)
            try:
                new = os.open(part, flags, dir_fd=fd)
            except OSError as exc:  # changed since the lstat: a link or not a folder
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise NotRegular(rel, where, "a symbolic link") from None
                raise
            os.close(fd)
            fd = new
        return _read_open(rel, fd, max_bytes)
    finally:
        os.close(fd)


def _read_by_path(root: str, rel: str, parts: list[str], max_bytes: int
                  ) -> tuple[bytes, os.stat_result, os.stat_result]:  # pragma: no cover
    """Where folders cannot be opened (Windows): lstat each step, then open the file."""
    for i in range(len(parts)):
        where = "/".join(parts[: i + 1])
        _check_mode(rel, where, os.lstat(os.path.join(root, where)).st_mode,
                    folder=i < len(parts) - 1)
    fd = os.open(os.path.join(root, rel),
                 os.O_RDONLY | _NONBLOCK | _NOFOLLOW | _CLOEXEC | getattr(os, "O_BINARY", 0))
    try:
        return _read_open(rel, fd, max_bytes)
    finally:
        os.close(fd)


def _read_open(rel: str, fd: int, max_bytes: int
               ) -> tuple[bytes, os.stat_result, os.stat_result]:
    before = os.fstat(fd)
    _check_mode(rel, rel, before.st_mode, folder=False)
    chunks: list[bytes] = []
    left = max_bytes + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks), before, os.fstat(fd)


def read_problem(rel: str, exc: OSError) -> Problem:
    """The problem to report for a class file that could not be read."""
    if isinstance(exc, NotRegular):
        return exc.problem()
    return Problem(rel, 1, 1, f"cannot read the file: {exc.strerror or exc}",
                   "check the file's permissions")


def read_text(root: Path | str, rel: str, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """The text of a class file read as :func:`read_regular` does; None when it is
    missing, not a regular file, too large or not UTF-8 (for readers that only need the
    text when there is one)."""
    with contextlib.suppress(OSError):
        raw = read_regular(root, rel, max_bytes)[0]
        if len(raw) <= max_bytes:
            return decode(rel, raw, max_bytes)[0]
    return None


# --------------------------------------------------------------------------- bytes to data


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


_MARKERS = ("<" * 7, "=" * 7, ">" * 7, "|" * 7)


def conflict_problem(path: str, text: str) -> Problem | None:
    # A marker is seven of these characters at the start of a line: without any seven in
    # a row there is none, and looking for them is faster than the regular expression.
    if not any(marker in text for marker in _MARKERS):
        return None
    match = _CONFLICT.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return Problem(
        path, line, 1,
        f"unfinished git merge: conflict marker {match.group(1)!r} in the file",
        "keep the lines you want, delete the <<<<<<<, ======= and >>>>>>> lines, then "
        "commit; or run 'git merge --abort'")


def parse_text(path: str, text: str, intern: bool = False
               ) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The data of a file's text, or its problem (``intern``: see tomlparse.loads)."""
    conflict = conflict_problem(path, text)
    if conflict is not None:
        return None, [conflict]
    try:
        return tomlparse.loads(text, intern=intern), []
    except tomlparse.TooDeep as exc:
        return None, [Problem(
            path, exc.line, exc.col,
            f"values nested {exc.depth:,} deep; the limit is {exc.limit}",
            "class files nest tables and arrays only a few levels deep: remove this "
            "value (a file like this was made to break the tools, not by an editor)")]
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


def parse_bytes(path: str, raw: bytes, max_bytes: int = MAX_FILE_BYTES,
                intern: bool = False) -> Parsed:
    text, problems = decode(path, raw, max_bytes)
    if text is None:
        return Parsed(path, None, None, problems)
    data, problems = parse_text(path, text, intern)
    return Parsed(path, text, data, problems)
