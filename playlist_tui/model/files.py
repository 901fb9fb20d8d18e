"""Pydantic models of the files in a class folder, one model per kind of file.

Every model is frozen (immutable) and forbids unknown keys, so a typo in a hand-written
file is reported instead of silently ignored. Collections are tuples or read-only
mappings. No I/O happens here: :mod:`playlist_tui.store` reads the files and hands the
parsed TOML to these models.
"""

from __future__ import annotations

import operator
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from playlist_tui.model import ids
from playlist_tui.model.ids import ActivityRef, Id

FORMAT_VERSION = 1


def _aware(value: Any) -> datetime:
    """TOML times: a date means midnight UTC, a time without offset is read as UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    raise ValueError(
        "expected a date-time like 2026-11-03T10:15:00Z (without quotes), "
        f"got {_describe(value)}"
    )


def _strict_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise ValueError(f"expected a date like 2026-11-03 (without quotes), got {_describe(value)}")


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"a string {value!r}"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, time):
        return f"a time of day without a date ({value.isoformat()})"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


Timestamp = Annotated[datetime, BeforeValidator(_aware)]
"""A moment: a TOML offset date-time (``2026-11-03T10:15:00Z``); local times count as UTC."""

Day = Annotated[date, BeforeValidator(_strict_date)]
Text = StrictStr


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


# --------------------------------------------------------------------------- class file


class Person(_Model):
    id: Id
    name: Text
    emails: tuple[Text, ...] = ()
    signing_key: Text | None = None
    """An SSH public key ("ssh-ed25519 AAAA... comment"): when set, this person's commits
    must be signed with it (see docs/git.md)."""


class Teacher(Person):
    pass


class Student(Person):
    pass


class Group(_Model):
    id: Id
    name: Text
    members: tuple[Id, ...] = ()


class Assignment(_Model):
    """Who works on a playlist: everyone, some groups, some students (any combination)."""

    playlist: Id
    everyone: StrictBool = False
    groups: tuple[Id, ...] = ()
    students: tuple[Id, ...] = ()

    @model_validator(mode="after")
    def _has_target(self) -> Assignment:
        if not (self.everyone or self.groups or self.students):
            raise ValueError(
                "an assignment needs a target: everyone = true, groups = [...] or students = [...]"
            )
        return self


class Repositories(_Model):
    """``[repositories]``: privacy mode, each student's record in a repository of its own
    (see docs/privacy.md)."""

    students: Text
    """The address of a student's repository, with ``{id}`` for the student's id;
    ``./`` or ``../`` at the start: relative to the class repository's remote."""

    @model_validator(mode="after")
    def _has_id(self) -> Repositories:
        if "{id}" not in self.students:
            raise ValueError("the address must contain {id}, where the student's id goes "
                             '(e.g. "../math6-students/{id}")')
        return self


class ClassFile(_Model):
    """``class.toml``: the class, its people, groups and assignments. Teachers write it."""

    format: StrictInt = FORMAT_VERSION
    name: Text = ""  # required: checked in build_class, so a missing name keeps the roster
    teachers: tuple[Teacher, ...] = ()
    students: tuple[Student, ...] = ()
    groups: tuple[Group, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    repositories: Repositories | None = None


# --------------------------------------------------------------------------- frameworks


class Scale(_Model):
    """The mastery scale: level 1 is the first name in ``levels``."""

    levels: tuple[Text, ...] = Field(min_length=2)
    mastered_at: StrictInt

    @model_validator(mode="after")
    def _mastered_in_range(self) -> Scale:
        if not 1 <= self.mastered_at <= len(self.levels):
            raise ValueError(
                f"mastered_at = {self.mastered_at} is not a level of the scale: "
                f"use a number from 1 to {len(self.levels)}"
            )
        return self

    def name_of(self, level: int) -> str:
        if 1 <= level <= len(self.levels):
            return self.levels[level - 1]
        return f"level {level}"


class Competency(_Model):
    id: Id
    statement: Text
    name: Text | None = None
    parent: Id | None = None
    prerequisites: tuple[Id, ...] = ()
    source_id: Text | None = None
    case: Text | None = None
    """What the CASE item had besides this competency's fields, as compact JSON, so that
    ``export case`` gives the publisher's item back (docs/formats.md, "CASE provenance")."""

    @property
    def label(self) -> str:
        return self.name or self.statement


class Framework(_Model):
    """``frameworks/*.toml``: competencies and their mastery scale. Teachers write them."""

    id: Id
    title: Text
    description: Text = ""
    scale: Scale
    competencies: tuple[Competency, ...] = ()
    source: Text | None = None
    case: CaseSource | None = None


class CaseSource(_Model):
    """``[case]`` of a framework imported from CASE: the rest of the publisher's package, as
    compact JSON texts, so that ``export case`` gives it back (docs/formats.md, "CASE
    provenance"). Written by ``import case``; not meant to be edited by hand."""

    document: Text
    common: Text = "{}"
    package: Text = "{}"
    competencies: StrictInt = 0
    items: tuple[Text, ...] = ()
    associations: tuple[Text, ...] = ()


# --------------------------------------------------------------------------- playlists


class Kind(StrEnum):
    VIDEO = "video"
    READING = "reading"
    PRACTICE = "practice"
    QUIZ = "quiz"
    PROJECT = "project"
    DISCUSSION = "discussion"
    WORKSHOP = "workshop"
    WRITING = "writing"
    LAB = "lab"
    GAME = "game"
    OTHER = "other"


class Activity(_Model):
    id: Id
    title: Text
    kind: Kind = Kind.OTHER
    link: Text | None = None
    minutes: StrictInt | None = Field(default=None, ge=0)
    competencies: tuple[Id, ...] = ()
    description: Text = ""


class MasteredUnlock(_Model):
    """``unlock = { mastered = "COMPETENCY" }``"""

    mastered: Id


Completion = Literal["all", "optional"] | Annotated[StrictInt, Field(ge=1)]
Unlock = Literal["open", "previous"] | MasteredUnlock


class Tier(_Model):
    id: Id
    title: Text
    complete: Completion = "all"
    unlock: Unlock | None = None  # default: "open" for the first tier, "previous" after
    activities: tuple[Activity, ...] = ()


class Check(_Model):
    """The playlist's mastery check: which competencies, and when a student is ready."""

    competencies: tuple[Id, ...] = ()
    ready_after: Id | None = None  # a tier id; default: every required tier complete
    require_prerequisites: StrictBool = False


class Playlist(_Model):
    """``playlists/*.toml``: ordered tiers of activities. Teachers write them."""

    id: Id
    title: Text
    summary: Text = ""
    check: Check = Check()
    tiers: tuple[Tier, ...] = ()

    def unlock_rule(self, index: int) -> Literal["open", "previous"] | MasteredUnlock:
        rule = self.tiers[index].unlock
        if rule is None:
            return "open" if index == 0 else "previous"
        return rule

    def activity(self, activity_id: str) -> tuple[Tier, Activity] | None:
        for tier in self.tiers:
            for activity in tier.activities:
                if activity.id == activity_id:
                    return tier, activity
        return None


# --------------------------------------------------------------------------- student files


class Note(_Model):
    """A student's reflection on an activity and/or a link to their evidence."""

    reflection: Text = ""
    evidence: Text = ""


class Request(_Model):
    """A mastery-check request. Requests are never edited or removed: history stays."""

    competency: Id
    playlist: Id | None = None
    at: Timestamp
    note: Text = ""


class Goal(_Model):
    text: Text
    target: Day | None = None
    done: Timestamp | None = None
    created: Timestamp | None = None


class Seen(_Model):
    """What the student has already looked at (so the app can point out what is new)."""

    feedback: Timestamp | None = None


def _ticks_at_once(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A student's ticks (nine entries in ten of a class) checked as a whole when that
    surely gives what checking each entry gives: every key a ``str`` already found to be
    a valid activity reference, every value a ``datetime`` with a zone (then each entry
    is kept as it is: the same keys and values, in order). Anything else is checked entry
    by entry, with the same errors as always."""
    if type(value) is dict and value:
        values = value.values()
        if ({*map(type, value)} == {str} and value.keys() <= ids._VALID_REFS
                and {*map(type, values)} == {datetime}
                and None not in {*map(_tzinfo, values)}):
            return dict(value)
    return handler(value)


_tzinfo = operator.attrgetter("tzinfo")


class StudentFile(_Model):
    """``students/ID/student.toml``: written only by that student (through the app)."""

    ticks: Annotated[dict[ActivityRef, Timestamp], WrapValidator(_ticks_at_once)] = {}
    notes: dict[ActivityRef, Note] = {}
    requests: dict[Id, Request] = {}
    goals: dict[Id, Goal] = {}
    seen: Seen = Seen()


class Result(StrEnum):
    MASTERED = "mastered"
    NOT_YET = "not-yet"


class Decision(_Model):
    """A teacher's decision on a competency, usually answering a request.

    Decisions are never edited or removed. ``supersedes = "d-..."`` corrects an earlier
    one: that one no longer counts, this one does. With ``withdrawn = true`` as well, this
    entry takes the earlier decision back and counts for nothing itself (no ``result``
    needed): its request is waiting again."""

    request: Id | None = None
    competency: Id | None = None
    result: Result | None = None
    level: StrictInt | None = Field(default=None, ge=1)
    feedback: Text = ""
    next_steps: Text = ""
    by: Id
    at: Timestamp
    supersedes: Id | None = None
    withdrawn: StrictBool = False

    @model_validator(mode="after")
    def _names_something(self) -> Decision:
        if self.withdrawn:
            if self.supersedes is None:
                raise ValueError('withdrawn = true says which decision it takes back: '
                                 'add supersedes = "d-..."')
            return self
        if self.result is None:
            raise ValueError('a decision says its result: result = "mastered" or '
                             'result = "not-yet"')
        if self.request is None and self.competency is None and self.supersedes is None:
            raise ValueError("a decision names the request it answers (request = \"...\") "
                             "or the competency it is about (competency = \"...\")")
        return self


class Adjustment(_Model):
    """One student's personal version of one playlist (``[adjustments]`` in teacher.toml).

    ``start``: a tier id; the student is placed there, and the tiers before it count as
    complete ("placed out"). ``skip``: activities this student need not do. ``add``:
    activities of the playlist made required for this student (usually from an optional
    tier). ``note``: an accommodation, shown to the student.
    """

    start: Id | None = None
    skip: tuple[Id, ...] = ()
    add: tuple[Id, ...] = ()
    note: Text = ""


class TeacherFile(_Model):
    """``students/ID/teacher.toml``: decisions about one student and adjustments of their
    playlists (one line per playlist); only teachers write it."""

    decisions: dict[Id, Decision] = {}
    adjustments: dict[Id, Adjustment] = {}
