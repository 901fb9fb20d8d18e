"""Where the time of a change goes, for the benchmarks (bench/terminal_change.py).

With ``PLAYLIST_TUI_TRACE=FILE`` in the environment, :func:`mark` appends one line
``STAGE MONOTONIC_SECONDS`` to FILE at each stage a change on disk passes through (the
watcher saw it, the store has it, the screen has it, the frame is written). Without it,
:func:`mark` does nothing. ``time.monotonic`` is the same clock in every process of the
machine (``CLOCK_MONOTONIC``), so a benchmark can compare it with its own.
"""

from __future__ import annotations

import os
import time

_FILE = os.environ.get("PLAYLIST_TUI_TRACE")
_fd: int | None = None


def enabled() -> bool:
    return _FILE is not None


def mark(stage: str) -> None:
    """Note that a change reached ``stage`` now (nothing unless tracing is on)."""
    global _fd
    if _FILE is None:
        return
    if _fd is None:
        _fd = os.open(_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(_fd, f"{stage} {time.monotonic():.6f}\n".encode())
