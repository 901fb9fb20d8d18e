"""Merging the files teachers share by meaning: ``class.toml``, frameworks, playlists.

Two teachers editing the class at once (one renames a group while the other adds a
student; both change the same activity) must never be left with conflict markers. The
three versions (base, ours, theirs) are compared as data:

- a key or an array element changed on one side only takes that change;
- tables in arrays of tables are matched by their ``id`` (``playlist`` for assignments),
  so an activity added by one teacher and a tier edited by the other both arrive, and an
  element removed on one side is removed unless the other side changed it (then it is
  kept: nothing is lost);
- arrays of plain values (``members``, ``emails``, ``competencies``) merge as sets: both
  sides' additions and removals;
- the same value changed to two different values is a **true conflict**: the merged file
  keeps our value, and the conflict is returned (and recorded by the merge driver) so that
  the app can offer the other value, with who wrote each.

The merged text is git's line merge (``git merge-file``) when that merges cleanly and
means exactly the merged data (both sides' comments and layout survive); otherwise our
text with theirs' changes applied as small line edits
(:mod:`playlist_tui.store.tomltext`). Either way the result is parsed again and must equal
the merged data, or nothing is written (:class:`~playlist_tui.store.merge.MergeError`).
"""

from __future__ import annotations

import copy
import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from playlist_tui.model import tomlparse
from playlist_tui.store import layout, tomltext

if TYPE_CHECKING:
    from playlist_tui.store.store import ClassStore

__all__ = ["Conflict", "SettleError", "Settled", "SharedMerge", "merge_shared",
           "merged_as_shared", "settle"]

KEYS = ("id", "playlist")
"""What names a table in an array of tables."""

_MISSING: Any = object()

Loc = tuple[str | int, ...]


class SharedMergeError(Exception):
    """The versions cannot be merged by meaning; nothing was written."""


@dataclass(frozen=True)
class Conflict:
    """The same value changed to two different values; ours was kept."""

    where: str
    """For people: ``tiers[more].activities[tape].minutes``."""
    loc: Loc
    """In our file (and the merged one): ``("tiers", 1, "activities", 1, "minutes")``."""
    ours: Any
    theirs: Any

    def as_record(self, path: str) -> dict[str, Any]:
        """A JSON-able record (values as TOML text, so their types survive)."""
        return {"file": path, "where": self.where, "loc": list(self.loc),
                "ours": tomltext.format_value(self.ours),
                "theirs": tomltext.format_value(self.theirs)}


@dataclass
class SharedMerge:
    text: str
    conflicts: list[Conflict] = field(default_factory=list)


def merged_as_shared(path: str) -> bool:
    """Files merged by this module: class.toml, frameworks/*.toml, playlists/*.toml (the
    class folder may be a subfolder of the repository)."""
    parts = path.replace("\\", "/").split("/")
    if parts[-1] == layout.CLASS_FILE:
        return True
    return (len(parts) >= 2 and parts[-2] in (layout.FRAMEWORKS_DIR, layout.PLAYLISTS_DIR)
            and parts[-1].endswith(".toml"))


# --------------------------------------------------------------------------- data


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _eq(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return a is b
    return bool(_norm(a) == _norm(b))


def _name(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in KEYS:
            value = item.get(key)
            if isinstance(value, str):
                return value
    return None


def _keyed(items: Any) -> dict[str, tuple[int, Any]] | None:
    """{name: (index, table)} for an array of named tables; None for anything else."""
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return None
    out: dict[str, tuple[int, Any]] = {}
    for index, item in enumerate(items):
        name = _name(item)
        if name is None or name in out:
            return None
        out[name] = (index, item)
    return out


def _scalars(items: Any) -> bool:
    return isinstance(items, list) and not any(isinstance(i, (dict, list)) for i in items)


# --------------------------------------------------------------------------- the walk


@dataclass
class _Plan:
    sets: list[tuple[Loc, Any]] = field(default_factory=list)
    unsets: list[Loc] = field(default_factory=list)
    appends: list[tuple[Loc, dict[str, Any]]] = field(default_factory=list)
    removals: list[Loc] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def _walk(plan: _Plan, loc: Loc, words: str, b: Any, o: Any, t: Any) -> None:
    if _eq(t, b) or _eq(o, t):
        return
    if isinstance(o, dict) and isinstance(t, dict):
        base = b if isinstance(b, dict) else {}
        for key in [*o, *(k for k in t if k not in o)]:
            bk, ok, tk = base.get(key, _MISSING), o.get(key, _MISSING), t.get(key, _MISSING)
            if _eq(tk, bk) or _eq(ok, tk):
                continue
            here = f"{words}.{key}" if words else key
            if ok is _MISSING:
                # added by them, or removed by us while they changed it: theirs is kept
                if isinstance(tk, list) and _keyed(tk) is not None:
                    raise SharedMergeError(f"{here}: a whole array of tables to add")
                plan.sets.append(((*loc, key), tk))
            elif tk is _MISSING:
                if _eq(ok, bk):
                    if isinstance(ok, list) and _keyed(ok) is not None:
                        raise SharedMergeError(f"{here}: a whole array of tables to remove")
                    plan.unsets.append((*loc, key))
                # else: we changed what they removed: ours is kept
            else:
                _walk(plan, (*loc, key), here, bk, ok, tk)
        return
    if isinstance(o, list) and isinstance(t, list):
        ko, kt = _keyed(o), _keyed(t)
        kb = _keyed(b) if isinstance(b, list) and b else {}
        if ko is not None and kt is not None and kb is not None:
            for name, (_, item) in kt.items():
                if name not in ko:
                    if name not in kb or not _eq(item, kb[name][1]):
                        plan.appends.append((loc, item))  # added, or changed by them
                    continue
                index, mine = ko[name]
                _walk(plan, (*loc, index), f"{words}[{name}]",
                      kb[name][1] if name in kb else {}, mine, item)
            for name, (index, mine) in ko.items():
                if name not in kt and name in kb and _eq(mine, kb[name][1]):
                    plan.removals.append((*loc, index))
            return
        if _scalars(o) and _scalars(t) and (b is _MISSING or _scalars(b)):
            before: list[Any] = b if isinstance(b, list) else []
            merged = [x for x in o if not (x in before and x not in t)]
            merged += [x for x in t if x not in merged and x not in before]
            if merged != o:
                plan.sets.append((loc, merged))
            return
    if _eq(o, b):
        plan.sets.append((loc, t))
        return
    plan.conflicts.append(Conflict(words or "(the file)", loc, o, t))


# --------------------------------------------------------------------------- applying


def _container(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def _apply_data(data: dict[str, Any], plan: _Plan) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for loc, value in plan.sets:
        _container(out, loc[:-1])[loc[-1]] = copy.deepcopy(value)
    for loc in plan.unsets:
        del _container(out, loc[:-1])[loc[-1]]
    for loc, item in plan.appends:
        _container(out, loc).append(copy.deepcopy(item))
    for loc in sorted(plan.removals, reverse=True):
        del _container(out, loc[:-1])[loc[-1]]
    return out


def _apply_text(text: str, plan: _Plan) -> str:
    try:
        for loc, value in plan.sets:
            if not isinstance(loc[-1], str):
                raise SharedMergeError("a value inside an array cannot be set alone")
            text = tomltext.set_value_text(text, loc, value)
        for loc in plan.unsets:
            text = tomltext.remove_value(text, loc)
        for loc, item in plan.appends:
            text = tomltext.append_table(text, loc, item)
        for loc in sorted(plan.removals, reverse=True):
            text = tomltext.remove_element(text, loc)
    except tomltext.EditError as exc:
        raise SharedMergeError(str(exc)) from exc
    return text


def _line_merge(base: str, ours: str, theirs: str) -> str | None:
    """git's line merge of the three texts, or None when it conflicts."""
    with tempfile.TemporaryDirectory(prefix="playlist-tui-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        try:
            out = subprocess.run(["git", "merge-file", "-p", *paths], capture_output=True,
                                 check=False)
        except OSError:
            return None
    if out.returncode != 0:
        return None
    try:
        return out.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _parse(text: str, side: str) -> dict[str, Any]:
    try:
        return tomlparse.loads(text)
    except tomlparse.TOMLDecodeError as exc:
        raise SharedMergeError(f"{side} does not parse as TOML ({exc})") from exc


def merge_shared(base: str, ours: str, theirs: str) -> SharedMerge:
    """Merge three versions of a shared file (texts without BOM, ``\\n`` line ends)."""
    b = _parse(base, "the common ancestor") if base.strip() else {}
    o = _parse(ours, "our version")
    t = _parse(theirs, "their version")
    plan = _Plan()
    _walk(plan, (), "", b, o, t)
    expected = _apply_data(o, plan)
    if not plan.conflicts:
        lines = _line_merge(base, ours, theirs)
        if lines is not None:
            try:
                if _eq(tomlparse.loads(lines), expected):
                    return SharedMerge(lines)
            except tomlparse.TOMLDecodeError:
                pass
    text = _apply_text(ours, plan)
    if not _eq(_parse(text, "the merged version"), expected):
        raise SharedMergeError("the merged text does not mean what was merged")
    return SharedMerge(text, plan.conflicts)


# --------------------------------------------------------------------------- records


CONFLICTS_FILE = "conflicts.jsonl"
"""In ``.git/playlist-tui``: true conflicts of shared files, one JSON object a line."""


def record_conflicts(state_dir: Path, path: str, conflicts: list[Conflict]) -> None:
    if not conflicts:
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    with (state_dir / CONFLICTS_FILE).open("a", encoding="utf-8") as handle:
        for conflict in conflicts:
            record = conflict.as_record(path) | {"at": stamp}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_conflicts(state_dir: Path) -> list[dict[str, Any]]:
    """The recorded conflicts, oldest first (lines that cannot be read are skipped)."""
    try:
        lines = (state_dir / CONFLICTS_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and {"file", "where", "loc", "ours", "theirs"} <= set(record):
            out.append(record)
    return out


def write_conflicts(state_dir: Path, records: list[dict[str, Any]]) -> None:
    from playlist_tui.store.atomic import atomic_write

    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    atomic_write(state_dir / CONFLICTS_FILE, text.encode("utf-8"))


def value_of(toml_text: str) -> Any:
    """A recorded value (TOML text) back as a value."""
    return tomlparse.loads(f"v = {toml_text}")["v"]


def resolve(data: dict[str, Any], where: str) -> Loc | None:
    """The location named by ``where`` (``tiers[core].activities[video].minutes``) in
    ``data`` as it is now (tables in arrays found by their name), or None."""
    loc: list[str | int] = []
    current: Any = data
    for part in _segments(where):
        name, _, ident = part.partition("[")
        if name:
            if not isinstance(current, dict) or name not in current:
                return None
            loc.append(name)
            current = current[name]
        if ident:
            ident = ident.rstrip("]")
            found = _keyed(current)
            if found is None or ident not in found:
                return None
            index, current = found[ident]
            loc.append(index)
    return tuple(loc) if loc else None


def _segments(where: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, ch in enumerate(where):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "." and depth == 0:
            out.append(where[start:i])
            start = i + 1
    out.append(where[start:])
    return [s for s in out if s]


# --------------------------------------------------------------------------- settling


Side = Literal["ours", "theirs"]


class SettleError(Exception):
    """A conflict could not be settled; nothing was written and the record is kept."""


@dataclass(frozen=True)
class Settled:
    """One conflict settled: the file (in the class folder), where, and the value it has
    now (TOML text); ``changed`` when the file was written (theirs taken)."""

    path: str
    where: str
    value: str
    side: Side
    changed: bool

    @property
    def summary(self) -> str:
        """For the commit message: what the teacher chose."""
        return f"settled {self.where} = {self.value} ({self.side})"


def same_conflict(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two records of the same conflict (the list may have changed meanwhile)."""
    return all(a.get(k) == b.get(k) for k in ("file", "where", "ours", "theirs", "at"))


def settle(store: ClassStore, state_dir: Path, record: dict[str, Any], side: Side,
           prefix: str = "") -> Settled:
    """Settle one recorded conflict: ``theirs`` writes the other value into the file (one
    :class:`~playlist_tui.store.ops.SetField` through ``store``: one line, under the class
    lock), ``ours`` keeps the file as it is; then the record is removed. ``prefix`` is the
    class folder's path in the repository (the records name files from its root). Used by
    the app's dialog and ``playlist-tui conflicts --take``.

    Raises :class:`SettleError` (nothing written, the record kept) when the conflict is no
    longer recorded, the value is no longer in the file, or the file cannot take it."""
    from playlist_tui.store.ops import SetField
    from playlist_tui.store.store import OperationError

    if side not in ("ours", "theirs"):
        raise SettleError(f"choose ours or theirs, not {side!r}")
    records = read_conflicts(state_dir)
    index = next((n for n, r in enumerate(records) if same_conflict(r, record)), None)
    if index is None:
        raise SettleError("this conflict is no longer recorded (settled already?)")
    path = str(record["file"])
    if prefix and path.startswith(prefix):
        path = path[len(prefix):]
    where = str(record["where"])
    chosen = str(record[side])
    changed = False
    if side == "theirs":
        try:
            data = tomlparse.loads((store.root / path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SettleError(f"{path} cannot be read ({exc}); nothing was written") from exc
        loc = resolve(data, where)
        if loc is None or not isinstance(loc[-1], str):
            raise SettleError(f"{where} is no longer in {path}; nothing was written")
        try:
            value = value_of(chosen)
        except ValueError as exc:
            raise SettleError(f"the recorded value cannot be read ({exc}); nothing was "
                              "written") from exc
        try:
            applied = store.apply(SetField(file=path, loc=loc, value=value))
        except OperationError as exc:
            raise SettleError(f"{exc.path}: {exc.message}; nothing was written") from exc
        changed = applied.changed
    write_conflicts(state_dir, records[:index] + records[index + 1:])
    return Settled(path, where, chosen, side, changed)
