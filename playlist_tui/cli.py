"""Command line: ``playlist-tui [FOLDER]`` opens the app; subcommands work on a folder.

Thin by design: each subcommand is a module in :mod:`playlist_tui.commands` with a few
lines over the store and the engine. To add one, write the module and list it in
``COMMANDS`` (and document it in README.md and docs/user-guide.md: a test checks).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from playlist_tui import __version__
from playlist_tui.commands.common import (
    DEMO,
    add_folder_argument,
    class_folder,
    has_class_file,
)

COMMANDS: dict[str, str] = {
    "validate": "playlist_tui.commands.validate",
    "report": "playlist_tui.commands.report",
    "print": "playlist_tui.commands.print_",
    "serve": "playlist_tui.commands.serve",
    "import": "playlist_tui.commands.import_",
    "export": "playlist_tui.commands.export",
    "sync": "playlist_tui.commands.sync",
    "log": "playlist_tui.commands.log",
    "audit": "playlist_tui.commands.audit",
    "merge-driver": "playlist_tui.commands.merge_driver",
    "setup-git": "playlist_tui.commands.setup_git",
    "privacy": "playlist_tui.commands.privacy",
    "server": "playlist_tui.commands.server",
    "conflicts": "playlist_tui.commands.conflicts",
    "init": "playlist_tui.commands.init",
    "roster": "playlist_tui.commands.roster",
    "demo": "playlist_tui.commands.demo",
    "completion": "playlist_tui.commands.completion",
}

EXAMPLES: dict[str, str] = {
    "validate": "playlist-tui validate\n  playlist-tui validate ~/classes/math6 --format json",
    "report": "playlist-tui report --by competency\n"
              "  playlist-tui report --by student --group advisory-a --format csv -o grades.csv\n"
              "  playlist-tui report --student ana-souza --format html -o ana.html",
    "print": "playlist-tui print ratios-intro -o ratios.html\n"
             "  playlist-tui print ratios-intro --format md",
    "serve": "playlist-tui serve --teacher lee\n"
             "  playlist-tui serve ~/classes/math6 --student ana-souza --port 8001",
    "import": "playlist-tui import case standards.json --id math-6\n"
              "  playlist-tui import oneroster export.zip --class math6-2026 --dry-run",
    "export": "playlist-tui export case math-6-rp -o math-6-rp.json",
    "sync": "playlist-tui sync\n  playlist-tui sync ~/classes/math6",
    "log": "playlist-tui log --student ana-souza\n  playlist-tui log --competency RP.1 --limit 20",
    "audit": "playlist-tui audit\n  playlist-tui audit --since v2026-term1",
    "merge-driver": "(run by git, registered by 'playlist-tui setup-git'):\n"
                    "  playlist-tui merge-driver %O %A %B %P",
    "setup-git": "playlist-tui setup-git\n  playlist-tui setup-git ~/classes/math6",
    "privacy": "playlist-tui privacy migrate --students '../math6-students/{id}'",
    "server": "playlist-tui server setup --admin git@school.example:gitolite-admin\n"
              "  playlist-tui server add-student --student new-kid --admin "
              "git@school.example:gitolite-admin",
    "conflicts": "playlist-tui conflicts\n  playlist-tui conflicts --take 1 theirs",
    "init": "playlist-tui init math6            (asks in a short form)\n"
            "  playlist-tui init math6 --name \"Grade 6 Math\" --teacher-name \"Jane Lee\" "
            "--teacher-email j.lee@school.org --co-teacher \"Dan Okafor:d.okafor@school.org\"",
    "roster": "playlist-tui roster add student \"Ana Souza\" --email ana@school.org\n"
              "  playlist-tui roster edit student ana-souza --add-email ana.s@home.example\n"
              "  playlist-tui roster add group \"Math support\" --member ana-souza\n"
              "  playlist-tui roster edit group math-support --add ben-ito --name \"WIN time\"\n"
              "  playlist-tui roster remove student ana-souza\n"
              "  playlist-tui roster edit class --name \"Grade 6 Math (2026-27)\"\n"
              "  playlist-tui roster list -C ~/classes/math6",
    "demo": "playlist-tui demo\n  playlist-tui demo ~/try-playlists --teacher lee",
    "completion": "eval \"$(playlist-tui completion bash)\"      (in ~/.bashrc)\n"
                  "  eval \"$(playlist-tui completion zsh)\"       (in ~/.zshrc)\n"
                  "  playlist-tui completion fish | source     (in config.fish)",
}
"""Examples shown at the end of each command's --help (one place for all commands)."""


def _module(name: str) -> ModuleType:
    return importlib.import_module(COMMANDS[name])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playlist-tui",
        description="Mastery-based learning playlists in a terminal, kept as plain TOML in "
                    "git. Without a command, opens the app on FOLDER.",
        epilog="Commands: " + ", ".join(COMMANDS) + ". Run 'playlist-tui COMMAND --help' "
               "for more.",
    )
    parser.add_argument("--version", action="version", version=f"playlist-tui {__version__}")
    add_folder_argument(parser)
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--student", metavar="ID", help="open the student experience for ID")
    who.add_argument("--teacher", metavar="ID", help="open the teacher experience for ID")
    parser.add_argument("--as", dest="acting", action="store_true",
                        help="act as the --student or --teacher given even though your git "
                             "email is not theirs in class.toml (without it the app refuses, "
                             "in a class with a remote); each commit then says so")
    parser.add_argument("--no-autocommit", action="store_true",
                        help="do not commit the app's changes to git (they are still saved)")
    return parser


def build_command_parser(name: str) -> argparse.ArgumentParser:
    module = _module(name)
    example = EXAMPLES.get(name)
    parser = argparse.ArgumentParser(prog=f"playlist-tui {name}", description=module.HELP,
                                     epilog=f"examples:\n  {example}" if example else None,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(parser)
    if name == "completion":  # its script is made from the parsers of every command
        parser.set_defaults(parsers=lambda: (build_parser(), {
            n: build_command_parser(n) for n in COMMANDS}))
    return parser


def has_terminal() -> bool:
    """Can the app draw here: standard input and output are a terminal, or a Textual
    driver was chosen for it (``playlist-tui serve`` runs the app over pipes with the web
    driver, through TEXTUAL_DRIVER)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed or missing streams
        return False


def run_app(args: argparse.Namespace) -> int:
    if not has_terminal():
        print("playlist-tui: the app needs a terminal, and standard input or output is not "
              "one; use a command instead (playlist-tui --help lists them)", file=sys.stderr)
        return 2
    folder = class_folder(args.folder)
    if folder is None or not has_class_file(folder):
        return 2
    from playlist_tui.ui.app import PlaylistApp

    role = "student" if args.student else "teacher" if args.teacher else None
    # The demo class lives inside the playlist-tui project's own repository: never commit
    # to it or push it anywhere.
    demo = folder.resolve() == DEMO.resolve()
    if role is not None and not demo:  # acting as someone whose email is not yours: --as
        from playlist_tui.model.safetext import safe_line
        from playlist_tui.store.identity import acting_refusal

        refusal = acting_refusal(folder, "student" if role == "student" else "teacher",
                                 args.student or args.teacher, args.acting)
        if refusal is not None:
            print(f"playlist-tui: {safe_line(refusal)}", file=sys.stderr)
            return 2
    PlaylistApp(folder, role=role, person=args.student or args.teacher,
                autocommit=not args.no_autocommit and not demo, git_sync=not demo,
                acting=args.acting and role is not None).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list and (unknown := not_a_command(args_list[0])):
            print(unknown, file=sys.stderr)
            return 2
        if args_list and args_list[0] in COMMANDS:
            name = args_list[0]
            args = build_command_parser(name).parse_args(args_list[1:])
            code = int(_module(name).run(args))
        else:
            code = run_app(build_parser().parse_args(args_list))
        sys.stdout.flush()
    except BrokenPipeError:  # 'playlist-tui log | head': the reader is gone, quietly
        return closed_pipe()
    return code


def not_a_command(word: str) -> str | None:
    """Why ``word`` (the first argument) is neither a command nor a folder, with the
    command it may be a typo of ('valdate': did you mean 'validate'?); None if it is one."""
    import difflib

    if word in COMMANDS or word.startswith("-") or os.path.exists(word):
        return None
    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)
    hint = (f"did you mean 'playlist-tui {close[0]}'?" if close
            else "commands: " + ", ".join(COMMANDS))
    return f"playlist-tui: {word!r} is neither a command nor a folder; {hint}"


PIPE_CLOSED = 141
"""The exit code when the output was closed early (128 + SIGPIPE, as a shell reports a
program like ``git log`` stopped by ``| head``)."""


def closed_pipe() -> int:
    """Standard output was closed by its reader: no traceback, no 'Exception ignored'
    when Python flushes it at exit (it now goes to /dev/null)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return PIPE_CLOSED


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
