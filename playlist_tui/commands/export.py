"""``playlist-tui export case FRAMEWORK_ID [FOLDER] [-o FILE]``"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Export to standard formats: a competency framework as a CASE 1.1 package (JSON), "
        "for standards tools and other platforms. Exit 0 when exported, 1 when the "
        "framework has errors, 2 on usage errors (an unknown framework or folder).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True, help="case")
    case = kinds.add_parser(
        "case", help="a framework as a CASE 1.1 package (JSON)",
        description="Write a framework as a CASE 1.1 package: a CFDocument, a CFItem per "
                    "competency (the id as humanCodingScheme) and isChildOf / precedes "
                    "associations for parents and prerequisites. Identifiers are stable: "
                    "the ones kept from a CASE import, or UUIDs made from the ids. The "
                    "mastery scale has no place in CASE and is left out.")
    case.add_argument("framework_id", metavar="FRAMEWORK_ID", help="the framework's id")
    add_folder_argument(case)
    case.add_argument("-o", "--output", metavar="FILE",
                      help="write to FILE instead of standard output")
    case.add_argument("--base-uri", metavar="URI",
                      help="make each uri URI + identifier, e.g. "
                           "https://standards.example.org/uri/ (default: urn:uuid:...)")
    case.add_argument("--creator", metavar="TEXT",
                      help="the CFDocument's creator (default: the class name)")


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


def run(args: argparse.Namespace) -> int:
    from playlist_tui.interop.case import export_framework
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
    exported = export_framework(framework, changed_at=changed_at(folder, rel),
                                creator=args.creator or result.data.info.name,
                                base_uri=args.base_uri)
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
    print(f"Exported {framework.title!r} as CASE 1.1 to {where}: {items} items, {links} "
          "associations.", file=sys.stderr)
    for note in exported.notes:
        print(f"  - {note}", file=sys.stderr)
    return 0
