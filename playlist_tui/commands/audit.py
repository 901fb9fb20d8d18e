"""``playlist-tui audit [FOLDER] [--since REV] [--until REV] [--push OLD NEW --ref REF]``"""

from __future__ import annotations

import argparse
import sys

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Check that every commit changed only files its author may write (students their "
        "own student.toml; teachers the rest), holds only regular files, and is signed when "
        "the roster gives its author a signing key. Commits after --since are judged by the "
        "roster of --since (never by their own). Exit 0 when clean, 1 when there are "
        "violations, 2 on usage errors.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_argument(parser)
    parser.add_argument("--since", metavar="REV",
                        help="check only commits after REV (default: the whole history)")
    parser.add_argument("--until", metavar="REV", default="HEAD",
                        help="check the history up to REV (default HEAD); it must contain "
                             "--since")
    parser.add_argument("--push", nargs=2, metavar=("OLD", "NEW"),
                        help="judge one ref update as a server's pre-receive hook gets it "
                             "(docs/git.md section 7): a deletion, a force push or a new "
                             "root is refused; the new commits are judged by the roster of "
                             "OLD (of HEAD for a new ref)")
    parser.add_argument("--ref", metavar="REF", default="the branch",
                        help="the name of the ref being updated, for the messages (--push)")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.audit import AuditError, audit, audit_push
    from playlist_tui.store.gitcmd import GitError

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    try:
        if args.push:
            report = audit_push(folder, args.push[0], args.push[1], args.ref)
        else:
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
