"""``playlist-tui sync [FOLDER]``"""

from __future__ import annotations

import argparse
import sys

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Save the app's changes as a git commit, then fetch, merge and push the class "
        "folder. Exit 0 when synced, 1 when not (the message says why; nothing is lost), "
        "2 on usage errors.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_argument(parser)
    parser.add_argument("--accept", action="store_true",
                        help="merge fetched commits even if they break the class's writing "
                             "rules (sync refuses them otherwise and says which)")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.workspace import open_repo

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    repo = open_repo(folder)  # every repository of the class in privacy mode
    if not repo.is_repo():
        print(f"playlist-tui: {folder} is not a git repository: run 'git init' there (or "
              "clone the class), then 'playlist-tui setup-git'", file=sys.stderr)
        return 2
    result = repo.sync(accept=args.accept)
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1
