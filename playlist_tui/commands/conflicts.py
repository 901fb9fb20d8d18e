"""``playlist-tui conflicts [FOLDER] [--take N ours|theirs]``"""

from __future__ import annotations

import argparse
import sys

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("List the values that two teachers changed differently at the same time (a sync "
        "kept yours), or settle one: '--take N theirs' writes the other value, '--take N "
        "ours' keeps yours. Exit 0, 1 when there is no such conflict or it cannot be "
        "settled (nothing written), 2 on usage errors.")

EPILOG = """examples:
  playlist-tui conflicts
  playlist-tui conflicts --take 1 theirs
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_folder_argument(parser)
    parser.add_argument("--take", nargs=2, metavar=("N", "SIDE"),
                        help="settle conflict N (as listed) with SIDE: ours or theirs")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.model.safetext import safe_line
    from playlist_tui.store.gitcmd import GitError
    from playlist_tui.store.gitrepo import GitRepo
    from playlist_tui.store.merge_shared import SettleError, read_conflicts, settle
    from playlist_tui.store.store import ClassStore

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    repo = GitRepo(folder)
    if not repo.is_repo():
        print(f"playlist-tui: {folder} is not a git repository", file=sys.stderr)
        return 2
    try:
        state = repo.state_dir()
    except GitError as exc:
        print(f"playlist-tui: {exc}", file=sys.stderr)
        return 2
    records = read_conflicts(state)
    if args.take is None:
        if not records:
            print("No values were changed on both sides: nothing to settle.")
            return 0
        for n, r in enumerate(records, 1):
            ours_by = f" ({r['ours_by']})" if r.get("ours_by") else ""
            theirs_by = f" ({r['theirs_by']})" if r.get("theirs_by") else ""
            print(safe_line(f"{n}  {r['file']}  {r['where']}: kept {r['ours']}{ours_by}; "
                            f"other {r['theirs']}{theirs_by}"))
        return 0
    number, side = args.take
    if side not in ("ours", "theirs") or not number.isdigit():
        print("playlist-tui: --take needs a number and 'ours' or 'theirs'", file=sys.stderr)
        return 2
    index = int(number) - 1
    if not 0 <= index < len(records):
        print(f"playlist-tui: there is no conflict {number} (see 'playlist-tui conflicts')",
              file=sys.stderr)
        return 1
    try:
        settled = settle(ClassStore(folder), state, records[index],
                         "ours" if side == "ours" else "theirs", repo.prefix)
    except SettleError as exc:
        print(f"playlist-tui: {safe_line(exc)}", file=sys.stderr)
        return 1
    print(safe_line(f"{settled.path}: {settled.where} = {settled.value}. Sync to share it."))
    return 0
