"""Who is using the app: the git identity of the class folder, matched against the roster."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from playlist_tui.model.klass import ClassData

Role = Literal["student", "teacher"]


@dataclass(frozen=True)
class Person:
    role: Role
    id: str
    name: str


def git_email(folder: Path) -> str | None:
    """``git config user.email`` as seen from the folder, or None."""
    try:
        out = subprocess.run(["git", "-C", str(folder), "config", "user.email"],
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    email = out.stdout.strip()
    return email or None


def find(data: ClassData, role: Role, person_id: str) -> Person | None:
    people = data.students if role == "student" else data.teachers
    person = people.get(person_id)
    return Person(role, person.id, person.name) if person else None


def match_email(data: ClassData, email: str | None) -> Person | None:
    """The roster entry whose emails include ``email`` (case-insensitive)."""
    if not email:
        return None
    wanted = email.strip().lower()
    for teacher in data.info.teachers:
        if wanted in (e.lower() for e in teacher.emails):
            return Person("teacher", teacher.id, teacher.name)
    for student in data.info.students:
        if wanted in (e.lower() for e in student.emails):
            return Person("student", student.id, student.name)
    return None
