"""Noticing changes on disk: which class files changed, in batches."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from watchfiles import awatch, watch

from playlist_tui.store import layout
from playlist_tui.store.atomic import SUFFIX

FOLDERS = (layout.STUDENTS_DIR, layout.FRAMEWORKS_DIR, layout.PLAYLISTS_DIR)
STEP_MS = 2
"""A batch is handed over once no new change came for this long (and at the latest after
the debounce). A single save (a rename) is seen within 2-4 ms; a burst with longer pauses
(a git pull on a busy machine) may come as a few batches: the session refreshes them one
job at a time, so batches that arrive while a refresh runs become one refresh. (Waking
every 2 ms costs under 1% of a CPU while nothing changes; 10 ms cost 10-20 ms per change.)"""


def relevant(root: Path, path: str) -> str | None:
    """The class-folder path of a changed file if it matters to the app, else None."""
    try:
        rel = Path(path).resolve().relative_to(root)
    except ValueError:
        return None
    if not rel.parts or rel.parts[0] == ".git" or rel.name.startswith("."):
        return None
    if rel.name.endswith(SUFFIX):
        return None
    if rel.suffix == ".toml":
        return rel.as_posix()
    # A folder of the class renamed, added or deleted (students/ben -> students/benjamin):
    # the watcher reports the folder, not the files in it; ClassStore.refresh() looks
    # into folders it is given.
    if rel.parts[0] in FOLDERS and len(rel.parts) <= 2 and not rel.suffix:
        return rel.as_posix()
    return None


async def changes(root: Path, stop: asyncio.Event, debounce_ms: int = 150,
                  step_ms: int = STEP_MS) -> AsyncIterator[set[str]]:
    """Yield sets of changed class files (a burst such as a git pull comes as one set)."""
    root = root.resolve()
    # rust_timeout: the watching thread wakes up this often, so that stopping (or
    # cancelling) never waits longer than that.
    async for batch in awatch(root, stop_event=stop, debounce=debounce_ms, step=step_ms,
                              recursive=True, rust_timeout=250):
        found = {r for _, p in batch if (r := relevant(root, p)) is not None}
        if found:
            yield found


def changes_blocking(root: Path, stop: threading.Event, debounce_ms: int = 150,
                     step_ms: int = STEP_MS) -> Iterator[set[str]]:
    """:func:`changes` for a thread of its own (the session's watcher): ends when ``stop``
    is set (within a quarter of a second)."""
    root = root.resolve()
    for batch in watch(root, stop_event=stop, debounce=debounce_ms, step=step_ms,
                       recursive=True, rust_timeout=250, yield_on_timeout=False):
        found = {r for _, p in batch if (r := relevant(root, p)) is not None}
        if found and not stop.is_set():
            yield found
