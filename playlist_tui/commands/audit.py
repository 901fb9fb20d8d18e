"""``playlist-tui audit [FOLDER] [--since REV] [--until REV]``"""

from __future__ import annotations

import argparse
import sys

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Check that every commit changed only files its author may write (students their "
        "own student.toml; teachers the rest) and is signed when the roster gives its author "
        "a signing key. Exit 0 when clean, 1 when there are violations, 2 on usage errors.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_argument(parser)
    parser.add_argument("--since", metavar="REV",
                        help="check only commits after REV (default: the whole history)")
    parser.add_argument("--until", metavar="REV", default="HEAD",
                        help="check the history up to REV (default HEAD)")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.audit import AuditError, audit
    from playlist_tui.store.gitcmd import GitError

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    try:
        report = audit(folder, since=args.since, until=args.until)
    except (AuditError, GitError) as exc:
        print(f"playlist-tui: {exc}", file=sys.stderr)
        return 2
    from playlist_tui.model.safetext import safe_line  # authors and paths: untrusted

    for violation in report.violations:
        print(safe_line(violation.line()))
    for note in report.notes:
        print(f"note: {safe_line(note)}", file=sys.stderr)
    sys.stdout.flush()
    commits = f"{report.commits} commit{'s' if report.commits != 1 else ''}"
    if report.violations:
        bad = len({v.commit for v in report.violations})
        print(f"{commits} checked: {len(report.violations)} violation(s) in {bad} commit(s)",
              file=sys.stderr)
        return 1
    print(f"{commits} checked: no violations", file=sys.stderr)
    return 0
