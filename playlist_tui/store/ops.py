"""Operations: every change a user can make, as a small edit of exactly one file.

An operation knows which file it changes (``path``, relative to the class folder) and how
to change that file's current text (``edit``). It never reads or writes the disk itself:
:class:`playlist_tui.store.store.ClassStore` re-reads the file, calls ``edit`` and writes
the result atomically, so an operation always applies to what is on disk now.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar

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


def _existing(text: str, table: str) -> set[str]:
    try:
        section = tomllib.loads(text).get(table, {})
    except tomllib.TOMLDecodeError:
        return set()
    return set(section) if isinstance(section, dict) else set()


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
        ref = make_ref(self.playlist, self.activity)
        if ref in _existing(text, "ticks"):
            return text  # already ticked: keep the first time
        return tomltext.set_entry(text, ("ticks",), ref, self.at)

    @property
    def summary(self) -> str:
        return f"ticked {self.playlist}/{self.activity}"


@dataclass(frozen=True)
class Untick(StudentOp):
    kind: ClassVar[str] = "untick"
    playlist: str = ""
    activity: str = ""

    def edit(self, text: str) -> str:
        ref = make_ref(self.playlist, self.activity)
        if ref not in _existing(text, "ticks"):
            return text
        return tomltext.remove_entry(text, ("ticks",), ref)

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
        ref = make_ref(self.playlist, self.activity)
        value = _compact({"reflection": self.reflection, "evidence": self.evidence})
        if not value:
            if ref not in _existing(text, "notes"):
                return text
            return tomltext.remove_entry(text, ("notes",), ref)
        return tomltext.set_entry(text, ("notes",), ref, value)

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
        goals = tomllib.loads(text).get("goals", {})
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

    @property
    def summary(self) -> str:
        return "read feedback"


# --------------------------------------------------------------------------- teacher file


@dataclass(frozen=True)
class RecordDecision(Operation):
    kind: ClassVar[str] = "decision"
    student: str = ""
    result: Result = Result.MASTERED
    by: str = ""
    request: str | None = None
    competency: str | None = None
    level: int | None = None
    feedback: str = ""
    next_steps: str = ""
    at: datetime = field(default_factory=now)

    @property
    def path(self) -> str:
        return layout.teacher_file(self.student)

    def new_file(self) -> str:
        return f"# Teachers' decisions about {self.student}: only teachers write this file.\n"

    def edit(self, text: str) -> str:
        did = stamp_id("d", self.at, _existing(text, "decisions"))
        value = _compact({
            "request": self.request, "competency": self.competency,
            "result": str(self.result), "level": self.level, "feedback": self.feedback,
            "next_steps": self.next_steps, "by": self.by, "at": self.at})
        return tomltext.set_entry(text, ("decisions",), did, value)

    @property
    def summary(self) -> str:
        words = "mastered" if self.result == Result.MASTERED else "not yet"
        return f"decided {words} on {self.competency or self.request} for {self.student}"


# --------------------------------------------------------------------------- curriculum


@dataclass(frozen=True)
class SetField(Operation):
    """Set one value in a curriculum or class file, e.g. an activity's title."""

    kind: ClassVar[str] = "set"
    file: str = ""
    loc: Loc = ()
    value: Any = None

    @property
    def path(self) -> str:
        return self.file

    def edit(self, text: str) -> str:
        return tomltext.set_value(text, self.loc, self.value)

    @property
    def summary(self) -> str:
        return f"set {'.'.join(map(str, self.loc))} in {self.file}"


@dataclass(frozen=True)
class RemoveField(Operation):
    kind: ClassVar[str] = "unset"
    file: str = ""
    loc: Loc = ()

    @property
    def path(self) -> str:
        return self.file

    def edit(self, text: str) -> str:
        return tomltext.remove_value(text, self.loc)


@dataclass(frozen=True)
class AddItem(Operation):
    """Append a table to an array of tables: a tier, an activity, a competency, a student."""

    kind: ClassVar[str] = "add"
    file: str = ""
    array: Loc = ()
    item: tuple[tuple[str, Any], ...] = ()

    @property
    def path(self) -> str:
        return self.file

    def edit(self, text: str) -> str:
        return tomltext.append_table(text, self.array, dict(self.item))

    @property
    def summary(self) -> str:
        return f"added to {'.'.join(map(str, self.array))} in {self.file}"


@dataclass(frozen=True)
class RemoveItem(Operation):
    kind: ClassVar[str] = "remove"
    file: str = ""
    element: Loc = ()

    @property
    def path(self) -> str:
        return self.file

    def edit(self, text: str) -> str:
        return tomltext.remove_table(text, self.element)
