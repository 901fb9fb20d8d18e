"""Merging two versions of a student's or teacher's file by meaning (git's merge driver).

Git calls ``playlist-tui merge-driver %O %A %B %P`` when both sides of a merge changed the
same file. For ``students/*/student.toml`` and ``students/*/teacher.toml`` the three
versions (base, ours, theirs) are parsed and merged entry by entry, per keyed table
(``[ticks]``, ``[notes]``, ``[requests]``, ``[goals]``, ``[decisions]``, ``[seen]``):

- an entry changed on one side only takes that change (added, edited or removed: an
  untick on one device is kept when the other device did not touch that tick);
- an entry removed on one side and edited on the other is kept, edited (nothing is lost);
- an entry changed differently on both sides is resolved by its table's rule:
  ticks keep the earliest time; notes keep both texts; goals merge field by field (a
  side that set ``done`` wins, two different texts are both kept); ``[seen]`` keeps the
  latest time; requests, decisions and goals added on both sides under the same id are
  both kept (the incoming one keeps the id, ours moves to a new id with a suffix).

The result is written by editing OUR text line by line (:mod:`playlist_tui.store.tomltext`),
so our comments and order survive and each new entry is one line. If any version does not
parse, or the result cannot be verified, nothing is written and the driver exits
non-zero: git then reports an ordinary conflict. Other files fall back to
``git merge-file``.

This module is imported by the merge driver on every merge: it must stay light (no
pydantic, no loader).
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from playlist_tui.model import tomlparse
from playlist_tui.store import layout, tomltext
from playlist_tui.store.atomic import atomic_write

BOM = "\ufeff"
FROM_OTHER = "(from another device)"
"""Joins two texts that were edited on two devices at once: ``A\\n\\n(from another device) B``."""

KEYED_TABLES = ("ticks", "notes", "requests", "goals", "decisions", "seen", "adjustments")

_MISSING: Any = object()
_STAMPED = re.compile(r"^(?P<stem>.+-\d{8}-\d{6})(?:-(?P<n>\d+))?$")


class MergeError(Exception):
    """The versions cannot be merged by meaning; nothing was written."""


@dataclass
class MergeResult:
    text: str
    resolved: list[str] = field(default_factory=list)
    """One line per true conflict and how it was resolved (for the person running git)."""


# --------------------------------------------------------------------------- parsing


def _decode(raw: bytes, side: str) -> tuple[str, bool, bool]:
    """Text without BOM, whether it had one, whether it uses CRLF line ends."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MergeError(f"{side} is not UTF-8 text") from exc
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    crlf = "\r\n" in text
    return text.replace("\r\n", "\n"), bom, crlf


def _parse(text: str, side: str) -> dict[str, Any]:
    try:
        return tomlparse.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MergeError(f"{side} does not parse as TOML ({exc})") from exc


def _utc(value: Any) -> Any:
    """Local date-times count as UTC (as in the model); applied to values we write."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if isinstance(value, dict):
        return {k: _utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_utc(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    return bool(_utc(a) == _utc(b)) if a is not _MISSING and b is not _MISSING else a is b


def _moment(value: Any) -> datetime | None:
    value = _utc(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    return None


# --------------------------------------------------------------------------- value rules


def join_texts(ours: str, theirs: str) -> str:
    """Both texts, ours first; a text already contained in the other is not repeated."""
    if not theirs or theirs in ours:
        return ours
    if not ours or ours in theirs:
        return theirs
    return f"{ours}\n\n{FROM_OTHER} {theirs}"


def _join_links(ours: str, theirs: str) -> str:
    if not theirs or theirs in ours.split():
        return ours
    if not ours or ours in theirs.split():
        return theirs
    return f"{ours} {theirs}"


def _merge_fields(base: Any, ours: Any, theirs: Any,
                  both: Callable[[str, Any, Any], Any]) -> Any:
    """Three-way merge of two inline tables field by field; ``both`` settles a field that
    changed differently on both sides. Non-tables: ours."""
    if not all(isinstance(v, dict) for v in (ours, theirs)):
        return ours
    base = base if isinstance(base, dict) else {}
    out: dict[str, Any] = {}
    for name in [*ours, *(k for k in theirs if k not in ours)]:
        b, a, t = base.get(name, _MISSING), ours.get(name, _MISSING), theirs.get(name, _MISSING)
        if _same(a, t) or _same(t, b):
            value = a
        elif _same(a, b):
            value = t
        elif a is _MISSING or t is _MISSING:
            value = t if a is _MISSING else a  # removed on one side, changed on the other
        else:
            value = both(name, a, t)
        if value is not _MISSING:
            out[name] = value
    return out


def _note_field(name: str, ours: Any, theirs: Any) -> Any:
    if isinstance(ours, str) and isinstance(theirs, str):
        return _join_links(ours, theirs) if name == "evidence" else join_texts(ours, theirs)
    return ours


def _goal_field(name: str, ours: Any, theirs: Any) -> Any:
    if name == "text" and isinstance(ours, str) and isinstance(theirs, str):
        return join_texts(ours, theirs)
    if name == "done":
        a, t = _moment(ours), _moment(theirs)
        if a is not None and t is not None and t < a:
            return theirs
    return ours


def _earliest(ours: Any, theirs: Any) -> Any:
    a, t = _moment(ours), _moment(theirs)
    if a is not None and t is not None and t < a:
        return theirs
    return ours


def _latest(ours: Any, theirs: Any) -> Any:
    a, t = _moment(ours), _moment(theirs)
    if a is not None and t is not None and t > a:
        return theirs
    return ours


def free_id(key: str, taken: set[str]) -> str:
    """``rq-20261105-090012`` -> ``rq-20261105-090012-2`` (or -3, ...): a new id not taken."""
    match = _STAMPED.match(key)
    stem = match.group("stem") if match else key
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


# --------------------------------------------------------------------------- the merge


@dataclass
class _Plan:
    """What to do to OUR text: set or remove entries of tables, and the data expected."""

    expected: dict[str, Any]
    edits: list[tuple[tuple[str, ...], str, Any]] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)

    def set(self, table: tuple[str, ...], key: str, value: Any) -> None:
        value = _utc(copy.deepcopy(value))
        self.edits.append((table, key, value))
        target = self.expected
        for part in table:
            target = target.setdefault(part, {})
        target[key] = value

    def remove(self, table: tuple[str, ...], key: str) -> None:
        self.edits.append((table, key, _MISSING))
        target = self.expected
        for part in table:
            target = target[part]
        del target[key]


def _merge_table(plan: _Plan, name: str, base: dict[str, Any], ours: dict[str, Any],
                 theirs: dict[str, Any]) -> None:
    table = (name,)
    taken = set(base) | set(ours) | set(theirs)
    order = [*ours, *(k for k in theirs if k not in ours)]
    for key in order:
        b, a, t = base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING)
        if _same(a, t) or _same(t, b):
            continue  # ours is already right
        if _same(a, b):
            if t is _MISSING:
                plan.remove(table, key)
            else:
                plan.set(table, key, t)
            continue
        # Both sides changed this entry, differently.
        if a is _MISSING:
            plan.set(table, key, t)
            plan.resolved.append(f"[{name}] {key}: removed here, changed there: kept the change")
            continue
        if t is _MISSING:
            plan.resolved.append(f"[{name}] {key}: changed here, removed there: kept the change")
            continue
        if name == "ticks":
            value = _earliest(a, t)
            plan.resolved.append(f"[ticks] {key}: ticked on both sides: kept the earliest time")
        elif name == "seen":
            value = _latest(a, t)
        elif name == "notes":
            value = _merge_fields(b, a, t, _note_field)
            plan.resolved.append(f"[notes] {key}: edited on both sides: kept both texts")
        elif name in ("requests", "decisions", "goals") and b is _MISSING:
            # Two different entries were given the same id: keep both. The incoming one
            # (already shared: a decision may refer to it) keeps the id; ours moves.
            new_key = free_id(key, taken)
            taken.add(new_key)
            plan.set(table, key, t)
            plan.set(table, new_key, a)
            plan.resolved.append(f"[{name}] {key}: two different entries with this id: "
                                 f"kept both, ours is now {new_key}")
            continue
        elif name == "goals":
            value = _merge_fields(b, a, t, _goal_field)
            plan.resolved.append(f"[goals] {key}: edited on both sides: merged field by field")
        elif name in ("requests", "decisions"):
            plan.resolved.append(f"[{name}] {key}: edited by hand on both sides: kept ours")
            continue
        elif name == "adjustments" and isinstance(a, dict) and isinstance(t, dict):
            value = _merge_adjustment(a, t)
            plan.resolved.append(f"[adjustments] {key}: changed by two teachers: skipped and "
                                 "added activities of both, both notes, our placement")
        else:
            raise MergeError(f"[{name}] {key} was changed differently on both sides")
        if not _same(value, a):
            plan.set(table, key, value)


def _merge_adjustment(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Two teachers adjusted the same playlist for a student: keep what both asked for."""
    out = dict(ours)
    for key in ("skip", "add"):
        mine = list(ours.get(key, []))
        out[key] = mine + [x for x in theirs.get(key, []) if x not in mine]
        if not out[key]:
            del out[key]
    if not ours.get("start") and theirs.get("start"):
        out["start"] = theirs["start"]
    notes = [n for n in (ours.get("note", ""), theirs.get("note", "")) if n]
    if len(notes) == 2 and notes[0] != notes[1] and notes[1] not in notes[0]:
        out["note"] = f"{notes[0]}\n\n(from another teacher) {notes[1]}"
    elif notes:
        out["note"] = notes[0]
    order = ["start", "skip", "add", "note"]
    return {k: out[k] for k in order if k in out} | {k: v for k, v in out.items()
                                                   if k not in order}


def _plan(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> _Plan:
    plan = _Plan(copy.deepcopy(ours))
    names = [*ours, *(k for k in theirs if k not in ours), *(k for k in base
                                                            if k not in ours and k not in theirs)]
    for name in names:
        b, a, t = base.get(name, _MISSING), ours.get(name, _MISSING), theirs.get(name, _MISSING)
        present = [v for v in (b, a, t) if v is not _MISSING]
        if all(isinstance(v, dict) for v in present):
            _merge_table(plan, name, {} if b is _MISSING else b, {} if a is _MISSING else a,
                         {} if t is _MISSING else t)
            continue
        # A top-level value (or a table of unexpected shape): it must not conflict.
        if _same(a, t) or _same(t, b):
            continue
        if _same(a, b) and t is not _MISSING and not isinstance(t, dict):
            plan.set((), name, t)
            continue
        if _same(a, b) and t is _MISSING and not isinstance(a, dict):
            plan.remove((), name)
            continue
        raise MergeError(f"'{name}' was changed differently on both sides")
    return plan


def _normalize(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _normalize(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_normalize(v) for v in data]
    if isinstance(data, datetime):
        return _utc(data).astimezone(UTC).replace(microsecond=0)
    return data


def merge_texts(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge three versions of a student or teacher file (texts without BOM, LF ends)."""
    b, a, t = _parse(base, "the common ancestor"), _parse(ours, "our version"), \
        _parse(theirs, "their version")
    plan = _plan(b, a, t)
    text = ours
    try:
        for table, key, value in plan.edits:
            if value is _MISSING:
                text = tomltext.remove_entry(text, table, key)
            else:
                text = tomltext.set_entry(text, table, key, value)
    except (tomltext.EditError, TypeError, ValueError) as exc:
        raise MergeError(f"the merged file could not be written safely ({exc})") from exc
    if _normalize(_parse(text, "the merged file")) != _normalize(plan.expected):
        raise MergeError("the merged file did not come out as intended")
    return MergeResult(text, plan.resolved)


def merge_bytes(base: bytes, ours: bytes, theirs: bytes) -> tuple[bytes, list[str]]:
    """Like :func:`merge_texts` on raw file contents; keeps our BOM and line ends."""
    base_text, _, _ = _decode(base, "the common ancestor")
    ours_text, bom, crlf = _decode(ours, "our version")
    theirs_text, _, _ = _decode(theirs, "their version")
    result = merge_texts(base_text, ours_text, theirs_text)
    text = result.text.replace("\n", "\r\n") if crlf else result.text
    return ((BOM if bom else "") + text).encode("utf-8"), result.resolved


# --------------------------------------------------------------------------- the driver


def merged_by_meaning(path: str) -> bool:
    """Files this driver merges by meaning: every student's two files."""
    parts = path.replace("\\", "/").split("/")[-3:]  # the class folder may be a subfolder
    return (len(parts) == 3 and parts[0] == layout.STUDENTS_DIR
            and parts[2] in (layout.STUDENT_FILE, layout.TEACHER_FILE))


def _say(message: str) -> None:
    """Tell the person running git (on stderr). The driver's result never depends on
    it: when stderr is gone (the sync that started git was killed, a closed pipe), the
    message is dropped and stderr is pointed at /dev/null so that Python's own flush at
    exit cannot fail either."""
    try:
        sys.stderr.write(message.rstrip("\n") + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:  # pragma: no cover - nothing more can be done
            pass


def merge_file_fallback(base: Path, ours: Path, theirs: Path) -> int:
    """``git merge-file``: a line-based merge into ``ours``, with markers on conflict."""
    try:
        out = subprocess.run(["git", "merge-file", "-L", "ours", "-L", "base", "-L", "theirs",
                              str(ours), str(base), str(theirs)],
                             capture_output=True, text=True, check=False)
    except FileNotFoundError:
        _say("playlist-tui merge-driver: git is not installed")
        return 2
    if out.returncode < 0 or out.returncode > 127:  # pragma: no cover - git error
        _say(out.stderr)
        return 2
    return 0 if out.returncode == 0 else 1


def _state_dir() -> Path | None:
    """``.git/playlist-tui`` of the repository git is merging in (the driver runs in the
    work tree, with git's environment)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--git-common-dir"], capture_output=True,
                             text=True, check=False)
    except OSError:
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    return Path(out.stdout.strip()).resolve() / "playlist-tui"


def run_shared(base: Path, ours: Path, theirs: Path, path: str) -> int:
    """class.toml, a framework or a playlist: merged by meaning; a true conflict keeps
    ours and is recorded for the app (``playlist-tui conflicts``)."""
    from playlist_tui.store.merge_shared import (
        SharedMergeError,
        merge_shared,
        record_conflicts,
    )

    try:
        base_text, _, _ = _decode(base.read_bytes(), "the common ancestor")
        ours_text, bom, crlf = _decode(ours.read_bytes(), "our version")
        theirs_text, _, _ = _decode(theirs.read_bytes(), "their version")
        result = merge_shared(base_text, ours_text, theirs_text)
    except (OSError, MergeError, SharedMergeError) as exc:
        _say(f"playlist-tui merge-driver: {path}: not merged by meaning ({exc}); "
             "merging line by line")
        return merge_file_fallback(base, ours, theirs)
    text = result.text.replace("\n", "\r\n") if crlf else result.text
    atomic_write(ours, ((BOM if bom else "") + text).encode("utf-8"))
    state = _state_dir()
    if state is not None and result.conflicts:
        with contextlib.suppress(OSError):
            record_conflicts(state, path, result.conflicts)
    for conflict in result.conflicts:
        _say(f"playlist-tui merge-driver: {path}: {conflict.where} was changed on both "
             "sides; kept ours, the other value is offered in the app "
             "('playlist-tui conflicts')")
    return 0


def run_driver(base: Path, ours: Path, theirs: Path, path: str) -> int:
    """Git's custom merge driver protocol: result into ``ours``; 0 when clean."""
    from playlist_tui.store.merge_shared import merged_as_shared

    if merged_as_shared(path):
        return run_shared(base, ours, theirs, path)
    if not merged_by_meaning(path):
        return merge_file_fallback(base, ours, theirs)
    try:
        merged, resolved = merge_bytes(base.read_bytes(), ours.read_bytes(),
                                       theirs.read_bytes())
    except OSError as exc:
        _say(f"playlist-tui merge-driver: {path}: cannot read ({exc})")
        return 2
    except MergeError as exc:
        _say(f"playlist-tui merge-driver: {path}: not merged automatically: {exc}. "
             "Fix the file by hand (see docs/git.md).")
        return 1
    atomic_write(ours, merged)
    for line in resolved:
        _say(f"playlist-tui merge-driver: {path}: {line}")
    return 0
