"""A new class folder: what ``playlist-tui init`` makes (the command and the init
form collect a :class:`Plan`; :func:`make_class` writes it).

class.toml with the class's name and teachers (commented like the demo's, laid out as
docs/formats.md shows), empty frameworks/ and playlists/ (each with a .gitkeep so git
keeps them), a .gitignore, a git repository when the folder is not in one yet, the merge
driver (:meth:`GitRepo.setup`, as ``playlist-tui setup-git`` does) and a first commit.
Nothing that is there already is overwritten: class.toml is created exclusively.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

GITIGNORE = """\
# playlist-tui: files that are not part of the class
.*.playlist-tui-tmp
*~
*.swp
.DS_Store
Thumbs.db
"""

GITKEEP = ""


@dataclass(frozen=True)
class Teacher:
    id: str
    name: str
    email: str = ""


@dataclass
class Plan:
    """What ``init`` will make (collected from flags or the form)."""

    name: str = ""
    teachers: list[Teacher] = field(default_factory=list)


def existing_class(folder: Path) -> str | None:
    """Why ``folder`` cannot take a new class (or None)."""
    if folder.exists() and not folder.is_dir():
        return f"{folder} exists and is not a folder"
    target = folder / "class.toml"
    if target.exists() or target.is_symlink():
        return (f"{folder} already holds a class (class.toml); init never overwrites one. "
                f"Open it with 'playlist-tui {folder}', or choose another folder")
    return None


def parse_co_teacher(value: str) -> tuple[str, str]:
    """``"Dan Okafor:d.okafor@school.org"`` -> (name, email); ValueError in words."""
    name, sep, email = value.rpartition(":")
    if not sep or not name.strip() or not email.strip():
        raise ValueError(f"--co-teacher {value!r}: write it as NAME:EMAIL, e.g. "
                         "\"Dan Okafor:d.okafor@school.org\"")
    return name.strip(), email.strip()


def plan_problems(plan: Plan) -> list[str]:
    """What is wrong with a plan, in words (empty: it can be made)."""
    from playlist_tui.model.ids import ID_RULE, id_error
    from playlist_tui.store.roster_ops import email_error

    problems: list[str] = []
    if not plan.name.strip():
        problems.append("the class needs a name (--name)")
    elif "\n" in plan.name or "\r" in plan.name:
        problems.append("the class's name must be one line")
    if not plan.teachers:
        problems.append("the class needs a teacher (--teacher-name, or git config user.name)")
    seen: set[str] = set()
    for t in plan.teachers:
        if not t.name.strip() or "\n" in t.name:
            problems.append(f"teacher {t.id!r} needs a one-line name")
        if (problem := id_error(t.id)) is not None:
            problems.append(f"teacher id: {problem}; {ID_RULE}")
        if t.id in seen:
            problems.append(f"two teachers have the id {t.id!r}; give one --teacher-id")
        seen.add(t.id)
        if t.email and (problem := email_error(t.email)) is not None:
            problems.append(problem)
    return problems


def class_text(plan: Plan) -> str:
    """The new class.toml: commented like the demo's, laid out as docs/formats.md does."""
    from playlist_tui.model.files import FORMAT_VERSION
    from playlist_tui.store.tomltext import format_value

    lines = [
        "# The class file: who is in the class (teachers, students, groups) and which",
        "# playlists each student works on. Only teachers edit this file: by hand, with",
        "# 'playlist-tui roster', or in the app. Frameworks (competencies and the mastery",
        "# scale) live in frameworks/, playlists in playlists/; see docs/formats.md.",
        "#",
        "# Ids are lowercase first-last (\"ana-souza\"); a student's folder is named after",
        "# the id, so never change an id once the student has started.",
        "",
        f"format = {FORMAT_VERSION}",
        f"name = {format_value(plan.name.strip())}",
    ]
    for t in plan.teachers:
        lines += ["", "[[teachers]]", f"id = {format_value(t.id)}",
                  f"name = {format_value(t.name.strip())}",
                  f"emails = {format_value([t.email] if t.email else [])}"]
    return "\n".join(lines) + "\n"


@dataclass
class Made:
    folder: Path
    files: list[str]
    notes: list[str]
    commit: str | None


def make_class(folder: Path, plan: Plan) -> Made:
    """Write the class and start its git side. OSError or GitError on failure (the files
    written so far stay: nothing that was there before is ever changed, except a
    .gitattributes, which ``setup`` only appends to)."""
    from playlist_tui.store.atomic import atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    files: list[str] = []
    notes: list[str] = []
    # class.toml last-but-not-least: created exclusively, so two inits never both write.
    fd = os.open(folder / "class.toml", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(class_text(plan))
    files.append("class.toml")
    for sub in ("frameworks", "playlists"):
        (folder / sub).mkdir(exist_ok=True)
        keep = folder / sub / ".gitkeep"
        if not keep.exists() and not any((folder / sub).iterdir()):
            atomic_write(keep, GITKEEP.encode())
            files.append(f"{sub}/.gitkeep")
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write(ignore, GITIGNORE.encode())
        files.append(".gitignore")
    else:
        notes.append("kept the .gitignore that was there")
    first = plan.teachers[0]
    commit, more = start_git(folder, files, f"{first.id}: started the class "
                             f"{plan.name.strip()}", first.name,
                             first.email or f"{first.id}@localhost")
    notes += more
    if (folder / ".gitattributes").exists() and ".gitattributes" not in files:
        files.append(".gitattributes")
    return Made(folder, files, notes, commit)


def start_git(folder: Path, files: list[str], message: str, name: str, email: str
              ) -> tuple[str | None, list[str]]:
    """``git init`` the folder unless it is in a repository already, register the merge
    driver, and commit ``files`` (class-folder paths; .gitattributes is added) as a first
    commit. When git does not know who the user is, ``name`` and ``email`` are set in
    this repository's config. Returns the short commit id (None if not committed) and
    what was done, in words."""
    from playlist_tui.store.gitrepo import GitRepo

    notes: list[str] = []
    repo = GitRepo(folder)
    if not repo.is_repo():
        out = repo.git("init", "-q", "-b", "main", check=False)
        if not out.ok:  # git older than 2.28 has no -b
            repo.git("init", "-q")
        repo = GitRepo(folder)
        notes.append("started a git repository (git init)")
    notes += repo.setup()
    if (folder / ".gitattributes").exists() and ".gitattributes" not in files:
        files = [*files, ".gitattributes"]
    if not repo.git("config", "user.email", check=False).stdout.strip():
        repo.git("config", "user.email", email)
        notes.append(f"set git config user.email to {email} in this repository (git did not "
                     "know who you are)")
    if not repo.git("config", "user.name", check=False).stdout.strip():
        repo.git("config", "user.name", name)
        notes.append(f"set git config user.name to {name!r} in this repository")
    repo.git("add", "--", *files)
    out = repo.git("commit", "-q", "-m", message, "--", *files, check=False)
    if not out.ok:
        notes.append(f"not committed: {out.last_error_line()} (commit the files yourself)")
        return None, notes
    return repo.git("rev-parse", "--short", "HEAD").stdout.strip(), notes


def copy_demo(source: Path, folder: Path) -> Made:
    """Copy the demo class into ``folder`` (which must be missing or empty), as a class
    of its own: a git repository with the merge driver and a first commit."""
    import shutil

    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileExistsError(f"{folder} is not empty; the demo is copied only into a new "
                              "or empty folder")
    if not (source / "class.toml").is_file():
        raise FileNotFoundError(f"the demo class is missing from this installation "
                                f"({source})")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".*", "__pycache__"))
    (folder / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and ".git" not in p.relative_to(folder).parts)
    commit, notes = start_git(folder, files, "demo: the playlist-tui demo class",
                              "playlist-tui demo", "demo@localhost")
    return Made(folder, ["class.toml", "frameworks/", "playlists/", "students/"], notes,
                commit)
