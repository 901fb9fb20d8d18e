"""Operations: every change a user can make, as a small edit of exactly one file.

An operation knows which file it changes (``path``, relative to the class folder) and how
to change that file's current text (``edit``). It never reads or writes the disk itself:
:class:`playlist_tui.store.store.ClassStore` re-reads the file, calls ``edit`` and writes
the result atomically, so an operation always applies to what is on disk now. (The store
calls ``edit_parsed``, with the data it has parsed the text to: the operations that run
most often, a tick above all, then need not parse the file again.)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from playlist_tui.model import tomlparse
from playlist_tui.model.files import Result
from playlist_tui.model.ids import make_ref
from playlist_tui.store import layout, tomltext
from playlist_tui.store.tomlpos import Path as Loc


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def stamp_id(prefix: str, at: datetime, taken: set[str]) -> str:
    """``rq-20261105-090012``; with ``-2``, ``-3``, ... if that id is taken."""
    base = f"{prefix}-{at.astimezone(UTC):%Y%m%d-%H%M%S}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


Data = dict[str, Any]


def _parsed(text: str) -> Data | None:
    """What ``text`` parses to; None if it does not parse."""
    try:
        return tomlparse.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _section(data: Data | None, table: str) -> dict[str, Any]:
    section = data.get(table, {}) if data is not None else {}
    return section if isinstance(section, dict) else {}


def _existing(text: str, table: str) -> set[str]:
    return set(_section(_parsed(text), table))


Edited = tuple[str, Data | None]
"""A new text, and what it parses to when that is known without parsing it (else None)."""


def _set(text: str, data: Data | None, table: str, key: str, value: Any) -> Edited:
    if data is None:  # the text does not parse: set_entry says so
        return tomltext.set_entry(text, (table,), key, value), None
    return tomltext.set_entry_parsed(text, data, (table,), key, value)


def _remove(text: str, data: Data | None, table: str, key: str) -> Edited:
    if data is None:
        return tomltext.remove_entry(text, (table,), key), None
    return tomltext.remove_entry_parsed(text, data, (table,), key)


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty optional values, so a line carries only what was said."""
    return {k: v for k, v in values.items() if v not in (None, "", ())}


@dataclass(frozen=True)
class Operation:
    """Base class. ``summary`` says in words what the operation does (for commit messages)."""

    kind: ClassVar[str] = "operation"

    @property
    def path(self) -> str:
        raise NotImplementedError

    def edit(self, text: str) -> str:
        raise NotImplementedError

    def edit_parsed(self, text: str, data: Data) -> Edited:
        """:meth:`edit`, for a caller that has parsed ``text`` already: ``data`` is what it
        parses to (``tomlparse.loads(text)``; it is not changed). Gives the text ``edit``
        gives and, when it is known, what that parses to. Operations that can use
        ``data`` do not parse the text again (most of a tick's time)."""
        return self.edit(text), None

    def new_file(self) -> str:
        """Text of the file if it does not exist yet (deterministic)."""
        return ""

    @property
    def summary(self) -> str:
        return self.kind


# --------------------------------------------------------------------------- student file


@dataclass(frozen=True)
class StudentOp(Operation):
    student: str

    @property
    def path(self) -> str:
        return layout.student_file(self.student)

    def new_file(self) -> str:
        return (f"# {self.student}'s record: written by playlist-tui for {self.student} "
                "(you may edit it by hand).\n")


@dataclass(frozen=True)
class Tick(StudentOp):
    kind: ClassVar[str] = "tick"
    playlist: str = ""
    activity: str = ""
    at: datetime = field(default_factory=now)

    def edit(self, text: str) -> str:
        return self._edit(text, _parsed(text))[0]

    def edit_parsed(self, text: str, data: Data) -> Edited:
        return self._edit(text, data)

    def _edit(self, text: str, data: Data | None) -> Edited:
        ref = make_ref(self.playlist, self.activity)
        if ref in _section(data, "ticks"):
            return text, data  # already ticked: keep the first time
        return _set(text, data, "ticks", ref, self.at)

    @property
    def summary(self) -> str:
        return f"ticked {self.playlist}/{self.activity}"


@dataclass(frozen=True)
class Untick(StudentOp):
    kind: ClassVar[str] = "untick"
    playlist: str = ""
    activity: str = ""

    def edit(self, text: str) -> str:
        return self._edit(text, _parsed(text))[0]

    def edit_parsed(self, text: str, data: Data) -> Edited:
        return self._edit(text, data)

    def _edit(self, text: str, data: Data | None) -> Edited:
        ref = make_ref(self.playlist, self.activity)
        if ref not in _section(data, "ticks"):
            return text, data
        return _remove(text, data, "ticks", ref)

    @property
    def summary(self) -> str:
        return f"unticked {self.playlist}/{self.activity}"


@dataclass(frozen=True)
class SetNote(StudentOp):
    """Set the reflection and evidence link of an activity (both empty: remove the note)."""

    kind: ClassVar[str] = "note"
    playlist: str = ""
    activity: str = ""
    reflection: str = ""
    evidence: str = ""

    def edit(self, text: str) -> str:
        return self._edit(text, _parsed(text))[0]

    def edit_parsed(self, text: str, data: Data) -> Edited:
        return self._edit(text, data)

    def _edit(self, text: str, data: Data | None) -> Edited:
        ref = make_ref(self.playlist, self.activity)
        value = _compact({"reflection": self.reflection, "evidence": self.evidence})
        if not value:
            if ref not in _section(data, "notes"):
                return text, data
            return _remove(text, data, "notes", ref)
        return _set(text, data, "notes", ref, value)

    @property
    def summary(self) -> str:
        return f"wrote a note on {self.playlist}/{self.activity}"


@dataclass(frozen=True)
class RequestCheck(StudentOp):
    kind: ClassVar[str] = "request"
    competency: str = ""
    playlist: str | None = None
    note: str = ""
    at: datetime = field(default_factory=now)

    def request_id(self, text: str) -> str:
        return stamp_id("rq", self.at, _existing(text, "requests"))

    def edit(self, text: str) -> str:
        value = _compact({"competency": self.competency, "playlist": self.playlist,
                          "at": self.at, "note": self.note})
        return tomltext.set_entry(text, ("requests",), self.request_id(text), value)

    @property
    def summary(self) -> str:
        return f"requested a check on {self.competency}"


@dataclass(frozen=True)
class AddGoal(StudentOp):
    kind: ClassVar[str] = "goal"
    text: str = ""
    target: date | None = None
    at: datetime = field(default_factory=now)

    def edit(self, text: str) -> str:
        gid = stamp_id("g", self.at, _existing(text, "goals"))
        value = _compact({"text": self.text, "target": self.target, "created": self.at})
        return tomltext.set_entry(text, ("goals",), gid, value)

    @property
    def summary(self) -> str:
        return "added a goal"


@dataclass(frozen=True)
class EditGoal(StudentOp):
    """Change a goal's text, target date or done time (one line changes)."""

    kind: ClassVar[str] = "goal-edit"
    goal: str = ""
    text: str | None = None
    target: date | None = None
    clear_target: bool = False
    done: datetime | None = None
    reopen: bool = False

    def edit(self, text: str) -> str:
        goals = tomlparse.loads(text).get("goals", {})
        if self.goal not in goals:
            raise tomltext.EditError(f"there is no goal {self.goal!r}")
        value = dict(goals[self.goal])
        if self.text is not None:
            value["text"] = self.text
        if self.target is not None:
            value["target"] = self.target
        if self.clear_target:
            value.pop("target", None)
        if self.done is not None:
            value["done"] = self.done
        if self.reopen:
            value.pop("done", None)
        order = ["text", "target", "done", "created"]
        ordered = {k: value[k] for k in order if k in value}
        ordered.update({k: v for k, v in value.items() if k not in ordered})
        return tomltext.set_entry(text, ("goals",), self.goal, ordered)

    @property
    def summary(self) -> str:
        if self.done is not None:
            return "completed a goal"
        return "edited a goal"


@dataclass(frozen=True)
class MarkFeedbackSeen(StudentOp):
    """Remember that the student has read the feedback up to ``at`` (one line)."""

    kind: ClassVar[str] = "seen"
    at: datetime = field(default_factory=now)

    def edit(self, text: str) -> str:
        return tomltext.set_entry(text, ("seen",), "feedback", self.at)

    def edit_parsed(self, text: str, data: Data) -> Edited:
        return _set(text, data, "seen", "feedback", self.at)

    @property
    def summary(self) -> str:
        return "read feedback"


# --------------------------------------------------------------------------- teacher file


@dataclass(frozen=True)
class RecordDecision(Operation):
    """A new line in ``[decisions]``. With ``supersedes``, it corrects that earlier decision
    (which stays in the file); with ``withdrawn`` as well, it takes it back (no result).
    ``student_name``, ``about`` and ``by_name`` are only words for the summary."""

    kind: ClassVar[str] = "decision"
    student: str = ""
    result: Result | None = Result.MASTERED
    by: str = ""
    request: str | None = None
    competency: str | None = None
    level: int | None = None
    feedback: str = ""
    next_steps: str = ""
    at: datetime = field(default_factory=now)
    supersedes: str | None = None
    withdrawn: bool = False
    student_name: str = ""
    about: str = ""

    @property
    def path(self) -> str:
        return layout.teacher_file(self.student)

    def new_file(self) -> str:
        return f"# Teachers' decisions about {self.student}: only teachers write this file.\n"

    def edit(self, text: str) -> str:
        if self.withdrawn and not self.supersedes:
            raise tomltext.EditError("a withdrawal says which decision it takes back")
        if not self.withdrawn and self.result is None:
            raise tomltext.EditError("a decision needs a result: mastered or not yet")
        did = stamp_id("d", self.at, _existing(text, "decisions"))
        value = _compact({
            "request": self.request, "competency": self.competency,
            "result": None if self.withdrawn or self.result is None else str(self.result),
            "level": None if self.withdrawn else self.level,
            "feedback": self.feedback, "next_steps": self.next_steps,
            "supersedes": self.supersedes, "withdrawn": True if self.withdrawn else None,
            "by": self.by, "at": self.at})
        return tomltext.set_entry(text, ("decisions",), did, value)

    @property
    def summary(self) -> str:
        """``Mateo Silva, not yet on RP.1`` (ids when no names were given)."""
        who = self.student_name or self.student
        what = self.about or self.competency or self.request
        if self.withdrawn:
            return f"{who}, took back the decision on {what}"
        words = "mastered" if self.result == Result.MASTERED else "not yet"
        if self.supersedes:
            return f"{who}, corrected to {words} on {what}"
        return f"{who}, {words} on {what}"


# --------------------------------------------------------------------------- curriculum


@dataclass(frozen=True)
class FileOperation(Operation):
    """An operation on one file named by its path in the class folder (authoring)."""

    file: str = ""

    @property
    def path(self) -> str:
        return self.file


@dataclass(frozen=True)
class SetField(FileOperation):
    """Set one value in a curriculum or class file, e.g. an activity's title."""

    kind: ClassVar[str] = "set"
    loc: Loc = ()
    value: Any = None

    def edit(self, text: str) -> str:
        return tomltext.set_value(text, self.loc, self.value)

    @property
    def summary(self) -> str:
        return f"set {'.'.join(map(str, self.loc))} in {self.file}"


@dataclass(frozen=True)
class RemoveField(FileOperation):
    kind: ClassVar[str] = "unset"
    loc: Loc = ()

    def edit(self, text: str) -> str:
        return tomltext.remove_value(text, self.loc)


@dataclass(frozen=True)
class AddItem(FileOperation):
    """Append a table to an array of tables: a tier, an activity, a competency, a student."""

    kind: ClassVar[str] = "add"
    array: Loc = ()
    item: tuple[tuple[str, Any], ...] = ()

    def edit(self, text: str) -> str:
        return tomltext.append_table(text, self.array, dict(self.item))

    @property
    def summary(self) -> str:
        return f"added to {'.'.join(map(str, self.array))} in {self.file}"


@dataclass(frozen=True)
class RemoveItem(FileOperation):
    kind: ClassVar[str] = "remove"
    element: Loc = ()

    def edit(self, text: str) -> str:
        return tomltext.remove_element(text, self.element)


# --------------------------------------------------------------------------- teacher: adjustments


def _unique(ids: tuple[str, ...] | list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


@dataclass(frozen=True)
class SetAdjustment(Operation):
    """Set one student's adjustment of one playlist: one line of ``[adjustments]`` in their
    teacher.toml. An empty adjustment (no start, skip, add or note) removes the line."""

    kind: ClassVar[str] = "adjust"
    student: str = ""
    playlist: str = ""
    start: str | None = None
    skip: tuple[str, ...] = ()
    add: tuple[str, ...] = ()
    note: str = ""
    by: str = ""  # the teacher making the change (not stored in the line)
    student_name: str = ""  # words for the summary only
    playlist_title: str = ""

    @property
    def path(self) -> str:
        return layout.teacher_file(self.student)

    def new_file(self) -> str:
        return f"# Teachers' decisions about {self.student}: only teachers write this file.\n"

    def value(self) -> dict[str, Any]:
        """The line's inline table, keys always in the same order."""
        return _compact({"start": self.start or None, "skip": _unique(self.skip) or None,
                         "add": _unique(self.add) or None, "note": self.note})

    def edit(self, text: str) -> str:
        value = self.value()
        try:
            current = tomlparse.loads(text).get("adjustments", {})
        except tomllib.TOMLDecodeError as exc:
            raise tomltext.EditError(f"the file is not valid TOML ({exc})") from exc
        if not isinstance(current, dict):
            raise tomltext.EditError("'adjustments' is not a table")
        if not value:
            if self.playlist not in current:
                return text
            return tomltext.remove_entry(text, ("adjustments",), self.playlist)
        if current.get(self.playlist) == value:
            return text  # the same adjustment: keep the line as it is written
        return tomltext.set_entry(text, ("adjustments",), self.playlist, value)

    @property
    def summary(self) -> str:
        """``Mateo Silva, adjusted Ratios`` (the commit message says who did it)."""
        who = self.student_name or self.student
        what = self.playlist_title or self.playlist
        if not self.value():
            return f"{who}, removed the adjustment of {what}"
        return f"{who}, adjusted {what}"


# --------------------------------------------------------------------------- class.toml


@dataclass(frozen=True)
class ClassOp(Operation):
    """An operation on class.toml (teachers only)."""

    @property
    def path(self) -> str:
        return layout.CLASS_FILE

    @staticmethod
    def _array(text: str, name: str) -> list[Any]:
        try:
            found = tomlparse.loads(text).get(name, [])
        except tomllib.TOMLDecodeError as exc:
            raise tomltext.EditError(f"the file is not valid TOML ({exc})") from exc
        return found if isinstance(found, list) else []


@dataclass(frozen=True)
class Assign(ClassOp):
    """Assign a playlist to everyone, to groups and/or to students: one new
    ``[[assignments]]`` block at the end of the assignments. Nothing changes if the very
    same assignment is already there."""

    kind: ClassVar[str] = "assign"
    playlist: str = ""
    everyone: bool = False
    groups: tuple[str, ...] = ()
    students: tuple[str, ...] = ()

    def item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"playlist": self.playlist}
        if self.everyone:
            item["everyone"] = True
        if self.groups:
            item["groups"] = _unique(self.groups)
        if self.students:
            item["students"] = _unique(self.students)
        return item

    def edit(self, text: str) -> str:
        item = self.item()
        if len(item) == 1:
            raise tomltext.EditError("an assignment needs a target: everyone, groups or students")
        if any(existing == item for existing in self._array(text, "assignments")):
            return text
        return tomltext.append_table(text, ("assignments",), item)

    @property
    def summary(self) -> str:
        targets = (["everyone"] if self.everyone else []) + list(self.groups) + list(
            self.students)
        return f"assigned {self.playlist} to {', '.join(targets)}"


@dataclass(frozen=True)
class Unassign(ClassOp):
    """Remove the ``[[assignments]]`` block at ``index`` (counting from 0). ``playlist``,
    when given, must be the block's playlist: an index from an older view of the file
    never removes another assignment."""

    kind: ClassVar[str] = "unassign"
    index: int = 0
    playlist: str = ""

    def edit(self, text: str) -> str:
        found = self._array(text, "assignments")
        if not 0 <= self.index < len(found):
            raise tomltext.EditError(f"there is no assignment number {self.index + 1}")
        current = found[self.index]
        if self.playlist and (not isinstance(current, dict)
                              or current.get("playlist") != self.playlist):
            raise tomltext.EditError(
                f"assignment number {self.index + 1} is not of {self.playlist!r} any more "
                "(the file has changed)")
        result = tomltext.remove_table(text, ("assignments", self.index))
        if len(found) == 1 and "assignments" in tomlparse.loads(result):
            # The last assignment: no "assignments = []" left behind in its place.
            result = tomltext.remove_entry(result, (), "assignments")
        if result.endswith("\n\n") and not text.endswith("\n\n"):
            result = result.rstrip("\n") + "\n"  # the last block: no blank line left behind
        return result

    @property
    def summary(self) -> str:
        return f"removed an assignment of {self.playlist or 'a playlist'}"


@dataclass(frozen=True)
class AddGroup(ClassOp):
    """A new group: one ``[[groups]]`` block after the last group."""

    kind: ClassVar[str] = "group"
    id: str = ""
    name: str = ""
    members: tuple[str, ...] = ()

    def edit(self, text: str) -> str:
        if any(isinstance(g, dict) and g.get("id") == self.id
               for g in self._array(text, "groups")):
            raise tomltext.EditError(f"there is already a group {self.id!r}")
        item: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.members:
            item["members"] = _unique(self.members)
        return tomltext.append_table(text, ("groups",), item)

    @property
    def summary(self) -> str:
        return f"added the group {self.name or self.id}"


@dataclass(frozen=True)
class SetGroupMembers(ClassOp):
    """Replace the members of the group at ``index`` (one line). With ``index`` below 0,
    the group is found by its id, ``group``; with both, the id must match the index."""

    kind: ClassVar[str] = "group-members"
    index: int = -1
    members: tuple[str, ...] = ()
    group: str = ""

    def edit(self, text: str) -> str:
        found = self._array(text, "groups")
        index = self.index
        if index < 0:
            index = next((n for n, g in enumerate(found)
                          if isinstance(g, dict) and g.get("id") == self.group), -1)
            if index < 0:
                raise tomltext.EditError(f"there is no group {self.group!r}")
        if index >= len(found):
            raise tomltext.EditError(f"there is no group number {index + 1}")
        current = found[index]
        if self.group and (not isinstance(current, dict) or current.get("id") != self.group):
            raise tomltext.EditError(f"group number {index + 1} is not {self.group!r} any more "
                                     "(the file has changed)")
        members = _unique(self.members)
        if isinstance(current, dict) and current.get("members", []) == members:
            return text
        return tomltext.set_value(text, ("groups", index, "members"), members)

    @property
    def summary(self) -> str:
        return f"changed the members of group {self.group or self.index + 1}"


# ---- authoring
# Curriculum edits made by teachers in the app (playlists and frameworks). Their paths are
# "wheres": like a Loc, but an element of an array of tables may be named by its id
# (``("tiers", "core", "activities", "video", "title")``), so that an edit lands on the
# right element even if the file changed since the app read it (an element added, moved,
# or left out of the class because it is broken).

Where = tuple[str | int, ...]


def _authoring_plain(value: Any) -> Any:
    """Values as TOML data: tuples as lists, enums as their text."""
    if isinstance(value, str):
        return str(value)  # a StrEnum (Kind) as its plain text
    if isinstance(value, dict):
        return {k: _authoring_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_authoring_plain(v) for v in value]
    return value


def _authoring_parse(text: str) -> dict[str, Any]:
    try:
        return tomlparse.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise tomltext.EditError(f"the file is not valid TOML ({exc})") from exc


def _where_words(where: Where) -> str:
    return ".".join(str(p) for p in where) or "the file"


def resolve_where(data: dict[str, Any], where: Where) -> Loc:
    """The Loc (array positions as numbers) of a where in parsed data. Keys that are not
    there yet are fine (a value or table to add); an element named by an id must exist."""
    out: list[str | int] = []
    current: Any = data
    for part in where:
        if isinstance(current, list):
            if isinstance(part, int):
                index: int | None = part if 0 <= part < len(current) else None
            else:
                index = next((i for i, item in enumerate(current)
                              if isinstance(item, dict) and item.get("id") == part), None)
            if index is None:
                raise tomltext.EditError(
                    f"there is no {part!r} in {_where_words(tuple(out))} any more "
                    "(the file changed; look again)")
            out.append(index)
            current = current[index]
        elif isinstance(part, str) and (current is None or isinstance(current, dict)):
            out.append(part)
            current = current.get(part) if isinstance(current, dict) else None
        else:
            raise tomltext.EditError(f"nothing at {_where_words(where)} in the file")
    return tuple(out)


def _at(data: Any, loc: Loc) -> Any:
    current = data
    for part in loc:
        if isinstance(current, dict) and isinstance(part, str):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            return None
    return current


_COMPETENCY_ORDER = ("id", "name", "statement", "parent", "prerequisites")


def render_curriculum(model: Any, header: str = "") -> str:
    """A new playlist or framework file (``model`` is a Playlist or a Framework), laid out
    like the hand-written examples in docs/formats.md. Deterministic."""
    from playlist_tui.store.render import to_data

    data = to_data(model)
    competencies = data.get("competencies")
    if isinstance(competencies, list):
        data["competencies"] = [
            {**{k: c[k] for k in _COMPETENCY_ORDER if k in c},
             **{k: v for k, v in c.items() if k not in _COMPETENCY_ORDER}}
            for c in competencies]
    return tomltext.render_tables(data, header)


@dataclass(frozen=True)
class CreateFile(FileOperation):
    """Write a new curriculum file; refuses to overwrite a file that is already there."""

    kind: ClassVar[str] = "create"
    text: str = ""

    def new_file(self) -> str:
        return self.text

    def edit(self, text: str) -> str:
        if layout.writer_of(self.file) is None or not self.file.endswith(".toml"):
            raise tomltext.EditError(f"{self.file!r} is not a place for a class file")
        if text != self.text:
            raise tomltext.EditError(f"{self.file} already exists; choose another id")
        return text

    @property
    def summary(self) -> str:
        return f"created {self.file}"


@dataclass(frozen=True)
class EditFields(FileOperation):
    """Set or remove (value None) several values of one curriculum file at once: what one
    form changes. Values that are already as asked are left alone, so only the lines that
    really change are written. A missing top-level table (``[check]``) is added above the
    first table of the file."""

    kind: ClassVar[str] = "edit"
    changes: tuple[tuple[Where, Any], ...] = ()
    what: str = ""

    def edit(self, text: str) -> str:
        data = _authoring_parse(text)
        resolved = [(resolve_where(data, where), _authoring_plain(value))
                    for where, value in self.changes]
        new_tables: dict[str, dict[str, Any]] = {}
        for loc, value in resolved:
            parent, key = loc[:-1], loc[-1]
            if not isinstance(key, str):
                raise tomltext.EditError("a field is named by a key")
            container = _at(data, parent)
            if not isinstance(container, dict):
                if value is None:
                    continue
                if len(parent) == 1 and isinstance(parent[0], str) and container is None:
                    new_tables.setdefault(parent[0], {})[key] = value
                    continue
                raise tomltext.EditError(f"nothing at {_where_words(parent)} in the file")
            if value is None:
                if key in container:
                    text = tomltext.remove_value(text, loc)
                continue
            if key in container and container[key] == value:
                continue
            text = tomltext.set_value_text(text, loc, value)
        for table, item in new_tables.items():
            text = tomltext.insert_table(text, table, item)
        return text

    @property
    def summary(self) -> str:
        return f"edited {self.what or 'values'} in {self.file}"


@dataclass(frozen=True)
class AddElement(FileOperation):
    """Append a table to an array of tables (a tier, an activity, a competency); refuses an
    id that the array already has."""

    kind: ClassVar[str] = "add"
    array: Where = ()
    item: tuple[tuple[str, Any], ...] = ()

    def edit(self, text: str) -> str:
        data = _authoring_parse(text)
        loc = resolve_where(data, self.array)
        item = {k: _authoring_plain(v) for k, v in self.item}
        existing = _at(data, loc)
        existing = existing if isinstance(existing, list) else []
        if "id" in item and any(isinstance(e, dict) and e.get("id") == item["id"]
                                for e in existing):
            raise tomltext.EditError(f"there is already an element with id {item['id']!r}")
        long = {k: v for k, v in item.items() if isinstance(v, str) and "\n" in v}
        text = tomltext.append_table(text, loc, {k: v for k, v in item.items()
                                                 if k not in long})
        for key, value in long.items():
            text = tomltext.set_value_text(text, (*loc, len(existing), key), value)
        return text

    @property
    def summary(self) -> str:
        ident = dict(self.item).get("id", "")
        return f"added {ident} to {_where_words(self.array)} in {self.file}"


@dataclass(frozen=True)
class RemoveElement(FileOperation):
    """Remove one element of an array of tables (with its sub-tables and its comment)."""

    kind: ClassVar[str] = "remove"
    element: Where = ()

    def edit(self, text: str) -> str:
        loc = resolve_where(_authoring_parse(text), self.element)
        return tomltext.remove_element(text, loc)

    @property
    def summary(self) -> str:
        return f"removed {_where_words(self.element)} from {self.file}"


@dataclass(frozen=True)
class MoveItem(FileOperation):
    """Move one ``[[array]]`` element ``offset`` places up (negative) or down its array;
    at the first or last place it stays where it is."""

    kind: ClassVar[str] = "move"
    element: Where = ()
    offset: int = 0

    def edit(self, text: str) -> str:
        data = _authoring_parse(text)
        loc = resolve_where(data, self.element)
        index = loc[-1]
        siblings = _at(data, loc[:-1])
        if not isinstance(index, int) or not isinstance(siblings, list):
            raise tomltext.EditError(f"{_where_words(self.element)} is not in a list")
        target = min(max(index + self.offset, 0), len(siblings) - 1)
        if target == index:
            return text
        return tomltext.move_table(text, loc, target - index)

    @property
    def summary(self) -> str:
        words = "up" if self.offset < 0 else "down"
        return f"moved {_where_words(self.element)} {words} in {self.file}"


@dataclass(frozen=True)
class MoveItemTo(FileOperation):
    """Move one ``[[array]]`` element into another array of the same file, at
    ``position`` (None: at the end), e.g. an activity into another tier."""

    kind: ClassVar[str] = "move"
    element: Where = ()
    array: Where = ()
    position: int | None = None

    def edit(self, text: str) -> str:
        data = _authoring_parse(text)
        loc = resolve_where(data, self.element)
        array = resolve_where(data, self.array)
        if not isinstance(loc[-1], int):
            raise tomltext.EditError(f"{_where_words(self.element)} is not in a list")
        target = _at(data, array)
        size = len(target) if isinstance(target, list) else 0
        if loc[:-1] == array:
            size -= 1
        position = size if self.position is None else min(max(self.position, 0), size)
        return tomltext.relocate_table(text, loc, array, position)

    @property
    def summary(self) -> str:
        return (f"moved {_where_words(self.element)} to {_where_words(self.array)} "
                f"in {self.file}")
