"""The whole class in memory: every file's model, indexed by id.

:class:`ClassData` is built by :func:`playlist_tui.model.check.build_class` from the
parsed files; it is immutable, so a new one is built whenever files change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Generic, TypeVar

from playlist_tui.model.files import (
    ClassFile,
    Competency,
    Framework,
    Group,
    Playlist,
    Scale,
    Student,
    StudentFile,
    Teacher,
    TeacherFile,
)

T = TypeVar("T", Student, Teacher, Group)
V = TypeVar("V")


def _first_by_id(items: tuple[T, ...]) -> dict[str, T]:
    out: dict[str, T] = {}
    for item in items:
        out.setdefault(item.id, item)
    return out


EMPTY_STUDENT_FILE = StudentFile()
EMPTY_TEACHER_FILE = TeacherFile()
DEFAULT_SCALE = Scale(levels=("Not yet", "Mastered"), mastered_at=2)


@dataclass(frozen=True)
class StudentRecord:
    """One student's two files: their own, and the teachers' decisions about them."""

    student: StudentFile = EMPTY_STUDENT_FILE
    teacher: TeacherFile = EMPTY_TEACHER_FILE


_MAKING = threading.Lock()


def _same(a: Mapping[str, object], b: Mapping[str, object]) -> bool:
    """The same keys, each with the very same object."""
    return a is b or (len(a) == len(b) and all(b.get(k) is v for k, v in a.items()))


class Lazy(Generic[V]):
    """A value that is made the first time it is needed, then kept.

    The store keeps the students' files of a large class in a compact form and makes
    their models only when something asks for them (see docs/performance.md); a value
    that is already there is simply wrapped. Safe to use from several threads: the value
    is made once.
    """

    __slots__ = ("_make", "_quick", "_value", "group")

    def __init__(self, value: V | None = None, make: Callable[[], V] | None = None,
                 group: str | None = None, quick: Callable[[], V] | None = None) -> None:
        self._value = value
        self._make = make if value is None else None
        self._quick = quick if value is None else None
        """Makes an equal value more cheaply, for a look that does not keep it (the store
        skips interning the strings of a model that is only checked: see peek)."""
        self.group = group
        """Values of the same group are cheapest made one after the other (the store
        keeps students' files in shards: see :meth:`PassingRecords.__iter__`)."""

    @property
    def ready(self) -> bool:
        return self._make is None

    def peek(self, quick: bool = False) -> V:
        """The value, made if need be but then not kept (for one pass over a class).
        ``quick``: the caller only reads it and drops it (an equal value, maybe made
        more cheaply, holding strings of its own)."""
        make = self._make
        if make is not None:
            if quick and self._quick is not None:
                return self._quick()
            return make()
        return self._value  # type: ignore[return-value]

    def get(self) -> V:
        make = self._make
        if make is not None:
            with _MAKING:
                if self._make is not None:
                    self._value = self._make()
                    self._make = self._quick = None
        return self._value  # type: ignore[return-value]


class RecordCell:
    """One student's two files, made into a :class:`StudentRecord` when first needed."""

    __slots__ = ("_record", "student", "teacher")

    def __init__(self, student: Lazy[StudentFile], teacher: Lazy[TeacherFile]) -> None:
        self.student = student
        self.teacher = teacher
        self._record: StudentRecord | None = None

    def record(self) -> StudentRecord:
        record = self._record
        if record is None:
            record = self._record = StudentRecord(self.student.get(), self.teacher.get())
        return record


    def peek(self) -> StudentRecord:
        """The record, without keeping it if it had not been made yet."""
        record = self._record
        if record is None:
            record = StudentRecord(self.student.peek(quick=True), self.teacher.peek(quick=True))
        return record


class Records(Mapping[str, StudentRecord]):
    """Student id -> :class:`StudentRecord`, each made the first time it is asked for."""

    __slots__ = ("cells",)

    def __init__(self, cells: dict[str, RecordCell]) -> None:
        self.cells = cells

    def __getitem__(self, student: str) -> StudentRecord:
        return self.cells[student].record()

    def __iter__(self) -> Iterator[str]:
        return iter(self.cells)

    def __len__(self) -> int:
        return len(self.cells)

    def __contains__(self, student: object) -> bool:
        return student in self.cells

    def __repr__(self) -> str:
        return f"Records({len(self.cells)} students)"


class PassingRecords(Records):
    """The same records, made when asked for but not kept (see :meth:`ClassData.in_passing`)."""

    __slots__ = ("_recent",)
    RECENT = 4
    """Records kept for a moment: a pass asks for the same student several times."""

    def __init__(self, cells: dict[str, RecordCell]) -> None:
        super().__init__(cells)
        self._recent: dict[str, StudentRecord] = {}

    def __iter__(self) -> Iterator[str]:
        """Students in the order that is cheapest to make them one after the other: the
        store's shards one by one, so that a shard is used up and dropped before the next
        is read (in roster order a pass would soon hold every shard in memory)."""
        cells = self.cells
        return iter(sorted(cells, key=lambda sid: cells[sid].student.group or ""))

    def __getitem__(self, student: str) -> StudentRecord:
        recent = self._recent
        record = recent.get(student)
        if record is None:
            record = self.cells[student].peek()
            if len(recent) >= self.RECENT:
                recent.pop(next(iter(recent)))
            recent[student] = record
        return record


@dataclass(frozen=True)
class ClassData:
    info: ClassFile
    frameworks: Mapping[str, Framework] = field(default_factory=dict)
    playlists: Mapping[str, Playlist] = field(default_factory=dict)
    records: Mapping[str, StudentRecord] = field(default_factory=dict)
    sources: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """("framework" | "playlist" | "student" | "teacher", id) -> path in the class folder."""

    @cached_property
    def competencies(self) -> dict[str, Competency]:
        out: dict[str, Competency] = {}
        for framework in self.frameworks.values():
            for competency in framework.competencies:
                out.setdefault(competency.id, competency)
        return out

    @cached_property
    def framework_of(self) -> dict[str, Framework]:
        out: dict[str, Framework] = {}
        for framework in self.frameworks.values():
            for competency in framework.competencies:
                out.setdefault(competency.id, framework)
        return out

    def scale_for(self, competency: str) -> Scale:
        framework = self.framework_of.get(competency)
        return framework.scale if framework else DEFAULT_SCALE

    @cached_property
    def students(self) -> dict[str, Student]:
        return _first_by_id(self.info.students)

    @cached_property
    def teachers(self) -> dict[str, Teacher]:
        return _first_by_id(self.info.teachers)

    @cached_property
    def groups(self) -> dict[str, Group]:
        return _first_by_id(self.info.groups)

    def record(self, student: str) -> StudentRecord:
        return self.records.get(student, StudentRecord())

    def carry_over(self, previous: ClassData) -> None:
        """Take over what ``previous`` worked out (its indexes of the roster, the
        assignments and the competencies) where it rests on the very same objects: after a
        change to a student's file, the next class does not work them out again (at 5,000
        students the assignments alone take a quarter of a second)."""
        same_info = previous.info is self.info
        same_playlists = same_info and _same(previous.playlists, self.playlists)
        same_frameworks = _same(previous.frameworks, self.frameworks)
        names: list[str] = []
        if same_info:
            names += ["students", "teachers", "groups", "_assignment_index"]
        if same_playlists:
            names += ["_assigned_memo", "_assignees"]
        if same_frameworks:
            names += ["competencies", "framework_of"]
        mine, theirs = self.__dict__, previous.__dict__
        for name in names:  # (the cached properties keep their values in __dict__)
            if name in theirs and name not in mine:
                mine[name] = theirs[name]

    def in_passing(self) -> ClassData:
        """The same class, for one pass over every student: records not made yet are made
        when asked for and then dropped, not kept (at 5,000 students, keeping them all
        costs hundreds of MiB; see docs/performance.md)."""
        records = self.records
        if not isinstance(records, Records) or isinstance(records, PassingRecords):
            return self
        passing = replace(self, records=PassingRecords(records.cells))
        passing.carry_over(self)
        return passing

    def assigned_playlists(self, student: str) -> list[Playlist]:
        """Playlists assigned to a student (directly, through a group or to everyone)."""
        return list(self._assigned(student))

    def assignees(self, playlist: str) -> list[str]:
        """Student ids a playlist is assigned to, in roster order."""
        return list(self._assignees.get(playlist, ()))

    # The two questions above are asked for every student and every playlist when a view
    # of the whole class is drawn, so their answers are worked out once per ClassData
    # (which never changes) from an index of the assignments.

    @cached_property
    def _assignment_index(self) -> tuple[list[int], dict[str, list[int]], dict[str, list[int]],
                                         dict[str, set[str]]]:
        """(assignments to everyone, assignments by student, assignments by group, groups
        by member), assignments as their positions in class.toml."""
        everyone: list[int] = []
        by_student: dict[str, list[int]] = {}
        by_group: dict[str, list[int]] = {}
        for n, assignment in enumerate(self.info.assignments):
            if assignment.everyone:
                everyone.append(n)
            for sid in assignment.students:
                by_student.setdefault(sid, []).append(n)
            for gid in assignment.groups:
                by_group.setdefault(gid, []).append(n)
        groups_of: dict[str, set[str]] = {}
        for group in self.info.groups:
            for member in group.members:
                groups_of.setdefault(member, set()).add(group.id)
        return everyone, by_student, by_group, groups_of

    @cached_property
    def _assigned_memo(self) -> dict[str, tuple[Playlist, ...]]:
        return {}

    def _assigned(self, student: str) -> tuple[Playlist, ...]:
        found = self._assigned_memo.get(student)
        if found is not None:
            return found
        everyone, by_student, by_group, groups_of = self._assignment_index
        reaching = set(everyone)
        reaching.update(by_student.get(student, ()))
        for gid in groups_of.get(student, ()):
            reaching.update(by_group.get(gid, ()))
        wanted: list[str] = []
        for n in sorted(reaching):
            playlist_id = self.info.assignments[n].playlist
            if playlist_id not in wanted:
                wanted.append(playlist_id)
        found = tuple(self.playlists[p] for p in wanted if p in self.playlists)
        self._assigned_memo[student] = found
        return found

    @cached_property
    def _assignees(self) -> dict[str, tuple[str, ...]]:
        """Playlist id -> the roster's students it is assigned to, in roster order."""
        out: dict[str, list[str]] = {}
        for student in self.info.students:
            for playlist_id in dict.fromkeys(p.id for p in self._assigned(student.id)):
                out.setdefault(playlist_id, []).append(student.id)
        return {k: tuple(v) for k, v in out.items()}
