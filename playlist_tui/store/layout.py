"""Where each kind of file lives in a class folder, and who may write it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePosixPath

CLASS_FILE = "class.toml"
FRAMEWORKS_DIR = "frameworks"
PLAYLISTS_DIR = "playlists"
STUDENTS_DIR = "students"
STUDENT_FILE = "student.toml"
TEACHER_FILE = "teacher.toml"

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Files above this size are refused: no hand-written class file comes near it."""


class Writer(StrEnum):
    TEACHERS = "teachers"
    STUDENT = "student"


def student_file(student: str) -> str:
    return f"{STUDENTS_DIR}/{student}/{STUDENT_FILE}"


def teacher_file(student: str) -> str:
    return f"{STUDENTS_DIR}/{student}/{TEACHER_FILE}"


def playlist_file(playlist: str) -> str:
    return f"{PLAYLISTS_DIR}/{playlist}.toml"


def framework_file(framework: str) -> str:
    return f"{FRAMEWORKS_DIR}/{framework}.toml"


def writer_of(path: str) -> tuple[Writer, str | None] | None:
    """Who may write a file: teachers, or one student (with their id). None: not ours."""
    parts = PurePosixPath(path).parts
    if parts == (CLASS_FILE,):
        return Writer.TEACHERS, None
    if len(parts) == 2 and parts[0] in (FRAMEWORKS_DIR, PLAYLISTS_DIR) and path.endswith(".toml"):
        return Writer.TEACHERS, None
    if len(parts) == 3 and parts[0] == STUDENTS_DIR:
        if parts[2] == STUDENT_FILE:
            return Writer.STUDENT, parts[1]
        if parts[2] == TEACHER_FILE:
            return Writer.TEACHERS, None
    return None
