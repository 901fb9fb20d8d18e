"""``playlist-tui privacy migrate [FOLDER] --students TEMPLATE [--class-url URL]``"""

from __future__ import annotations

import argparse
import sys

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Move a single-repository class into privacy mode: each student's files, with "
        "their whole history, go to a repository of their own; the class repository's "
        "history is rewritten without students' files. Nothing is sent until the next "
        "sync. Exit 0, 1 when it could not be done (nothing changed), 2 on usage errors. "
        "See docs/privacy.md.")

EPILOG = """examples:
  playlist-tui privacy migrate --students '../math6-students/{id}' \\
      --class-url ssh://git@git.school.example/math6
  playlist-tui sync        # then: sends the class and every student's repository
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("action", choices=["migrate"], help="what to do")
    add_folder_argument(parser)
    parser.add_argument("--students", required=True, metavar="TEMPLATE",
                        help="address of a student's repository, with {id} for the "
                             "student's id; ./ or ../ at the start: relative to the class "
                             "repository's address")
    parser.add_argument("--class-url", metavar="URL",
                        help="the new address of the class repository (its old history "
                             "holds every student's record: do not push it there again)")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.model.safetext import safe_line
    from playlist_tui.store.gitcmd import GitError
    from playlist_tui.store.workspace import migrate

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    try:
        report = migrate(folder, args.students, args.class_url)
    except GitError as exc:
        print(f"playlist-tui: {safe_line(exc.message)}; nothing was changed", file=sys.stderr)
        return 1
    for sid in report.students:
        print(f"{sid}: a repository of their own, {report.commits.get(sid, 0)} commit(s) "
              "of history")
    print(f"class repository: {report.commits.get('', 0)} commit(s), no student files. The "
          f"old history is kept in this clone as {report.backup}.")
    print("Next: 'playlist-tui sync' sends the class and every student's repository. "
          "Delete the old repository from the server: its history still holds every "
          "student's record.")
    return 0
