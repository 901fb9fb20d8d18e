"""``playlist-tui roster add|edit|remove|list``: students, teachers, groups, the class name.

Each change is one operation of :mod:`playlist_tui.store.roster_ops` applied through the
store (a small, verified edit of class.toml that keeps its comments), then committed like
the app commits its changes (unless ``--no-commit``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playlist_tui.commands.common import class_folder
from playlist_tui.model.safetext import json_text, safe_line

if TYPE_CHECKING:
    from playlist_tui.store.ops import Operation

HELP = ("Manage the roster in class.toml: add, edit and remove students and teachers "
        "(names, emails, signing keys) and groups, rename the class, list everyone. Each "
        "change is a small edit of class.toml, committed to git when the class folder is a "
        "repository. Exit 0 when done, 2 when nothing was changed (the message says why).")

_FOLDER = "the class folder (default: the current folder, which must hold class.toml)"
WHAT = ("student", "teacher", "group")


def _folder_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-C", "--folder", metavar="FOLDER", help=_FOLDER)
    parser.add_argument("--no-commit", action="store_true",
                        help="change class.toml but do not commit it to git")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True,
                                    help="add, edit, remove or list")

    add = actions.add_parser("add", help="add a student, a teacher or a group",
                             description="Add a student or a teacher (one [[students]] or "
                                         "[[teachers]] block), or make a group.")
    add.add_argument("what", choices=WHAT, help="student, teacher or group")
    add.add_argument("name", metavar="NAME", help="the person's or the group's name")
    add.add_argument("--id", dest="ident", metavar="ID",
                     help="the id (default: made from the name, e.g. ana-souza); a "
                          "student's folder is named after it, so it never changes")
    add.add_argument("--email", action="append", default=[], metavar="EMAIL",
                     help="an email address (repeat for more); the app recognises people "
                          "by their git email")
    add.add_argument("--signing-key", metavar="KEY",
                     help="an SSH public key line: this person's commits must be signed "
                          "with it (see docs/git.md)")
    add.add_argument("--member", action="append", default=[], metavar="STUDENT",
                     help="(groups) a student id to put in the group (repeat for more)")
    _folder_option(add)

    edit = actions.add_parser("edit", help="change a student, a teacher, a group or the "
                                           "class name",
                              description="Change only what is given; every other line of "
                                          "class.toml stays as it is.")
    edit.add_argument("what", choices=(*WHAT, "class"), help="student, teacher, group or class")
    edit.add_argument("ident", metavar="ID", nargs="?",
                      help="the student's, teacher's or group's id (not for class)")
    edit.add_argument("--name", help="the new name")
    edit.add_argument("--email", action="append", metavar="EMAIL",
                      help="replace the emails with these (repeat for more)")
    edit.add_argument("--add-email", action="append", default=[], metavar="EMAIL",
                      help="add an email address")
    edit.add_argument("--remove-email", action="append", default=[], metavar="EMAIL",
                      help="remove an email address")
    key = edit.add_mutually_exclusive_group()
    key.add_argument("--signing-key", metavar="KEY", help="set the SSH signing key")
    key.add_argument("--no-signing-key", action="store_true", help="remove the signing key")
    edit.add_argument("--new-id", metavar="ID",
                      help="(groups) a new id for the group; assignments follow it")
    edit.add_argument("--add", action="append", default=[], metavar="STUDENT",
                      help="(groups) add a student (repeat for more)")
    edit.add_argument("--remove", action="append", default=[], metavar="STUDENT",
                      help="(groups) remove a student (repeat for more)")
    _folder_option(edit)

    remove = actions.add_parser(
        "remove", help="remove a student, a teacher or a group",
        description="Remove a student (also from their groups and assignments), a teacher "
                    "or a group (also from assignments). A student's folder and its "
                    "history are kept unless --delete-files is given; git keeps the "
                    "history in any case.")
    remove.add_argument("what", choices=WHAT, help="student, teacher or group")
    remove.add_argument("ident", metavar="ID", help="the id")
    remove.add_argument("--delete-files", action="store_true",
                        help="(students) also delete students/ID/ (their record and the "
                             "teachers' decisions)")
    _folder_option(remove)

    listing = actions.add_parser("list", help="list the teachers, students and groups",
                                 description="Print the roster of class.toml.")
    listing.add_argument("--format", choices=("text", "json"), default="text",
                         help="output format (default: text)")
    listing.add_argument("-C", "--folder", metavar="FOLDER", help=_FOLDER)


def _error(message: str) -> int:
    print(f"playlist-tui roster: {safe_line(message)}", file=sys.stderr)
    return 2


def _read_class(folder: Path) -> dict[str, Any] | None:
    import tomllib

    from playlist_tui.model import tomlparse

    try:
        data = tomlparse.loads((folder / "class.toml").read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        _error(f"cannot read {folder / 'class.toml'} ({exc}); run 'playlist-tui validate'")
        return None
    return data


def _tables(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found = data.get(key, [])
    return [t for t in found if isinstance(t, dict)] if isinstance(found, list) else []


def run(args: argparse.Namespace) -> int:
    folder = class_folder(args.folder)
    if folder is None:
        return 2
    if not (folder / "class.toml").is_file():
        return _error(f"{folder} has no class.toml; start a class with 'playlist-tui init'")
    if args.action == "list":
        return _list(folder, args.format)
    data = _read_class(folder)
    if data is None:
        return 2
    try:
        op, words = _operation(args, data)
    except ValueError as exc:
        return _error(str(exc))
    return _apply(folder, op, words, args)


def _operation(args: argparse.Namespace, data: dict[str, Any]) -> tuple[Operation, str]:
    from playlist_tui.store import roster_ops as r

    what = args.what
    if args.action == "add":
        if what == "group":
            gid = args.ident or r.suggest_id(args.name)  # (taken: refused, never "-2")
            return (r.MakeGroup(id=gid, name=args.name, members=tuple(args.member)),
                    f"made group {gid} ({args.name})")
        if args.member:
            raise ValueError("--member is for groups")
        pid = args.ident or r.suggest_id(args.name)  # (taken: refused, never "-2")
        return (r.AddPerson(role=what, id=pid, name=args.name, emails=tuple(args.email),
                            signing_key=args.signing_key or ""),
                f"added {what} {pid} ({args.name})")
    if args.action == "edit":
        if what == "class":
            if args.ident or args.name is None:
                raise ValueError("write: playlist-tui roster edit class --name \"NEW NAME\"")
            return r.RenameClass(name=args.name), f"renamed the class to {args.name}"
        if not args.ident:
            raise ValueError(f"which {what}? give its id (playlist-tui roster list shows them)")
        if what == "group":
            if args.email or args.add_email or args.remove_email or args.signing_key \
                    or args.no_signing_key:
                raise ValueError("a group has no emails or signing key")
            return (r.EditGroup(group=args.ident, name=args.name, new_id=args.new_id,
                                add=tuple(args.add), remove=tuple(args.remove)),
                    f"edited group {args.ident}")
        if args.new_id or args.add or args.remove:
            raise ValueError(f"--new-id, --add and --remove are for groups; a {what}'s id "
                             "never changes (their folder and history are named after it)")
        key = "" if args.no_signing_key else args.signing_key
        return (r.EditPerson(role=what, id=args.ident, name=args.name,
                             emails=tuple(args.email) if args.email is not None else None,
                             add_emails=tuple(args.add_email),
                             remove_emails=tuple(args.remove_email), signing_key=key),
                f"edited {what} {args.ident}")
    if what == "group":
        if args.delete_files:
            raise ValueError("--delete-files is for students")
        return r.DeleteGroup(group=args.ident), f"deleted group {args.ident}"
    if args.delete_files and what != "student":
        raise ValueError("--delete-files is for students")
    return (r.RemovePerson(role=what, id=args.ident),
            f"removed {what} {args.ident} from the roster")


def _uncommitted(folder: Path, rel: str) -> bool:
    out = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", rel],
                         capture_output=True, text=True, check=False)
    return out.returncode == 0 and bool(out.stdout.strip())


def _actor(folder: Path) -> str:
    from playlist_tui.store import identity
    from playlist_tui.store.audit import parse_roster

    email = identity.git_email(folder) or ""
    try:
        raw = (folder / "class.toml").read_bytes()
    except OSError:
        raw = None
    person = parse_roster(raw).by_email(email) if email else None
    if person is not None:
        return person.id
    out = subprocess.run(["git", "-C", str(folder), "config", "user.name"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip() or "someone"


def _apply(folder: Path, op: Operation, words: str, args: argparse.Namespace) -> int:
    from playlist_tui.store.gitcmd import GitError
    from playlist_tui.store.store import ClassStore, OperationError
    from playlist_tui.store.workspace import open_repo

    repo = open_repo(folder)
    commit = not args.no_commit and repo.is_repo()
    dirty = commit and _uncommitted(folder, "class.toml")
    actor = _actor(folder) if commit else ""
    before = (folder / "class.toml").read_text(encoding="utf-8-sig")
    try:
        applied = ClassStore(folder).apply(op)
    except OperationError as exc:
        hint = (" (give one with --id ID)" if args.action == "add" and not args.ident
                and "already" in exc.message else "")
        return _error(f"{exc.path}: {exc.message}{hint}")
    if not applied.changed:
        print(f"nothing to change: {safe_line(words)} is already so")
        return 0
    added, removed = _line_counts(before, applied.text)
    print(f"{safe_line(words[:1].upper() + words[1:])}: class.toml, {added} line"
          f"{'s' if added != 1 else ''} added, {removed} removed.")
    paths = ["class.toml"]
    if getattr(args, "what", "") == "student" and args.action == "remove":
        student_dir = folder / "students" / args.ident
        if args.delete_files and student_dir.is_dir() and not student_dir.is_symlink():
            paths += [p.relative_to(folder).as_posix() for p in student_dir.rglob("*")
                      if p.is_file()]
            shutil.rmtree(student_dir)
            print(f"Deleted students/{args.ident}/ (git history still has it).")
        elif student_dir.exists():
            print(f"Kept students/{args.ident}/ (their record and the teachers' decisions) "
                  "and its history. 'playlist-tui validate' reports the folder as belonging "
                  "to no student until it is deleted (run again with --delete-files; git "
                  "keeps the history) or the student is added again.")
        else:
            print(f"(students/{args.ident}/ does not exist: they had no record yet)")
    if not commit:
        if not args.no_commit:
            print("(not a git repository: nothing committed)")
        return 0
    if dirty:
        print("class.toml had changes that were not committed yet: left for you to commit "
              "(git diff class.toml shows them all)")
        return 0
    from playlist_tui.store.gitrepo import commit_message

    try:
        sha = repo.commit_app_changes(paths, commit_message(actor, [op.summary]))
    except GitError as exc:
        print(f"playlist-tui roster: saved, but not committed to git: {exc}", file=sys.stderr)
        return 0
    if sha:
        print(f"Committed {sha[:10]}.")
    return 0


def _line_counts(before: str, after: str) -> tuple[int, int]:
    import difflib

    added = removed = 0
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="",
                                     n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def _list(folder: Path, fmt: str) -> int:
    from playlist_tui.store.audit import key_fingerprint

    data = _read_class(folder)
    if data is None:
        return 2
    groups = _tables(data, "groups")
    member_of: dict[str, list[str]] = {}
    for g in groups:
        members = g.get("members", [])
        for m in members if isinstance(members, list) else []:
            member_of.setdefault(str(m), []).append(str(g.get("id", "")))

    def person(p: dict[str, Any]) -> dict[str, Any]:
        emails = p.get("emails", [])
        key = p.get("signing_key")
        return {"id": str(p.get("id", "")), "name": str(p.get("name", "")),
                "emails": list(emails) if isinstance(emails, list) else [],
                "signing_key": key_fingerprint(key) if isinstance(key, str) else None,
                "groups": member_of.get(str(p.get("id")), [])}

    roster: dict[str, Any] = {
        "class": data.get("name"),
        "teachers": [person(p) for p in _tables(data, "teachers")],
        "students": [person(p) for p in _tables(data, "students")],
        "groups": [{"id": str(g.get("id", "")), "name": str(g.get("name", "")),
                    "members": list(g.get("members", []))
                    if isinstance(g.get("members", []), list) else []} for g in groups],
    }
    if fmt == "json":
        print(json_text(roster))
        return 0
    print(safe_line(f"{roster['class']} ({folder / 'class.toml'})"))
    for kind in ("teachers", "students"):
        people = roster[kind]
        print(f"\n{kind.capitalize()} ({len(people)}):")
        for p in people:
            extra = ", ".join(p["emails"]) or "(no email)"
            if p["signing_key"]:
                extra += f"; signs with {p['signing_key']}"
            if p["groups"]:
                extra += f"; groups: {', '.join(p['groups'])}"
            print(safe_line(f"  {p['id']:<20} {p['name']:<24} {extra}"))
    print(f"\nGroups ({len(roster['groups'])}):")
    from playlist_tui.engine.progress import counted

    for g in roster["groups"]:
        members = counted(len(g["members"]), "member")
        print(safe_line(f"  {g['id']:<20} {g['name']:<24} {members}: "
                        f"{', '.join(map(str, g['members']))}"))
    return 0
