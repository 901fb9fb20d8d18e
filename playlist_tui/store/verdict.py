"""What checking a class folder found, kept for as long as the folder is exactly the same.

``playlist-tui validate`` prints every problem of a class folder. Its answer is a function
of the files' bytes and of the folders' listings only, so once it has been worked out it
can be given again, without importing the models or reading one file, while nothing in
the class folder has changed. This module keeps that answer (a *verdict*) and says when it
still holds.

A *stamp* is the identity (``lstat``: mode, size, mtime_ns, ctime_ns, inode, device) of
everything a load looks at: ``class.toml``; ``frameworks/``, ``playlists/`` and
``students/`` and the ``.toml`` files listed in the first two; every entry of
``students/`` and, for each, its ``student.toml`` and ``teacher.toml``. A folder's
identity changes when a name in it is added, removed or renamed, so the files a load
would find, the unexpected files it warns about and the student folders it lists are all
covered by the folders' identities; a file's contents by the file's. Something missing is
part of the stamp too (as missing).

A verdict is kept only when it is certain: the stamp was taken *before* the load (so
anything changed during or after the load differs from the stamp from then on: a change
always moves a ctime), every file the load used is in the stamp with the identity it was
read with, and nothing in the stamp changed less than ``RACY_NS`` before it was taken (a
change within the file system's timestamp granularity might not change an identity). It
is used only while a new stamp is equal to the kept one. It lives beside the cache
(``verdict`` in :func:`playlist_tui.store.cachefiles.cache_dir`): the problems, the counts
and a digest of the stamp, as JSON sealed with the cache's MAC, so another user,
another folder, another version of the code or a hand-edited file never passes: then the
folder is loaded as before. ``PLAYLIST_TUI_CACHE=off`` and ``validate --no-cache``
neither read nor write it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playlist_tui.model.problems import Problem, Severity
from playlist_tui.store import cachefiles, layout

NAME = "verdict"
RACY_NS = 3_000_000_000  # as playlist_tui.store.loader.RACY_NS (a test keeps them equal)
VERSION = 1

Ident = tuple[int, int, int, int, int, int]
Stamp = dict[str, Ident | None]  # class-folder path -> identity (None: not there)

# The code whose behaviour the verdict depends on, beyond the cache's (cachefiles.SOURCES)
_OWN_SOURCES = ("store/store.py", "store/verdict.py")


def identity_of(path: str, folder: int | None = None) -> Ident | None:
    """The identity of ``path`` (not following a link); None if there is nothing."""
    try:
        st = os.stat(path, dir_fd=folder, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _names(folder: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def stamp(root: Path, student_folders: bool = True, only: str | None = None) -> Stamp:
    """The identity of everything a load of ``root`` looks at (see the module's text).
    Without ``student_folders``, not the identity of each student's folder itself (what
    is in it besides the two files: the files a load warns about), only its two files:
    a third fewer look-ups, for what depends on the files' contents only. With ``only``
    too, of the students' files only that student's (what one student's screens show)."""
    base = os.fspath(root)
    out: Stamp = {".": identity_of(base)}

    def add(rel: str) -> Ident | None:
        ident = out[rel] = identity_of(os.path.join(base, rel))
        return ident

    add(layout.CLASS_FILE)
    for top in (layout.FRAMEWORKS_DIR, layout.PLAYLISTS_DIR):
        ident = add(top)
        if ident is not None and stat.S_ISDIR(ident[0]):
            for name in _names(os.path.join(base, top)):
                if name.endswith(".toml"):
                    add(f"{top}/{name}")
    ident = add(layout.STUDENTS_DIR)
    if ident is None or not stat.S_ISDIR(ident[0]):
        return out
    students = os.path.join(base, layout.STUDENTS_DIR)
    try:  # (each name looked up from the folder already open: shorter paths to resolve)
        folder = os.open(students, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        out[layout.STUDENTS_DIR] = None  # (never equal to a stamp of a listed folder)
        return out
    try:
        if student_folders:
            for name in _names(students):
                rel = f"{layout.STUDENTS_DIR}/{name}"
                ident = out[rel] = identity_of(name, folder)
                if ident is not None and stat.S_ISDIR(ident[0]):
                    for file in (layout.STUDENT_FILE, layout.TEACHER_FILE):
                        out[f"{rel}/{file}"] = identity_of(f"{name}/{file}", folder)
        else:
            _files_of_students(folder, out, only)
    finally:
        os.close(folder)
    return out


def _files_of_students(folder: int, out: Stamp, only: str | None = None) -> None:
    """Each student's two files, by their folder's name in ``folder`` (open): the kind of
    each name from the listing, so a link is never followed (one tight loop: at 5,000
    students these 10,000 look-ups are most of a stamp)."""
    lookup, missing = os.stat, (FileNotFoundError, NotADirectoryError)
    files = ((layout.STUDENT_FILE, f"/{layout.STUDENT_FILE}"),
             (layout.TEACHER_FILE, f"/{layout.TEACHER_FILE}"))
    prefix = f"{layout.STUDENTS_DIR}/"
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)  # (a stamp's order is fixed)
        if only is not None:
            entries = [entry for entry in entries if entry.name == only]
            if not entries:
                out[prefix + only] = None
        for entry in entries:
            name = entry.name
            if not entry.is_dir(follow_symlinks=False):
                out[prefix + name] = identity_of(name, folder)
                continue
            for _, tail in files:
                try:
                    st = lookup(name + tail, dir_fd=folder, follow_symlinks=False)
                except missing:
                    out[prefix + name + tail] = None
                    continue
                out[prefix + name + tail] = (st.st_mode, st.st_size, st.st_mtime_ns,
                                             st.st_ctime_ns, st.st_ino, st.st_dev)


_NONE = (-1,) * 6  # (no identity has a negative mode)


def digest(taken: Stamp) -> str:
    """A hash of a stamp: the names, then every number as 8 bytes, in the stamp's order
    (:func:`stamp` makes it in a fixed order: sorted listings), the same in every process
    (marshal's bytes, for one, are not)."""
    names = "\n".join(taken).encode("utf-8", "surrogateescape")
    numbers = [n for ident in taken.values() for n in (_NONE if ident is None else ident)]
    try:
        packed = array("q", numbers).tobytes()
    except OverflowError:  # (an inode number beyond 2**63: the same numbers as text)
        packed = ",".join(map(str, numbers)).encode()
    return hashlib.sha256(b"%d\0%s\0%s" % (len(taken), names, packed)).hexdigest()


def settled(taken: Stamp, taken_at_ns: int) -> bool:
    """Nothing in the stamp changed within RACY_NS of when it was taken."""
    return all(ident is None or taken_at_ns - max(ident[2], ident[3]) >= RACY_NS
               for ident in taken.values())


@dataclass(frozen=True)
class Verdict:
    """What a load of the class folder found: its problems and what it counted."""

    problems: tuple[Problem, ...]
    counts: dict[str, int]


def _key(root: Path, max_bytes: int) -> bytes | None:
    return cachefiles.key_over(root, max_bytes, b"verdict %d" % VERSION, _OWN_SOURCES)


def _path(root: Path) -> Path | None:
    folder = cachefiles.cache_dir(root)
    return None if folder is None else folder / NAME


def keep(root: Path, taken: Stamp, taken_at_ns: int, used: Mapping[str, tuple[int, ...] | None],
         problems: Iterable[Problem], counts: Mapping[str, int],
         max_bytes: int = layout.MAX_FILE_BYTES) -> bool:
    """Keep what a load found, if it is certain (see the module's text): ``taken`` is the
    stamp taken (at ``taken_at_ns``) before the load, ``used`` the identity of each file
    the load used (None: it could not be trusted). True if it was kept."""
    root = Path(root).resolve()
    if not settled(taken, taken_at_ns):
        return False
    for rel, ident in used.items():
        # (None: a file the load refused to read, a link, a pipe or one too large, or
        # one that was changing; its identity in the stamp covers it: any change after
        # the stamp was taken makes the stamp differ from then on)
        if taken.get(rel) is None or (ident is not None and taken[rel] != ident):
            return False
    path, key = _path(root), _key(root, max_bytes)
    if path is None or key is None:
        return False
    payload = json.dumps({
        "version": VERSION,
        "stamp": digest(taken),
        "problems": [p.as_dict() for p in problems],
        "counts": dict(counts),
    }, ensure_ascii=True, separators=(",", ":")).encode()
    try:
        cachefiles.write_sealed(path, key, payload)
    except OSError:
        return False
    return True


def read(root: Path, max_bytes: int = layout.MAX_FILE_BYTES) -> Verdict | None:
    """The verdict kept for ``root`` if the folder is exactly as it was then, else None."""
    root = Path(root).resolve()
    path, key = _path(root), _key(root, max_bytes)
    if path is None or key is None:
        return None
    try:
        content: Any = json.loads(cachefiles.read_sealed(path, key))
        if content.get("version") != VERSION:
            return None
        if content.get("stamp") != digest(stamp(root)):
            return None
        problems = tuple(Problem(str(p["path"]), int(p["line"]), int(p["col"]),
                                 str(p["message"]), str(p["hint"]),
                                 Severity(p["severity"])) for p in content["problems"])
        counts = {str(k): int(v) for k, v in content["counts"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Verdict(problems, counts)


def now_ns() -> int:
    return time.time_ns()
