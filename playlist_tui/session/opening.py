"""The first screen of the app, kept from one run to the next (the *opening*).

Loading a class means importing the store and the models and reading the class (or its
cache): at 5,000 students that is seconds, at 150 students half a second, several times
what Textual needs to paint a first screen. So when the app closes (and once the whole
class has been counted) it keeps what its home screen shows in its opening state (the
dashboard's rows, the first rows' cells, the checks waiting; a student's playlists and
what is next), and the next run shows exactly that at once, while the class loads behind
it; the real screen takes its place, with the cursor where it was moved to.

It is shown only while it is certainly what the real screen would show: it is kept with
the identities (``lstat``, see :mod:`playlist_tui.store.verdict`) of everything a load of
the class folder looks at, taken after the screen was drawn and equal, file by file, to
the identities of the files the class shown was read from (as the store read them:
:meth:`~playlist_tui.store.store.ClassStore.identities_for`); a file that changed after
it was read, a new file, a file the store could not trust, or anything changed less than
``RACY_NS`` before, and nothing is kept. A new run shows it only if the folder's stamp is
the same now; the person must be the same (given on the command line, or found by the
same git email); the code that drew it the same (its sources are in the seal's key). It
lives beside the class's cache (``opening-…``, :func:`playlist_tui.store.cachefiles.cache_dir`)
as JSON sealed with the cache's MAC: another user, another folder, another version of
the code or a file edited by hand never passes. ``PLAYLIST_TUI_CACHE=off``: nothing kept.

This module imports no model: it is read before the app's first paint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from playlist_tui.store import cachefiles, layout, verdict

VERSION = 1
MAX_BYTES = 4 << 20
"""A kept opening larger than this is not read (5,000 students' names are ~200 KB)."""

# The code that decides what the home screens show: a change to any makes the kept
# openings stale.
SOURCES = (
    "session/opening.py", "session/views.py", "ui/screens/opening.py",
    "ui/screens/dashboard.py", "ui/screens/student_home.py", "ui/screens/homekeys.py",
    "ui/grid.py", "ui/format.py", "ui/widgets.py", "model/safetext.py",
    "engine/classstats.py", "engine/grouping.py", "engine/mastery.py",
    "engine/progress.py", "engine/readiness.py", "engine/words.py",
)


def _key(root: Path) -> bytes | None:
    return cachefiles.key_over(root, layout.MAX_FILE_BYTES, b"opening %d" % VERSION, SOURCES)


def who(role: str | None, person: str | None, email: str | None) -> str | None:
    """Whom an opening is for: the role and person given, or the git email the person was
    found by (None: nobody known, nothing kept)."""
    if role is not None and person:
        return f"{role}\0{person}"
    if role is None and email:
        return f"email\0{email}"
    return None


def _path(root: Path, whom: str) -> Path | None:
    folder = cachefiles.cache_dir(root)
    if folder is None:
        return None
    name = hashlib.sha256(whom.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return folder / f"opening-{name}"


def keep(root: Path, whom: str, picture: Mapping[str, Any],
         used: Mapping[str, tuple[int, ...] | None], only: str | None = None) -> bool:
    """Keep ``picture`` (what the home screen shows, JSON-able) for ``whom``, if it is
    certainly what a load of the folder gives now: ``used`` are the identities of the
    files the class shown was read from; ``only``: the picture shows of the students'
    files only this student's (a student's home), so only theirs are looked at, now and
    when it is read. True if it was kept."""
    root = Path(root).resolve()
    taken_at = verdict.now_ns()
    taken = verdict.stamp(root, student_folders=False, only=only)
    if only is not None:
        used = {rel: ident for rel, ident in used.items() if _in_scope(rel, only)}
    if not _same_files(taken, taken_at, used):
        return False
    path, key = _path(root, whom), _key(root)
    if path is None or key is None:
        return False
    payload = json.dumps({"version": VERSION, "stamp": verdict.digest(taken),
                          "only": only, "who": whom, "picture": dict(picture)},
                         ensure_ascii=True, separators=(",", ":")).encode()
    if len(payload) > MAX_BYTES:
        return False
    try:
        cachefiles.write_sealed(path, key, payload)
    except OSError:
        return False
    return True


def _same_files(taken: verdict.Stamp, taken_at: int,
                used: Mapping[str, tuple[int, ...] | None]) -> bool:
    """Every file in the stamp is one the class was read from, with the same identity,
    and nothing changed just before the stamp was taken."""
    if not verdict.settled(taken, taken_at):
        return False
    for rel, ident in used.items():
        now = taken.get(rel)
        if ident is None:
            # a file the store refused to read (a link, a pipe, one too large), whose
            # identity in the stamp covers it; anything else was changing when read
            if refused(now):
                continue
            return False
        if now != tuple(ident):
            return False
    return all(rel in used for rel, ident in taken.items()
               if ident is not None and not stat.S_ISDIR(ident[0]))


def _in_scope(rel: str, only: str) -> bool:
    """A class-folder path a picture of one student's screens depends on."""
    parts = rel.split("/")
    return parts[0] != layout.STUDENTS_DIR or len(parts) == 1 or parts[1] == only


def refused(ident: tuple[int, ...] | None) -> bool:
    """A file the store does not read (not a plain file, or larger than it reads)."""
    return ident is not None and (not stat.S_ISREG(ident[0])
                                  or ident[1] > layout.MAX_FILE_BYTES)


def read(root: Path, whom: str | None) -> dict[str, Any] | None:
    """The picture kept for ``whom`` if the class folder is exactly as it was then."""
    if whom is None:
        return None
    root = Path(root).resolve()
    path = _path(root, whom)
    if path is None:
        return None
    with contextlib.suppress(OSError):
        if path.stat().st_size > MAX_BYTES + cachefiles.HEADER:
            return None
    key = _key(root)
    if key is None:
        return None
    try:
        content: Any = json.loads(cachefiles.read_sealed(path, key))
        if content.get("version") != VERSION or content.get("who") != whom:
            return None
        picture = content["picture"]
        if not isinstance(picture, dict):
            return None
        only = content.get("only")
        if only is not None and not isinstance(only, str):
            return None
        if content.get("stamp") != verdict.digest(
                verdict.stamp(root, student_folders=False, only=only)):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return picture


def forget(root: Path, whom: str | None) -> None:
    """Remove the kept opening of ``whom`` (nothing if there is none)."""
    path = None if whom is None else _path(Path(root).resolve(), whom)
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()

