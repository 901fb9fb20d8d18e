"""``playlist-tui init [FOLDER]``: start a new class folder.

Makes class.toml (the class's name and its teachers), empty frameworks/ and playlists/
(each with a .gitkeep so git keeps them), a .gitignore, a git repository when the folder
is not in one yet, the merge driver (``GitRepo.setup``, as ``playlist-tui setup-git``)
and a first commit. It never overwrites a class: a folder that has a class.toml is
refused. Values come from the flags; in a terminal, a short form asks for what is missing
(the teacher prefilled from ``git config``), then the app opens as that teacher.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from playlist_tui.model.safetext import safe_line

if TYPE_CHECKING:
    from playlist_tui.store.newclass import Made, Plan, Teacher

HELP = ("Start a new class in FOLDER (default: the current folder): class.toml with the "
        "class's name and teachers, empty frameworks/ and playlists/, a .gitignore, git "
        "init when needed, the merge driver, a first commit. Never overwrites a class. "
        "Without enough flags in a terminal, a short form asks. Exit 0 when made, 2 when "
        "not (the message says why).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", metavar="FOLDER",
                        help="where to start the class (default: the current folder); made "
                             "if it does not exist")
    parser.add_argument("--name", help="the class's name, e.g. \"Grade 6 Math (2026-27)\"")
    parser.add_argument("--teacher-name", metavar="NAME",
                        help="your name as students see it (default: git config user.name)")
    parser.add_argument("--teacher-email", metavar="EMAIL",
                        help="your email (default: git config user.email); the app "
                             "recognises you by it")
    parser.add_argument("--teacher-id", metavar="ID",
                        help="your id in the roster (default: made from your name)")
    parser.add_argument("--co-teacher", action="append", default=[], metavar="NAME:EMAIL",
                        help="another teacher of the class (repeat for more)")
    parser.add_argument("-y", "--yes", action="store_true",
                        help="ask nothing: the teacher from git config, the class named "
                             "after the folder unless --name is given")
    parser.add_argument("--no-open", action="store_true",
                        help="do not open the app after the form")


def git_config(key: str, where: Path | None = None) -> str:
    """``git config KEY`` as seen from ``where`` (or the user's settings), or ''."""
    cwd = where if where is not None and where.is_dir() else None
    try:
        out = subprocess.run(["git", "config", "--get", key], capture_output=True, text=True,
                             timeout=10, check=False, cwd=cwd)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _error(message: str) -> int:
    print(f"playlist-tui init: {safe_line(message)}", file=sys.stderr)
    return 2


def _teacher(name: str, email: str, ident: str | None, taken: set[str]) -> Teacher:
    from playlist_tui.store.newclass import Teacher
    from playlist_tui.store.roster_ops import suggest_id

    return Teacher(ident or suggest_id(name, taken), name, email)


def plan_from(args: argparse.Namespace, folder: Path) -> tuple[Plan, list[str]]:
    """The plan from the flags and git config, and which values are still missing."""
    from playlist_tui.store.newclass import Plan, parse_co_teacher

    name = args.name or ""
    teacher_name = args.teacher_name or git_config("user.name", folder)
    teacher_email = args.teacher_email or git_config("user.email", folder)
    missing = []
    if not name:
        if args.yes:
            name = folder.resolve().name
        else:
            missing.append("--name")
    if not teacher_name:
        missing.append("--teacher-name")
    plan = Plan(name=name)
    taken: set[str] = set()
    if teacher_name:
        plan.teachers.append(_teacher(teacher_name, teacher_email, args.teacher_id, taken))
        taken.add(plan.teachers[-1].id)
    for value in args.co_teacher:
        co_name, co_email = parse_co_teacher(value)
        plan.teachers.append(_teacher(co_name, co_email, None, taken))
        taken.add(plan.teachers[-1].id)
    return plan, missing


def has_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.gitcmd import GitError
    from playlist_tui.store.newclass import existing_class, make_class, plan_problems

    folder = Path(args.folder) if args.folder else Path.cwd()
    why = existing_class(folder)
    if why is not None:
        return _error(why)
    try:
        plan, missing = plan_from(args, folder)
    except ValueError as exc:
        return _error(str(exc))
    asked = False
    if missing and not args.yes:
        if not has_terminal():
            return _error(f"missing {', '.join(missing)} (there is no terminal to ask in); "
                          "for example: playlist-tui init FOLDER --name \"Grade 6 Math\" "
                          "--teacher-name \"Jane Lee\" --teacher-email j.lee@school.org")
        from playlist_tui.ui.init_form import ask_plan

        answer = ask_plan(folder, plan)
        if answer is None:
            print("Nothing made (the form was cancelled).", file=sys.stderr)
            return 2
        plan, asked = answer, True
    problems = plan_problems(plan)
    if problems:
        return _error("; ".join(problems))
    why = existing_class(folder)  # (again: the form took a while)
    if why is not None:
        return _error(why)
    try:
        made = make_class(folder, plan)
    except FileExistsError:
        return _error(f"{folder} already holds a class (class.toml); init never overwrites "
                      "one")
    except (OSError, GitError) as exc:
        return _error(f"could not make the class in {folder}: {exc}")
    report(made, plan)
    if asked and not args.no_open and has_terminal():
        from playlist_tui.commands.common import open_app

        return open_app(folder, "teacher", plan.teachers[0].id)
    return 0


def report(made: Made, plan: Plan) -> None:
    where = safe_line(made.folder)
    print(safe_line(f"Made the class {plan.name.strip()!r} in {made.folder}: "
                    + ", ".join(made.files) + "."))
    for note in made.notes:
        print(f"  {safe_line(note)}")
    if made.commit:
        print(f"  first commit {made.commit}")
    teacher = plan.teachers[0]
    quoted = where if " " not in where else f"'{where}'"
    print("Next:")
    print(f"  playlist-tui roster add student \"Ana Souza\" --email ana@school.org -C {quoted}")
    print(f"  playlist-tui {quoted}    (opens the app as {safe_line(teacher.name)}: "
          "a writes frameworks and playlists, n assigns one)")
