"""``playlist-tui log [FOLDER] [--student ID] [--playlist ID] [--competency ID]``"""

from __future__ import annotations

import argparse
import sys

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Print the class's history from git in plain language, oldest first: who ticked, "
        "requested, decided what, and when. Exit 0, or 2 on usage errors.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_argument(parser)
    parser.add_argument("--student", metavar="ID", help="only what concerns this student")
    parser.add_argument("--playlist", metavar="ID", help="only what concerns this playlist")
    parser.add_argument("--competency", metavar="ID",
                        help="only what concerns this competency")
    parser.add_argument("--limit", metavar="N", type=int, default=200,
                        help="show at most the newest N events (default 200; 0: all)")
    parser.add_argument("--rev", metavar="REV", default="HEAD",
                        help="the history of this revision (default HEAD)")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.gitcmd import GitError
    from playlist_tui.store.workspace import open_repo

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    repo = open_repo(folder)  # in privacy mode, the students' repositories too
    if not repo.is_repo():
        print(f"playlist-tui: {folder} is not a git repository", file=sys.stderr)
        return 2
    if args.limit < 0:
        print("playlist-tui: --limit must be 0 or more", file=sys.stderr)
        return 2
    try:
        events = repo.history(student=args.student, playlist=args.playlist,
                              competency=args.competency, limit=args.limit or None,
                              rev=args.rev)
    except GitError as exc:
        print(f"playlist-tui: {exc.message}", file=sys.stderr)
        return 2
    from playlist_tui.model.safetext import safe_line

    for event in events:  # (sentences are safe lines already: this is the last guard)
        print(safe_line(event.line()))
    if not events:
        print("No history yet.", file=sys.stderr)
    return 0
