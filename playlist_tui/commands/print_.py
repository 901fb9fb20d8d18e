"""``playlist-tui print PLAYLIST [FOLDER] --format html|md [--layout poster] [-o FILE]``"""

from __future__ import annotations

import argparse
import difflib
import sys

from playlist_tui.commands.common import add_folder_argument, class_folder
from playlist_tui.commands.report import write_output

HELP = ("A playlist as a one-page handout or wall poster (--layout poster): tiers with their "
        "rules in words, activities with checkboxes, minutes, competencies and links (with QR "
        "codes in HTML), and the time the path takes (required, and optional apart).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("playlist", metavar="PLAYLIST", help="the playlist's id")
    add_folder_argument(parser)
    parser.add_argument("--format", choices=("html", "md"), default="html",
                        help="html: a self-contained page to print (A4 or Letter); md: "
                             "Markdown (default: html)")
    parser.add_argument("--layout", choices=("handout", "poster"), default="handout",
                        help="handout: one page on the printer's paper (default); poster: a "
                             "wall poster in large type on one landscape page (html only)")
    parser.add_argument("--paper", choices=("a3", "letter", "tabloid"), default="a3",
                        help="the poster's paper, landscape (default: a3)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of standard output")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.reports import printable
    from playlist_tui.store.loader import load_class

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    data = load_class(folder).data
    playlist = data.playlists.get(args.playlist)
    if playlist is None:
        close = difflib.get_close_matches(args.playlist, list(data.playlists), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = ", ".join(data.playlists) or "none"
        print(f"playlist-tui print: unknown playlist {args.playlist!r}{hint}; playlists in "
              f"{folder}: {known}", file=sys.stderr)
        return 2
    if args.layout == "poster" and args.format != "html":
        print("playlist-tui print: --layout poster is a page to print: use --format html",
              file=sys.stderr)
        return 2
    text = (printable.to_html(data, playlist, layout=args.layout, paper=args.paper)
            if args.format == "html" else printable.to_markdown(data, playlist))
    write_output(text, args.output)
    if args.output:
        print(f"Wrote {args.output}", file=sys.stderr)
    return 0
