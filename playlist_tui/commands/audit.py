"""``playlist-tui audit [FOLDER] [--since REV] [--until REV] [--push OLD NEW --ref REF]
[--student ID --roster-from CLASS_REPOSITORY]``"""

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
    parser.add_argument("--pusher", metavar="ID",
                        help="with --push on a server with access control (gitolite's "
                             "$GL_USER): who pushes; a teacher's first push into an empty "
                             "repository (moving a class in) is taken as it is")
    parser.add_argument("--student", metavar="ID",
                        help="privacy mode: FOLDER is student ID's own repository, judged by "
                             "the roster of --roster-from (docs/privacy.md)")
    parser.add_argument("--roster-from", metavar="CLASS_REPOSITORY",
                        help="with --student: the class repository (a clone or a bare "
                             "repository) whose HEAD's class.toml is the roster")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.audit import (
        AuditError,
        audit,
        audit_push,
        audit_student,
        audit_student_push,
        roster_at,
    )
    from playlist_tui.store.gitcmd import GitError

    if (args.student is None) != (args.roster_from is None):
        print("playlist-tui: --student and --roster-from go together: the student's "
              "repository is judged by the class repository's roster", file=sys.stderr)
        return 2
    folder = class_folder(args.folder)
    if folder is None:
        return 2
    try:
        if args.student is not None:
            roster = roster_at(args.roster_from)
            if args.push:
                report = audit_student_push(folder, args.student, roster, args.push[0],
                                            args.push[1], args.ref, args.pusher or None)
            else:
                report = audit_student(folder, args.student, roster, args.since,
                                       args.until)
        elif args.push:
            report = audit_push(folder, args.push[0], args.push[1], args.ref,
                                args.pusher or None)
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
