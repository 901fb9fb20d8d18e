"""The class folder on disk: load it, and apply operations to it safely.

``apply`` re-reads the target file, applies the operation's edit to what is there now (so
an edit made by another program since the app loaded is kept), and writes atomically. It
writes nothing when the file on disk does not parse (a half-finished merge, a typo): the
user is told why and keeps the file as it is. The file is parsed once per operation, or
not at all when its text is exactly the one the store last read or wrote there (the data
of a written text is the one its verified edit gave).
"""

from __future__ import annotations

import os
import threading
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playlist_tui.model import tomlparse
from playlist_tui.store.atomic import atomic_write, clean_orphans
from playlist_tui.store.cache import Cache
from playlist_tui.store.layout import MAX_FILE_BYTES
from playlist_tui.store.loader import FolderLoader, LoadResult
from playlist_tui.store.ops import Operation
from playlist_tui.store.reading import BOM, conflict_problem, decode, parse_text
from playlist_tui.store.tomltext import EditError

_RETRIES = 5


class OperationError(Exception):
    """An operation was not applied; the message says why and what to do. Nothing was written."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Applied:
    path: str
    changed: bool
    text: str


_MARKERS = ("<" * 7, "=" * 7, ">" * 7, "|" * 7)
_KNOWN = 8  # files whose last text the store keeps with its data


def _refuse_conflict(rel: str, text: str) -> None:
    """:class:`OperationError` if ``text`` holds git conflict markers."""
    # A marker is seven of these characters at the start of a line: without any seven in
    # a row there is none, and looking for them is faster than the regular expression.
    conflict = (conflict_problem(rel, text)
                if any(marker in text for marker in _MARKERS) else None)
    if conflict is not None:
        raise OperationError(rel, f"{conflict.message} at line {conflict.line}; "
                             "nothing was written. Finish the merge first.")


def _parse(rel: str, text: str) -> dict[str, Any]:
    """What ``text`` parses to; :class:`OperationError` if it does not parse (worded as
    :func:`playlist_tui.store.reading.parse_text` words it)."""
    try:
        return tomlparse.loads(text)
    except tomllib.TOMLDecodeError:
        _, problems = parse_text(rel, text)  # the error as the loader words it
        p = problems[0]
        raise OperationError(rel, f"the file does not parse ({p.line}:{p.col}: "
                             f"{p.message}); nothing was written. Fix the file first."
                             ) from None


class ClassStore:
    """One class folder. ``load`` and ``refresh`` may be called from any thread (one at a
    time: they wait for each other)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self._loader = FolderLoader(self.root, MAX_FILE_BYTES)
        self._cache = Cache(self.root, MAX_FILE_BYTES)
        self._lock = threading.Lock()
        # The last text of a few files that apply() read or wrote, with what it parses
        # to: a file whose text is exactly that one is not parsed again (the next tick).
        self._known: dict[str, tuple[str, dict[str, Any]]] = {}
        self._known_lock = threading.Lock()

    def load(self) -> LoadResult:
        """The whole class, as :func:`playlist_tui.store.loader.load_class` gives it.

        Files whose identity (size, times, inode) has not changed since they were last
        read, in this process or an earlier one (the cache under ``.git/playlist-tui`` or
        the user's cache folder: see :mod:`playlist_tui.store.cache`), are not read again.
        """
        with self._lock:
            return self._load()

    def _load(self) -> LoadResult:
        if self._loader.folder is None:  # the first load: start from the cache
            known, checks = self._cache.read()
            result = self._loader.load(known, checks)
        else:
            result = self._loader.load()
        self._cache.update(self._loader.entries, self._loader.take_fresh(),
                           self._loader.checks())
        return result

    def refresh(self, changed: Iterable[str | os.PathLike[str]]) -> LoadResult:
        """The whole class again after the given files changed on disk.

        ``changed`` holds class-folder paths (``students/ana/student.toml``; a folder such
        as ``students/ana`` works too). Only those files are read again, with the folders
        they are in (so a file added, deleted or renamed there is seen); everything else
        comes from the last load, and only the students whose files changed are checked
        again. Before any load, this is :meth:`load`.
        """
        with self._lock:
            if self._loader.folder is None:
                return self._load()
            result = self._loader.refresh(changed)
            self._cache.write_new(self._loader.take_fresh().items())
            return result

    def clean(self) -> list[Path]:
        """Remove temporary files left behind by interrupted writes."""
        return clean_orphans(self.root)

    def _read(self, rel: str) -> tuple[bytes | None, str, bool]:
        path = self.root / rel
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None, "", False
        except OSError as exc:
            raise OperationError(rel, f"cannot read the file ({exc.strerror}); nothing was "
                                 "written") from exc
        text, problems = decode(rel, raw, MAX_FILE_BYTES)
        if text is None:
            raise OperationError(rel, f"{problems[0]}; nothing was written")
        return raw, text, raw.startswith(BOM.encode())

    def _parsed(self, rel: str, text: str) -> dict[str, Any]:
        """What ``text`` (of the file ``rel``) parses to. Not parsed again if it is exactly
        the text that this store last read or wrote there (the data is then the one it
        parsed, or the one the verified edit gave); the data is not to be changed."""
        with self._known_lock:
            known = self._known.get(rel)
        if known is not None and known[0] == text:
            return known[1]
        data = _parse(rel, text)
        self._remember(rel, text, data)
        return data

    def _remember(self, rel: str, text: str, data: dict[str, Any] | None) -> None:
        with self._known_lock:
            self._known.pop(rel, None)
            if data is not None:
                self._known[rel] = (text, data)
            while len(self._known) > _KNOWN:
                del self._known[next(iter(self._known))]

    def apply(self, op: Operation) -> Applied:
        rel = op.path
        for _ in range(_RETRIES):
            raw, text, bom = self._read(rel)
            if raw is None:
                text = op.new_file()
            _refuse_conflict(rel, text)
            parsed = self._parsed(rel, text)
            try:
                # The text is parsed once (or not at all: see _parsed); the operation gets
                # the data with it, and gives what its new text parses to when it knows.
                new_text, new_data = op.edit_parsed(text, parsed)
            except EditError as exc:
                raise OperationError(rel, f"{exc}; nothing was written") from exc
            if raw is not None and new_text == text:
                return Applied(rel, False, text)
            data = ((BOM if bom else "") + new_text).encode("utf-8")
            # Compare-and-swap: if the file changed while we edited, start again from it.
            current, _, _ = self._read(rel)
            if current != raw:
                continue
            try:
                atomic_write(self.root / rel, data)
            except OSError as exc:
                raise OperationError(rel, f"could not save ({exc.strerror or exc}); nothing "
                                     "was written. Check that the folder is writable.") from exc
            self._remember(rel, new_text, new_data)
            return Applied(rel, True, new_text)
        raise OperationError(rel, "the file kept changing while saving; try again")
