"""Per-student numbers kept from one run of the app to the next.

The dashboard's "N checks waiting" counts the requests waiting in every student's files.
At 5,000 students that means making 10,000 models from the cache (seconds), although the
answer for a student can only change when one of their two files changes. So each
student's count is kept with the identities (``lstat``: mode, size, times, inode) of the
``student.toml`` and ``teacher.toml`` it was counted from, as the store read them for
the very class it was counted in (:meth:`ClassStore.identities_for`), and given again
while both files have exactly those identities, or while the teacher's file is the same
and the student's only gained entries of tables the number does not read (a sync that
brings a day's ticks: the store says what grew, ClassStore.growths_for). A file whose
identity the store could not trust (it was changing when read) is counted again every
time.

The numbers live beside the class's cache (``tally-NAME`` in
:func:`playlist_tui.store.cachefiles.cache_dir`), as JSON sealed with the cache's MAC,
whose key also hashes the code that counts (so a new version counts again); a file that
is not exactly what this user wrote is ignored. ``PLAYLIST_TUI_CACHE=off``: nothing kept.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from playlist_tui.store import cachefiles, layout

VERSION = 1
Idents = Mapping[str, tuple[int, ...] | None]
Grown = Mapping[str, tuple[tuple[int, ...], str]]

_save_lock = threading.Lock()


def _key(root: Path, name: str, sources: tuple[str, ...]) -> bytes | None:
    return cachefiles.key_over(root, layout.MAX_FILE_BYTES,
                               b"tally %d %s" % (VERSION, name.encode()),
                               (*sources, "session/tallies.py"))


class Tally:
    """One number per student (``name``: what is counted), for one version of the class.

    ``get(sid)`` gives the number kept for the student if their files are the same ones;
    ``put(sid, n)`` files a number worked out from this version; ``save()`` writes what
    was learnt. Safe to use from one thread at a time (the dashboard's count)."""

    def __init__(self, root: Path, name: str, idents: Idents,
                 sources: tuple[str, ...], grown: Grown | None = None,
                 unaffected: frozenset[str] = frozenset()) -> None:
        """``grown``: the files read by their new lines since a version before (path ->
        that version's identity, the table that gained entries: ClassStore.growths_for);
        a student file that only gained entries of an ``unaffected`` table keeps the
        number counted from the version before."""
        self.root = Path(root).resolve()
        self.name = name
        self._idents = idents
        self._grown = grown or {}
        self._unaffected = unaffected
        self._mac = _key(self.root, name, sources)
        folder = cachefiles.cache_dir(self.root)
        self._path = None if folder is None or self._mac is None else folder / f"tally-{name}"
        self._kept: dict[str, tuple[str, int]] = self._read()
        self._learnt = False

    def _files_key(self, sid: str, before: bool = False) -> str | None:
        """What the student's number depends on, as text; None if it cannot be trusted.
        ``before``: with the student's file as it was before it grew by entries of an
        unaffected table (None if it did not)."""
        parts = []
        for rel in (layout.student_file(sid), layout.teacher_file(sid)):
            if rel not in self._idents:
                parts.append("-")  # (not there)
                continue
            ident = self._idents[rel]
            if before and rel == layout.student_file(sid):
                grown = self._grown.get(rel)
                if grown is None or grown[1] not in self._unaffected:
                    return None
                ident = grown[0]
            if ident is None:
                return None
            parts.append(",".join(map(str, ident)))
        return "|".join(parts)

    def get(self, sid: str) -> int | None:
        kept = self._kept.get(sid)
        if kept is None:
            return None
        key = self._files_key(sid)
        if key is not None and kept[0] == key:
            return kept[1]
        if key is not None and kept[0] == self._files_key(sid, before=True):
            self.put(sid, kept[1])  # (the same number, filed under the grown file)
            return kept[1]
        return None

    def put(self, sid: str, value: int) -> None:
        key = self._files_key(sid)
        if key is None or self._kept.get(sid) == (key, value):
            return
        self._kept[sid] = (key, value)
        self._learnt = True

    def save(self) -> None:
        """Write the numbers (of the students still in the class) if any was learnt."""
        if not self._learnt or self._path is None or self._mac is None:
            return
        students = {rel.split("/")[1] for rel in self._idents
                    if rel.startswith(f"{layout.STUDENTS_DIR}/")}
        payload = json.dumps({
            "version": VERSION,
            "counts": {sid: [key, value] for sid, (key, value) in sorted(self._kept.items())
                       if sid in students},
        }, ensure_ascii=True, separators=(",", ":")).encode()
        with _save_lock, contextlib.suppress(OSError):
            cachefiles.write_sealed(self._path, self._mac, payload)
        self._learnt = False

    def _read(self) -> dict[str, tuple[str, int]]:
        if self._path is None or self._mac is None:
            return {}
        try:
            content: Any = json.loads(cachefiles.read_sealed(self._path, self._mac))
            if content.get("version") != VERSION:
                return {}
            return {str(sid): (str(key), int(value))
                    for sid, (key, value) in content["counts"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}
