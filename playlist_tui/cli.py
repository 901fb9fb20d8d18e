"""Command line: ``playlist-tui [FOLDER]`` opens the app; subcommands work on a folder.

Thin by design: every command is a few lines over the store and the engine.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from playlist_tui import __version__

COMMANDS = ("validate",)
DEMO = Path(__file__).resolve().parent.parent / "playlists"


def default_folder() -> Path:
    """The current folder if it is a class folder, else the demo class."""
    here = Path.cwd()
    if (here / "class.toml").exists():
        return here
    return DEMO


def _folder(value: str | None) -> Path:
    return Path(value) if value else default_folder()


def _display(folder: Path, rel: str) -> str:
    base = str(folder)
    return rel if base in (".", "") else f"{base.rstrip('/')}/{rel}"


def cmd_validate(args: argparse.Namespace) -> int:
    from playlist_tui.store.loader import load_class

    folder = _folder(args.folder)
    if not folder.is_dir():
        print(f"playlist-tui: {folder} is not a folder", file=sys.stderr)
        return 2
    result = load_class(folder)
    problems = result.problems
    if args.format == "json":
        out = [dict(p.as_dict(), path=_display(folder, p.path)) for p in problems]
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for p in problems:
            print(f"{_display(folder, p.path)}:{p.line}:{p.col}: {p.severity}: {p.message}")
            if p.hint:
                print(f"    hint: {p.hint}")
        errors = sum(1 for p in problems if p.severity == "error")
        summary = (f"{folder}: {len(result.data.playlists)} playlists, "
                   f"{len(result.data.competencies)} competencies, "
                   f"{len(result.data.info.students)} students; ")
        summary += (f"{len(problems)} problems ({errors} errors, {len(problems) - errors} "
                    "warnings)") if problems else "no problems"
        print(summary, file=sys.stderr)
    return 1 if problems else 0


def cmd_app(args: argparse.Namespace) -> int:
    folder = _folder(args.folder)
    if not folder.is_dir():
        print(f"playlist-tui: {folder} is not a folder", file=sys.stderr)
        return 2
    from playlist_tui.ui.app import PlaylistApp

    PlaylistApp(folder).run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playlist-tui",
        description="Mastery-based learning playlists in a terminal, kept as plain TOML in git.",
        epilog="Commands: " + ", ".join(COMMANDS) + ". Run 'playlist-tui COMMAND --help' for "
               "more. Without a command, opens the app on FOLDER (default: the current "
               "folder if it holds class.toml, else the demo class).",
    )
    parser.add_argument("--version", action="version", version=f"playlist-tui {__version__}")
    parser.add_argument("folder", nargs="?", metavar="FOLDER", help="the class folder")
    return parser


def build_command_parser(command: str) -> argparse.ArgumentParser:
    if command == "validate":
        parser = argparse.ArgumentParser(
            prog="playlist-tui validate",
            description="Check every file of a class folder. Prints each problem as "
                        "path:line:col: message. Exit 0 when clean, 1 when there are "
                        "problems, 2 on usage errors.")
        parser.add_argument("folder", nargs="?", metavar="FOLDER",
                            help="the class folder (default: current folder or the demo)")
        parser.add_argument("--format", choices=("text", "json"), default="text",
                            help="output format (default: text)")
        parser.set_defaults(func=cmd_validate)
        return parser
    raise KeyError(command)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in COMMANDS:
        parser = build_command_parser(args_list[0])
        args = parser.parse_args(args_list[1:])
        return int(args.func(args))
    args = build_parser().parse_args(args_list)
    return cmd_app(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
