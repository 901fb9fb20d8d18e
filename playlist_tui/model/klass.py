"""The whole class in memory: every file's model, indexed by id.

:class:`ClassData` is built by :func:`playlist_tui.model.check.build_class` from the
parsed files; it is immutable, so a new one is built whenever files change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

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

    def assigned_playlists(self, student: str) -> list[Playlist]:
        """Playlists assigned to a student (directly, through a group or to everyone)."""
        groups = {g.id for g in self.info.groups if student in g.members}
        wanted: list[str] = []
        for assignment in self.info.assignments:
            reaches = (assignment.everyone or student in assignment.students
                       or groups.intersection(assignment.groups))
            if reaches and assignment.playlist not in wanted:
                wanted.append(assignment.playlist)
        return [self.playlists[p] for p in wanted if p in self.playlists]

    def assignees(self, playlist: str) -> list[str]:
        """Student ids a playlist is assigned to, in roster order."""
        return [s.id for s in self.info.students
                if any(p.id == playlist for p in self.assigned_playlists(s.id))]
