"""The class folder on disk: load it, and apply operations to it safely.

``apply`` re-reads the target file, applies the operation's edit to what is there now (so
an edit made by another program since the app loaded is kept), and writes atomically. It
writes nothing when the file on disk does not parse (a half-finished merge, a typo): the
user is told why and keeps the file as it is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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


class ClassStore:
    """One class folder. ``load`` and ``refresh`` may be called from any thread (one at a
    time: they wait for each other)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self._loader = FolderLoader(self.root, MAX_FILE_BYTES)
        self._cache = Cache(self.root, MAX_FILE_BYTES)
        self._lock = threading.Lock()

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

    def apply(self, op: Operation) -> Applied:
        rel = op.path
        for _ in range(_RETRIES):
            raw, text, bom = self._read(rel)
            if raw is None:
                text = op.new_file()
            conflict = conflict_problem(rel, text)
            if conflict is not None:
                raise OperationError(rel, f"{conflict.message} at line {conflict.line}; "
                                     "nothing was written. Finish the merge first.")
            _, problems = parse_text(rel, text)
            if problems:
                p = problems[0]
                raise OperationError(rel, f"the file does not parse ({p.line}:{p.col}: "
                                     f"{p.message}); nothing was written. Fix the file first.")
            try:
                new_text = op.edit(text)
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
            return Applied(rel, True, new_text)
        raise OperationError(rel, "the file kept changing while saving; try again")
