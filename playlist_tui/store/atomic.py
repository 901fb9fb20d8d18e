"""Atomic file writes: a reader sees the old file or the new one, never half of either.

The new bytes go to a temporary file in the same folder, are flushed and fsynced, then
``os.replace`` swaps it in and the folder is fsynced so the rename itself is durable.
A process killed mid-write leaves at most a temporary file behind, named
``.NAME.PID.RANDOM.playlist-tui-tmp``; :func:`clean_orphans` removes those whose process is
gone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

SUFFIX = ".playlist-tui-tmp"
STALE_AFTER = 3600.0  # seconds: a temp file this old is an orphan whatever its pid says


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover - folders cannot be opened on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{SUFFIX}"
    mode = None
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode & 0o777
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_orphans(root: Path) -> list[Path]:
    """Remove temporary files left by writes that were interrupted. Returns what went."""
    removed: list[Path] = []
    now = time.time()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            if not name.endswith(SUFFIX):
                continue
            path = Path(dirpath) / name
            parts = name[: -len(SUFFIX)].rsplit(".", 2)
            try:
                pid = int(parts[1]) if len(parts) == 3 else -1
                age = now - path.stat().st_mtime
            except (ValueError, FileNotFoundError):
                continue
            if pid < 0 or not _pid_alive(pid) or age > STALE_AFTER:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
    return removed
