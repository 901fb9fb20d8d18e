"""``playlist-tui export case FRAMEWORK_ID [FOLDER] [-o FILE]``,
``playlist-tui export credentials --student ID [--clr] [FOLDER] [-o DIR]`` and
``playlist-tui export xapi [FOLDER] [-o FILE] [--lrs URL --lrs-auth USER:PASS]``"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from playlist_tui.commands.common import add_folder_argument, class_folder

if TYPE_CHECKING:
    from playlist_tui.model.klass import ClassData

HELP = ("Export to standard formats: a competency framework as a CASE package (JSON), a "
        "student's mastered competencies as Open Badges 3.0 credentials (or one CLR 2.0 "
        "record of them), ticks, requests and "
        "decisions as xAPI statements (optionally sent to a Learning Record Store). Exit 0 "
        "when exported, 1 when the input has errors or the LRS refused, 2 on usage errors.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True,
                                  help="case, credentials or xapi")
    case = kinds.add_parser(
        "case", help="a framework as a CASE package (JSON)",
        description="Write a framework as a CASE package. A framework imported from CASE "
                    "and not changed since is the publisher's package as it was; one changed "
                    "here is a document of our own derived from it (what was not changed "
                    "keeps the publisher's identifiers, codes and fields; notes say what "
                    "changed); one made here is a CASE 1.1 package of its own (the id as "
                    "humanCodingScheme, stable UUIDs). The mastery scale has no place in "
                    "CASE and is left out.")
    case.add_argument("framework_id", metavar="FRAMEWORK_ID", help="the framework's id")
    add_folder_argument(case)
    case.add_argument("-o", "--output", metavar="FILE",
                      help="write to FILE instead of standard output")
    case.add_argument("--base-uri", metavar="URI",
                      help="make each uri URI + identifier, e.g. "
                           "https://standards.example.org/uri/ (default: urn:uuid:...)")
    case.add_argument("--creator", metavar="TEXT",
                      help="the CFDocument's creator (default: the class name)")
    creds = kinds.add_parser(
        "credentials", help="a student's mastered competencies as Open Badges 3.0 credentials",
        description="Write an Open Badges 3.0 achievement credential (OpenBadgeCredential, "
                    "the AchievementCredential that CLR 2.0 also uses; JSON-LD, unsigned) "
                    "for each competency the student has mastered: the competency aligned "
                    "with its CASE item, the level, the teacher's decision and the "
                    "student's evidence links as evidence. One file per credential in DIR, "
                    "or a JSON array on standard output. With --clr, one CLR 2.0 "
                    "ClrCredential (Comprehensive Learner Record) that holds them all, with "
                    "the framework's links between the competencies. Only decisions that "
                    "count: one corrected or withdrawn since gives no credential.")
    creds.add_argument("--student", required=True, metavar="ID", help="the student's id")
    add_folder_argument(creds)
    creds.add_argument("-o", "--output", metavar="DIR",
                       help="write one .json file per credential into DIR (made if needed); "
                            "with --clr, the file ID--clr.json")
    creds.add_argument("--clr", action="store_true",
                       help="write one CLR 2.0 ClrCredential that holds the student's "
                            "credentials instead of one file each")
    xapi = kinds.add_parser(
        "xapi", help="ticks, requests and decisions as xAPI statements",
        description="Write the class's ticks (completed), mastery-check requests (asked) "
                    "and teachers' decisions (mastered, or attempted for not yet) as xAPI "
                    "1.0.3 statements, one JSON object a line; a decision corrected or "
                    "withdrawn since voids the statement it had. Statement ids are made from "
                    "what they say, so sending again adds nothing. With --lrs, also send "
                    "them to a Learning Record Store (POST /statements, in batches; "
                    "statements it already has are skipped).")
    add_folder_argument(xapi)
    xapi.add_argument("-o", "--output", metavar="FILE",
                      help="write the statements to FILE (default: standard output, unless "
                           "--lrs is given)")
    xapi.add_argument("--student", metavar="ID", action="append",
                      help="only this student (may be given more than once)")
    xapi.add_argument("--home-page", metavar="URL",
                      help="the address that names people and activities (their accounts' "
                           "homePage and the activities' IRIs), e.g. "
                           "https://school.example.org/math6 (default: "
                           "https://playlist-tui.invalid)")
    xapi.add_argument("--lrs", metavar="URL",
                      help="send the statements to this xAPI endpoint, e.g. "
                           "https://lrs.example.org/xAPI")
    xapi.add_argument("--lrs-auth", metavar="USER:PASS",
                      help="basic authentication for the LRS (default: the environment "
                           "variable PLAYLIST_TUI_LRS_AUTH)")


def changed_at(folder: Path, rel: str) -> datetime:
    """When the file last changed: its last commit if it is committed unchanged, else mtime.

    So that exporting the same committed file gives the same bytes on every clone.
    """
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        status = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", rel],
                                capture_output=True, text=True, timeout=30, env=env)
        if status.returncode == 0 and not status.stdout.strip():
            log = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%cI", "--",
                                  rel], capture_output=True, text=True, timeout=30, env=env)
            if log.returncode == 0 and log.stdout.strip():
                return datetime.fromisoformat(log.stdout.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    return datetime.fromtimestamp((folder / rel).stat().st_mtime, UTC)


def class_key(folder: Path, name: str) -> str:
    """What names the class in the identifiers an export makes up: its folder's first
    commit (the same in every clone, kept when the class is renamed), else its name."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        roots = subprocess.run(["git", "-C", str(folder), "rev-list", "--max-parents=0",
                                "HEAD", "--"], capture_output=True, text=True, timeout=30,
                               env=env)
        if roots.returncode == 0 and roots.stdout.split():
            return "commit:" + sorted(roots.stdout.split())[0]
    except (OSError, subprocess.SubprocessError):
        pass
    return f"class:{name}" if name else ""


def run(args: argparse.Namespace) -> int:
    if args.kind == "credentials":
        return _credentials(args)
    if args.kind == "xapi":
        return _xapi(args)
    return _case(args)


def _case(args: argparse.Namespace) -> int:
    from playlist_tui.interop.case import export_framework
    from playlist_tui.interop.common import InputError
    from playlist_tui.store.atomic import atomic_write
    from playlist_tui.store.loader import load_class

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    result = load_class(folder)
    framework = result.data.frameworks.get(args.framework_id)
    if framework is None:
        known = ", ".join(sorted(result.data.frameworks)) or "none"
        print(f"playlist-tui export case: there is no framework {args.framework_id!r} in "
              f"{folder} (frameworks: {known})", file=sys.stderr)
        return 2
    rel = result.data.sources[("framework", framework.id)]
    errors = [p for p in result.errors if p.path == rel]
    if errors:
        first = errors[0]
        print(f"playlist-tui export case: {rel} has {len(errors)} error"
              f"{'s' if len(errors) > 1 else ''} ({first.line}:{first.col}: {first.message}); "
              "fix them first (playlist-tui validate)", file=sys.stderr)
        return 1
    try:
        exported = export_framework(framework, changed_at=changed_at(folder, rel),
                                    creator=args.creator or result.data.info.name,
                                    base_uri=args.base_uri,
                                    owner=class_key(folder, result.data.info.name))
    except InputError as exc:
        print(f"playlist-tui export case: {rel}: {exc}", file=sys.stderr)
        return 1
    text = exported.json()
    items = len(exported.package["CFItems"])
    links = len(exported.package["CFAssociations"])
    if args.output:
        try:
            atomic_write(Path(args.output), text.encode("utf-8"))
        except OSError as exc:
            print(f"playlist-tui export case: cannot write {args.output}: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return 1
        where = args.output
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
        where = "standard output"
    kind = "as published" if exported.as_published else "as CASE"
    from playlist_tui.engine.progress import counted

    print(f"Exported {framework.title!r} {kind} to {where}: {counted(items, 'item')}, "
          f"{counted(links, 'association')}.", file=sys.stderr)
    for note in exported.notes:
        print(f"  - {note}", file=sys.stderr)
    return 0


def _loaded(folder: Path, kind: str) -> tuple[ClassData, list[str]] | None:
    """The class, and the paths of files with errors (each reported on standard error)."""
    from playlist_tui.store.loader import load_class

    result = load_class(folder)
    broken = sorted({p.path for p in result.errors})
    for path in broken:
        print(f"playlist-tui export {kind}: {path} has errors and is left out "
              "(playlist-tui validate shows them)", file=sys.stderr)
    return result.data, broken


def _credentials(args: argparse.Namespace) -> int:
    from playlist_tui.interop.credentials import clr, credentials
    from playlist_tui.store.atomic import atomic_write

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    loaded = _loaded(folder, "credentials")
    assert loaded is not None
    data, _ = loaded
    if args.student not in data.students:
        known = ", ".join(sorted(data.students)) or "none"
        print(f"playlist-tui export credentials: there is no student {args.student!r} in "
              f"{folder} (students: {known})", file=sys.stderr)
        return 2
    made = credentials(data, args.student)
    if not made:
        print(f"{args.student} has no mastered competency yet: no credential to write; "
              "nothing was written.", file=sys.stderr)
        return 0
    if args.clr:
        record = clr(data, args.student)
        assert record is not None
        held = len(made)
        made = [(f"{args.student}--clr.json", record)]
        what = (f"a CLR 2.0 ClrCredential (unsigned) for {args.student} with {held} Open "
                f"Badges 3.0 credential{'s' if held > 1 else ''}")
    else:
        what = (f"{len(made)} Open Badges 3.0 credential{'s' if len(made) > 1 else ''} "
                f"(unsigned) for {args.student}")
    if args.output:
        target = Path(args.output)
        try:
            target.mkdir(parents=True, exist_ok=True)
            for name, credential in made:
                atomic_write(target / name, (json.dumps(credential, indent=2,
                                                        ensure_ascii=False) + "\n").encode())
        except OSError as exc:
            print(f"playlist-tui export credentials: cannot write into {target}: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return 1
        where = str(target)
    else:
        shown = made[0][1] if args.clr else [c for _, c in made]
        sys.stdout.write(json.dumps(shown, indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        where = "standard output"
    print(f"Wrote {what} to {where}.", file=sys.stderr)
    return 0


def _xapi(args: argparse.Namespace) -> int:
    from playlist_tui.interop import xapi
    from playlist_tui.interop.common import InputError, UsageError
    from playlist_tui.store.atomic import atomic_write

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    try:
        home = xapi.home_page(args.home_page)
        if args.lrs:
            xapi.endpoint(args.lrs)
    except UsageError as exc:
        print(f"playlist-tui export xapi: {exc}", file=sys.stderr)
        return 2
    loaded = _loaded(folder, "xapi")
    assert loaded is not None
    data, _ = loaded
    unknown = [s for s in args.student or [] if s not in data.records]
    if unknown:
        known = ", ".join(sorted(data.records)) or "none"
        print(f"playlist-tui export xapi: no student {', '.join(map(repr, unknown))} in "
              f"{folder} (students: {known})", file=sys.stderr)
        return 2
    items = xapi.statements(data, home, args.student)
    text = xapi.json_lines(items)
    if args.output:
        try:
            atomic_write(Path(args.output), text.encode("utf-8"))
        except OSError as exc:
            print(f"playlist-tui export xapi: cannot write {args.output}: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"Wrote {len(items)} xAPI statements to {args.output}.", file=sys.stderr)
    elif not args.lrs:
        sys.stdout.write(text)
        sys.stdout.flush()
        print(f"Wrote {len(items)} xAPI statements to standard output.", file=sys.stderr)
    if args.lrs:
        auth = args.lrs_auth or os.environ.get("PLAYLIST_TUI_LRS_AUTH") or None
        if auth is not None and ":" not in auth:
            print("playlist-tui export xapi: --lrs-auth is USER:PASSWORD", file=sys.stderr)
            return 2
        try:
            sent = xapi.send(items, args.lrs, auth)
        except InputError as exc:
            print(f"playlist-tui export xapi: {exc}", file=sys.stderr)
            return 1
        print(f"Sent {sent.sent} statements to {args.lrs} in {sent.batches} batch"
              f"{'es' if sent.batches != 1 else ''}; {sent.already} were already there.",
              file=sys.stderr)
    return 0
