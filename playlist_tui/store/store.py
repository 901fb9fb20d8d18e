"""The class folder on disk: load it, and apply operations to it safely.

``apply`` re-reads the target file, applies the operation's edit to what is there now (so
an edit made by another program since the app loaded is kept), and writes atomically. It
writes nothing when the file on disk does not parse (a half-finished merge, a typo): the
user is told why and keeps the file as it is. The file is parsed once per operation, or
not at all when its text is exactly the one the store last read or wrote there (the data
of a written text is the one its verified edit gave).
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import threading
import time
import tomllib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playlist_tui.model import tomlparse
from playlist_tui.store.atomic import atomic_write, clean_orphans
from playlist_tui.store.cache import Cache
from playlist_tui.store.gitcmd import git_env
from playlist_tui.store.layout import MAX_FILE_BYTES
from playlist_tui.store.loader import FolderLoader, LoadResult
from playlist_tui.store.lock import DEFAULT_WAIT, LockBusy, class_lock
from playlist_tui.store.reading import BOM, conflict_problem, decode, parse_text

if TYPE_CHECKING:  # the writing side (tomlkit, the text editor) is imported when first used:
    # commands that only read a class (validate, report) never need it
    from playlist_tui.store.ops import Operation

_RETRIES = 5
_MISSING_WAIT = 2.0
"""Seconds a save waits for a tracked file that is missing to come back (a git command
run by hand may be replacing it) before it refuses."""


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


class _CacheWriter:
    """Writes the cache after a load or refresh has returned its result (at L, writing
    the pack again after a morning sync takes as long as the rest of the load), in one
    thread per class folder, in order. The thread ends when nothing is left to write; it
    is not a daemon, so a process that ends (``validate``) first finishes writing. Every
    cache file is written atomically (see :mod:`playlist_tui.store.cache`): a process
    stopped mid-write leaves the previous cache, never a half-written one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: deque[Callable[[], None]] = deque()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    @classmethod
    def of(cls, root: Path) -> _CacheWriter:
        """The writer of a class folder (shared by every store of it in this process)."""
        with _WRITERS_LOCK:
            writer = _WRITERS.get(root)
            if writer is None:
                writer = _WRITERS[root] = cls()
            return writer

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._jobs.append(job)
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=False,
                                                name="playlist-tui cache writer")
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._thread = None
                    self._idle.set()
                    return
                job = self._jobs.popleft()
            with contextlib.suppress(Exception):  # the cache is only an optimisation
                job()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted is written; False if ``timeout`` passed first."""
        return self._idle.wait(timeout)


_WRITERS: dict[Path, _CacheWriter] = {}
_WRITERS_LOCK = threading.Lock()


def wait_for_cache(timeout: float | None = None) -> bool:
    """Wait until every store of this process has written its cache (see
    :meth:`ClassStore.wait_for_cache`); False if ``timeout`` passed first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with _WRITERS_LOCK:
        writers = list(_WRITERS.values())
    for writer in writers:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not writer.wait(left):
            return False
    return True


class ClassStore:
    """One class folder. ``load`` and ``refresh`` may be called from any thread (one at a
    time: they wait for each other). The cache is written after they return, in the
    background (:meth:`wait_for_cache`, :meth:`close`)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self._loader = FolderLoader(self.root, MAX_FILE_BYTES)
        self._cache = Cache(self.root, MAX_FILE_BYTES)
        self._writer = _CacheWriter.of(self.root)
        self._lock = threading.Lock()
        # The last text of a few files that apply() read or wrote, with what it parses
        # to: a file whose text is exactly that one is not parsed again (the next tick).
        self._known: dict[str, tuple[str, dict[str, Any]]] = {}
        self._known_lock = threading.Lock()
        self._last_result: LoadResult | None = None  # (see identities_for)

    def load(self) -> LoadResult:
        """The whole class, as :func:`playlist_tui.store.loader.load_class` gives it.

        Files whose identity (size, times, inode) has not changed since they were last
        read, in this process or an earlier one (the cache under ``.git/playlist-tui`` or
        the user's cache folder: see :mod:`playlist_tui.store.cache`), are not read again.
        """
        with self._lock:
            return self._load()

    def identities(self) -> dict[str, tuple[int, ...] | None]:
        """The identity of each file the last load or refresh used, as it was when read
        (None: it cannot be trusted, the file was changing): see
        :mod:`playlist_tui.store.verdict`."""
        with self._lock:
            return {rel: entry.ident for rel, entry in self._loader.entries.items()}

    def growths_for(self, result: LoadResult
                    ) -> dict[str, tuple[tuple[int, ...], str]] | None:
        """For each file of ``result`` that was read by its new lines only (it gained
        entries at the end of one table since the version before, see
        :func:`playlist_tui.store.loader._grown`): the identity of that version and the
        name of the table. None as :meth:`identities_for`."""
        with self._lock:
            if result is not self._last_result:
                return None
            out: dict[str, tuple[tuple[int, ...], str]] = {}
            for rel, entry in self._loader.entries.items():
                growth = entry.growth
                if growth is not None and isinstance(growth[0], tuple):
                    out[rel] = (growth[0], growth[1])
            return out

    def identities_for(self, result: LoadResult) -> dict[str, tuple[int, ...] | None] | None:
        """:meth:`identities` of the files ``result`` was made from; None when the store
        has loaded or refreshed since (so that nothing is ever filed under the identities
        of files newer than what it was worked out from)."""
        with self._lock:
            if result is not self._last_result:
                return None
            return {rel: entry.ident for rel, entry in self._loader.entries.items()}

    def wait_for_cache(self, timeout: float | None = None) -> bool:
        """Wait until the cache holds what the loads and refreshes so far read (it is
        written in the background after they return); False if ``timeout`` passed."""
        return self._writer.wait(timeout)

    def close(self) -> None:
        """Finish writing the cache (a process also does this before it ends)."""
        self._writer.wait()

    def _load(self) -> LoadResult:
        if self._loader.folder is None:  # the first load: start from the cache
            # (after what this process is still writing there, by another store too)
            self._writer.wait()
            known, checks = self._cache.read()
            result = self._loader.load(known, checks)
        else:
            result = self._loader.load()
        self._last_result = result
        cache, entries = self._cache, dict(self._loader.entries)  # (refresh changes them)
        fresh, checks = self._loader.take_fresh(), self._loader.checks()
        self._writer.submit(lambda: cache.update(entries, fresh, checks))
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
            self._last_result = result
            cache, fresh = self._cache, list(self._loader.take_fresh().items())
            self._writer.submit(lambda: cache.write_new(fresh))
            return result

    def clean(self) -> list[Path]:
        """Remove temporary files left behind by interrupted writes."""
        return clean_orphans(self.root)

    def _check_path(self, rel: str) -> None:
        """:class:`OperationError` unless every folder from the class folder down to ``rel``
        is a real folder and ``rel`` is a regular file or absent: the store never reads or
        writes through a symbolic link (it could lead out of the class folder)."""
        parts = rel.split("/")
        if not rel or any(p in ("", ".", "..") for p in parts):
            raise OperationError(rel, "not a path inside the class folder; nothing was written")
        current = self.root
        for i, part in enumerate(parts):
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                return
            except OSError as exc:
                raise OperationError(rel, f"cannot read the file ({exc.strerror}); nothing "
                                     "was written") from exc
            last = i == len(parts) - 1
            if stat.S_ISLNK(mode):
                what = "file" if last else f"folder {'/'.join(parts[: i + 1])}"
                raise OperationError(rel, f"the {what} is a symbolic link; class files must "
                                     "be regular files inside the class folder, so nothing "
                                     "was written. Replace the link with the real file.")
            if last and not stat.S_ISREG(mode):
                raise OperationError(rel, "not a regular file (a folder, pipe or device); "
                                     "nothing was written")
            if not last and not stat.S_ISDIR(mode):
                raise OperationError(rel, f"{'/'.join(parts[: i + 1])} is not a folder; "
                                     "nothing was written")

    def _read(self, rel: str) -> tuple[bytes | None, str, bool]:
        self._check_path(rel)
        path = self.root / rel
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None, "", False
        except OSError as exc:
            raise OperationError(rel, f"cannot read the file ({exc.strerror}); nothing was "
                                 "written") from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OperationError(rel, "not a regular file; nothing was written")
            with os.fdopen(fd, "rb", closefd=False) as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise OperationError(rel, f"cannot read the file ({exc.strerror}); nothing was "
                                 "written") from exc
        finally:
            os.close(fd)
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

    def _known_to_exist(self, rel: str) -> bool:
        """True when ``rel`` is tracked by git or was there at the last load: a file that
        is missing now is then being replaced (a checkout, a merge) or was lost, and a
        save must not start it again from nothing."""
        if rel in self._loader.entries:
            return True
        with self._known_lock:
            if rel in self._known:
                return True
        try:
            out = subprocess.run(
                ["git", "-C", str(self.root), "ls-files", "--error-unmatch", "--", rel],
                capture_output=True, env=git_env(), timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return out.returncode == 0

    def apply(self, op: Operation, wait: float = DEFAULT_WAIT) -> Applied:
        """Apply one operation to its file: read, edit, verify, write atomically, all while
        holding the class lock (:mod:`playlist_tui.store.lock`), so no other save or git
        step of this clone runs in between. Waits at most ``wait`` seconds for another
        writer; :class:`OperationError` says who held the lock if it was too long."""
        try:
            with class_lock(self.root).hold(f"saving {op.path}", wait=wait):
                return self._apply(op)
        except LockBusy as exc:
            raise OperationError(op.path, f"{exc}; nothing was written") from None

    def _apply(self, op: Operation) -> Applied:
        from playlist_tui.store.tomltext import EditError

        rel = op.path
        for _ in range(_RETRIES):
            raw, text, bom = self._read(rel)
            if raw is None and self._known_to_exist(rel):
                deadline = time.monotonic() + _MISSING_WAIT
                while raw is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                    raw, text, bom = self._read(rel)
                if raw is None:
                    raise OperationError(
                        rel, "the file is missing although git tracks it or it was there a "
                        "moment ago (a git command may be replacing it); nothing was written, "
                        "so it is not started again from nothing. Try again in a moment; if "
                        "it stays missing, bring it back with 'git checkout -- FILE'.")
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
