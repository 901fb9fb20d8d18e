"""``playlist-tui merge-driver BASE OURS THEIRS [PATH]`` (run by git, as ``%O %A %B %P``)"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = ("Git merge driver: merge a student's or teacher's file by meaning (ticks, notes, "
        "requests, decisions, ...), writing the result to OURS. Exit 0 when merged, 1 on a "
        "conflict (OURS untouched for student and teacher files), 2 on usage errors. Set it "
        "up with 'playlist-tui setup-git'.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="the common ancestor's version (%%O)")
    parser.add_argument("ours", metavar="OURS", help="our version; the result goes here (%%A)")
    parser.add_argument("theirs", metavar="THEIRS", help="their version (%%B)")
    parser.add_argument("path", metavar="PATH", nargs="?", default="",
                        help="the file's path in the class folder (%%P)")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.merge import run_driver

    return run_driver(Path(args.base), Path(args.ours), Path(args.theirs), args.path)
