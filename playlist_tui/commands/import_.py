"""``playlist-tui import case FILE.json`` and ``playlist-tui import oneroster FOLDER_OR_ZIP``"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playlist_tui.interop.case import ImportFramework
    from playlist_tui.interop.oneroster import ImportRoster

HELP = ("Import from standard formats: a CASE competency framework (JSON) into "
        "frameworks/, or the students and teachers of one class from OneRoster 1.1/1.2 CSV "
        "(a folder or a zip) into class.toml. Importing again updates; it never duplicates. "
        "Exit 0 when imported, 1 when the input was refused (nothing written), 2 on usage "
        "errors.")

_INTO = ("the class folder (default: the current folder if it holds class.toml)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True,
                                  help="case or oneroster")
    case = kinds.add_parser(
        "case", help="a CASE package (JSON) as frameworks/ID.toml",
        description="Turn a 1EdTech CASE package (CASE 1.0 or 1.1, JSON) into a competency "
                    "framework: humanCodingScheme as id, fullStatement as statement, "
                    "isChildOf as parent, precedes as prerequisite. Importing a newer "
                    "version of the same package updates the file in place.")
    case.add_argument("file", metavar="FILE.json", help="the CASE package")
    case.add_argument("--into", metavar="FOLDER", help=_INTO)
    case.add_argument("--id", dest="framework_id", metavar="ID",
                      help="the framework's id and file name (default: made from the "
                           "CASE document's title)")
    case.add_argument("--levels", metavar="NAMES",
                      help="the mastery scale's levels, lowest first, separated by commas "
                           "(default: Beginning,Developing,Proficient,Extending)")
    case.add_argument("--mastered-at", type=int, metavar="N",
                      help="the first level that counts as mastered (default: 3)")
    case.add_argument("--dry-run", action="store_true",
                      help="say what would change, write nothing")
    roster = kinds.add_parser(
        "oneroster", help="one class's students and teachers from OneRoster CSV",
        description="Add the students and teachers of one class from a OneRoster 1.1 or "
                    "1.2 CSV export (a folder or a zip with users.csv, enrollments.csv, "
                    "classes.csv) to class.toml. People already there (same email or id) "
                    "are not added again. A folder without class.toml gets a new one.")
    roster.add_argument("source", metavar="FOLDER_OR_ZIP", help="the OneRoster export")
    roster.add_argument("--class", dest="class_id", required=True, metavar="SOURCEDID",
                        help="the class to import: its sourcedId in classes.csv")
    roster.add_argument("--into", metavar="FOLDER", help=_INTO)
    roster.add_argument("--as-of", dest="as_of", metavar="DATE",
                        help="import the class as it is on DATE (YYYY-MM-DD; default: "
                             "today): enrollments that ended before it or begin after it "
                             "are reported, not imported")
    roster.add_argument("--dry-run", action="store_true",
                        help="say what would change, write nothing")


def _folder(value: str | None, kind: str) -> Path | None:
    if value:
        folder = Path(value)
        if folder.exists() and not folder.is_dir():
            print(f"playlist-tui import {kind}: {folder} is not a folder", file=sys.stderr)
            return None
        return folder
    here = Path.cwd()
    if (here / "class.toml").exists():
        return here
    print(f"playlist-tui import {kind}: there is no class.toml in the current folder; give "
          "the class folder with --into FOLDER", file=sys.stderr)
    return None


def run(args: argparse.Namespace) -> int:
    from playlist_tui.interop.common import InputError, UsageError, one_line, preview
    from playlist_tui.store.store import ClassStore, OperationError

    folder = _folder(args.into, args.kind)
    if folder is None:
        return 2
    try:
        op: ImportFramework | ImportRoster = (
            _case_operation(args, folder) if args.kind == "case" else _roster_operation(args))
        roster = getattr(op, "roster", None)
        if roster is not None and not roster.people:
            print(roster.nothing_active())
            lines = [f"  - {one_line(s)}" for s in roster.skipped]
            if lines:
                print(f"Not imported ({len(lines)}):")
                print("\n".join(lines))
            return 0
        if args.dry_run:
            preview(folder, op)
        else:
            ClassStore(folder).apply(op)
    except (InputError, OperationError) as exc:
        message = str(exc)
        if "nothing was written" not in message:
            message += "; nothing was written"
        print(f"playlist-tui import {args.kind}: {message}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    lines = op.report.lines()
    if args.dry_run:
        lines.insert(0, "Dry run: nothing was written.")
    print("\n".join(lines))
    return 0


def _case_operation(args: argparse.Namespace, folder: Path) -> ImportFramework:
    from playlist_tui.interop import case

    levels = None
    if args.levels is not None:
        levels = [name.strip() for name in args.levels.split(",")]
    scale = case.make_scale(levels, args.mastered_at)
    package = case.read_package_file(Path(args.file))
    target = case.choose_target(folder, package, args.framework_id)
    return case.ImportFramework(package=package, target=target, scale=scale)


def _roster_operation(args: argparse.Namespace) -> ImportRoster:
    from datetime import date

    from playlist_tui.interop import oneroster
    from playlist_tui.interop.common import UsageError

    as_of = None
    if args.as_of is not None:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            raise UsageError(f"--as-of {args.as_of!r} is not a date; give it as YYYY-MM-DD, "
                             "e.g. --as-of 2026-09-15") from None
    roster = oneroster.read_roster(Path(args.source), args.class_id, as_of)
    return oneroster.ImportRoster(roster=roster)
