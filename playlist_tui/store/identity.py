"""Who is using the app: the git identity of the class folder, matched against the roster."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # (read before the app's first paint: no model imported)
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


# --------------------------------------------------------------------------- acting as


def is_shared(folder: Path) -> bool:
    """The folder is in a git repository with a remote: its commits reach other people
    (a class clone). A demo copy or a folder outside git has no remote."""
    try:
        out = subprocess.run(["git", "-C", str(folder), "remote"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and bool(out.stdout.strip())


def roster_entry(folder: Path, role: Role, person_id: str) -> tuple[str, list[str]] | None:
    """(name, emails) of a roster entry, read from the folder's class.toml (a regular file
    only); None when there is no such person or the roster cannot be read."""
    import tomllib

    path = folder / "class.toml"
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 2 * 1024 * 1024:
            return None
        data = tomllib.loads(path.read_text(encoding="utf-8").removeprefix("\ufeff"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    people = data.get("teachers" if role == "teacher" else "students", [])
    for entry in people if isinstance(people, list) else []:
        if isinstance(entry, dict) and entry.get("id") == person_id:
            emails = entry.get("emails", [])
            return (str(entry.get("name", person_id)),
                    [str(e) for e in emails] if isinstance(emails, list) else [])
    return None


def acting_refusal(folder: Path, role: Role, person_id: str, acting: bool) -> str | None:
    """Why the app may not open as ``person_id`` here (None: it may).

    In a class clone (a repository with a remote), the app acts as someone only when the
    git email of the folder is one of theirs in class.toml, or when ``--as`` says "I know
    I am acting as someone else" (the commits then say so). A folder with no remote (a
    demo copy, a class not shared yet) is nobody else's business. An unknown id is left to
    the app (it says so and offers the picker)."""
    if acting or not is_shared(folder):
        return None
    entry = roster_entry(folder, role, person_id)
    if entry is None:
        return None
    name, emails = entry
    email = git_email(folder)
    if email and email.strip().lower() in (e.strip().lower() for e in emails):
        return None
    why = (f"your git email ({email}) is not one of {name}'s in class.toml" if email else
           "git does not say who you are here (no user.email)")
    return (f"{why}, so the app will not act as {name}: to do so anyway on this device, "
            "add --as (your commits then say so); "
            f"to look around without changing anything, open the app without --{role}")


def acting_note(person_name: str, email: str | None) -> str:
    """The line added to each commit made with ``--as``."""
    return (f"Made with --as: acting as {person_name} from a device whose git email is "
            f"{email or 'not set'}.")
