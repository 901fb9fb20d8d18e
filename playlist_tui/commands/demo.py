"""``playlist-tui demo [FOLDER]``: a copy of the demo class to try the app on."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playlist_tui.model.safetext import safe_line

HELP = ("Copy the demo class (Team Cedar, grade 6: 25 students, 4 playlists) into a folder "
        "of its own (default: ./playlist-tui-demo), as a git repository with a first "
        "commit, and open the app on it. Change anything: it is yours. Exit 0, or 2 when "
        "the folder is not empty (nothing is overwritten).")

DEFAULT = "playlist-tui-demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", metavar="FOLDER",
                        help=f"a new or empty folder (default: ./{DEFAULT})")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--student", metavar="ID", help="open it as this student "
                                                      "(e.g. ana-souza)")
    who.add_argument("--teacher", metavar="ID", help="open it as this teacher (lee or okafor)")
    parser.add_argument("--no-open", action="store_true",
                        help="only make the copy; do not open the app")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.commands.common import DEMO, open_app
    from playlist_tui.commands.init import has_terminal
    from playlist_tui.store.gitcmd import GitError
    from playlist_tui.store.newclass import copy_demo

    folder = Path(args.folder or DEFAULT)
    try:
        made = copy_demo(DEMO, folder)
    except (OSError, GitError) as exc:
        print(f"playlist-tui demo: {safe_line(exc)}", file=sys.stderr)
        return 2
    print(safe_line(f"Copied the demo class into {folder}."))
    for note in made.notes:
        print(f"  {safe_line(note)}")
    if made.commit:
        print(f"  first commit {made.commit}")
    quoted = safe_line(folder)
    print(f"Open it again with: playlist-tui {quoted} (add --teacher lee, or --student "
          "ana-souza)")
    if args.no_open or not has_terminal():
        return 0
    role = "student" if args.student else "teacher" if args.teacher else None
    return open_app(folder, role, args.student or args.teacher)
