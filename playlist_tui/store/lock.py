"""One writer at a time per clone: the class lock.

Every change the app makes to the work tree or the git index (``ClassStore.apply``: read,
edit, compare, write; a commit; the checkout of a merge; the recovery of a sync that died)
happens while holding one lock per repository, so two app windows, the app and a script,
or a save and a sync in one clone never interleave and overwrite each other.

The lock is ``fcntl.flock`` on ``.git/playlist-tui/lock`` (a class folder that is not in
a git repository uses a file under the user's cache folder, named by a hash of the
folder's path). The kernel releases it when the process that holds it dies, however it
dies (kill -9, a closed laptop), so it is never stale. Inside one process it is
re-entrant per thread (a sync holds it while it commits) and other threads wait for it
like other processes do.

Whoever holds it writes ``pid`` and a short description of what it is doing into the
file; a process that has waited for the bound gets :class:`LockBusy` naming them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

try:  # pragma: no cover - fcntl exists everywhere but Windows
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["DEFAULT_WAIT", "ClassLock", "LockBusy", "class_lock", "git_common_dir"]

DEFAULT_WAIT = 60.0
"""Seconds a save or a git step waits for another writer before giving up."""

_POLL = 0.01


class LockBusy(Exception):
    """Another process kept the class lock for longer than we could wait."""

    def __init__(self, holder: str, waited: float) -> None:
        self.holder = holder
        self.waited = waited
        super().__init__(
            f"another program has been saving or syncing this class for {waited:.0f} s "
            f"({holder}); wait until it finishes, then try again")


def git_common_dir(root: Path) -> Path | None:
    """The ``.git`` folder shared by all work trees of the repository holding ``root``
    (found without running git), or None when ``root`` is not inside one."""
    for folder in (root, *root.parents):
        dot = folder / ".git"
        try:
            if dot.is_dir():
                return dot
            if dot.is_file():
                text = dot.read_text(encoding="utf-8", errors="replace").strip()
                if not text.startswith("gitdir:"):
                    return None
                git_dir = Path(text.removeprefix("gitdir:").strip())
                if not git_dir.is_absolute():
                    git_dir = (folder / git_dir).resolve()
                common = git_dir / "commondir"
                if common.is_file():
                    rel = common.read_text(encoding="utf-8").strip()
                    return (git_dir / rel).resolve()
                return git_dir
        except OSError:
            return None
    return None


def lock_path(root: Path) -> Path:
    common = git_common_dir(root)
    if common is not None:
        return common / "playlist-tui" / "lock"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return base / "playlist-tui" / "locks" / f"{digest}.lock"


def _describe() -> str:
    argv = [os.path.basename(sys.argv[0] or "python"), *sys.argv[1:3]]
    words = " ".join(a.replace("\n", " ")[:40] for a in argv)
    return f"pid {os.getpid()}: {words}"


class ClassLock:
    """The lock of one repository (see the module doc). Use :func:`class_lock` to get the
    one shared object per lock file in this process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._owner: int | None = None
        self._fd: int | None = None
        self.what = ""

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(
            os, "O_CLOEXEC", 0)
        return os.open(self.path, flags, 0o644)

    def holder(self) -> str:
        """Who holds the lock, as they wrote it ('unknown' if they have not yet)."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            text = ""
        return "".join(c if c.isprintable() else " " for c in text)[:200] or "unknown"

    @contextlib.contextmanager
    def hold(self, what: str = "", wait: float = DEFAULT_WAIT) -> Iterator[None]:
        """Hold the lock for the block. Waits at most ``wait`` seconds for other holders
        (threads of this process or other processes), then raises :class:`LockBusy`."""
        start = time.monotonic()
        if not self._thread_lock.acquire(timeout=max(0.0, wait)):
            raise LockBusy(self.holder(), time.monotonic() - start)
        try:
            if self._depth == 0:
                self._acquire_file(what, start, wait)
                self._owner = threading.get_ident()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._release_file()
        finally:
            self._thread_lock.release()

    def _acquire_file(self, what: str, start: float, wait: float) -> None:
        fd = self._open()
        if fcntl is not None:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waited = time.monotonic() - start
                    if waited >= wait:
                        os.close(fd)
                        raise LockBusy(self.holder(), waited) from None
                    time.sleep(_POLL)
                except OSError:
                    os.close(fd)
                    raise
        self._fd = fd
        self.what = what
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{_describe()} ({what or 'saving'})\n".encode(), 0)

    def _release_file(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the last descriptor releases the flock

    @property
    def held(self) -> bool:
        """True when this thread holds the lock."""
        return self._owner == threading.get_ident()


_LOCKS: dict[Path, ClassLock] = {}
_LOCKS_GUARD = threading.Lock()


def class_lock(root: Path | str) -> ClassLock:
    """The lock for the class folder ``root`` (one object per repository per process)."""
    path = lock_path(Path(root).resolve())
    with _LOCKS_GUARD:
        lock = _LOCKS.get(path)
        if lock is None:
            lock = _LOCKS[path] = ClassLock(path)
        return lock
