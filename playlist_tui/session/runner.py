"""Where a session runs its work: background jobs and timers.

The session is Textual-free; the UI may give it a :class:`Runner` that runs jobs as its
own workers (so its tests can wait for them). Without one, :class:`ThreadRunner` uses
plain threads and :class:`threading.Timer`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class Later:
    """A callable to run once after a delay, unless cancelled first (thread-safe)."""

    def __init__(self, fn: Callable[[], None]) -> None:
        self._fn = fn
        self._lock = threading.Lock()
        self._done = False

    def cancel(self) -> None:
        with self._lock:
            self._done = True

    def fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._fn()


class Runner(Protocol):
    def run(self, job: Callable[[], None], group: str) -> None:
        """Run ``job`` in a background thread (``group`` names the kind of work)."""

    def later(self, seconds: float, later: Later) -> None:
        """Call ``later.fire`` after ``seconds`` (on any thread)."""


class ThreadRunner:
    """Jobs on daemon threads, timers with :class:`threading.Timer`."""

    def run(self, job: Callable[[], None], group: str) -> None:
        threading.Thread(target=job, name=f"session-{group}", daemon=True).start()

    def later(self, seconds: float, later: Later) -> None:
        timer = threading.Timer(seconds, later.fire)
        timer.daemon = True
        timer.start()
