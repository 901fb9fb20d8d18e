"""``playlist-tui serve [FOLDER] [--port N] [--host H] [--student ID | --teacher ID]``"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Serve the app to a web browser (textual-serve): each browser tab runs the app for "
        "this folder and person. Listens on 127.0.0.1 only unless --host is given; read "
        "the README before exposing it to a network.")

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_argument(parser)
    parser.add_argument("--port", type=int, default=8000, help="port to listen on "
                                                               "(default: 8000)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this computer only)")
    parser.add_argument("--public-url", metavar="URL",
                        help="the address browsers use, when it differs from http://HOST:PORT "
                             "(behind a reverse proxy, e.g. https://school.example/6b)")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--student", metavar="ID", help="run the app as this student")
    who.add_argument("--teacher", metavar="ID", help="run the app as this teacher")


def app_command(folder: Path, student: str | None = None, teacher: str | None = None) -> str:
    """The shell command textual-serve runs for each browser session (quoted safely)."""
    argv = [sys.executable, "-m", "playlist_tui", str(folder.resolve())]
    if student:
        argv += ["--student", student]
    elif teacher:
        argv += ["--teacher", teacher]
    return shlex.join(argv)


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.loader import load_class

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    if not 0 < args.port < 65536:
        print(f"playlist-tui serve: --port must be from 1 to 65535, not {args.port}",
              file=sys.stderr)
        return 2
    data = load_class(folder).data
    if args.student and args.student not in data.students:
        print(f"playlist-tui serve: no student {args.student!r} in {folder}", file=sys.stderr)
        return 2
    if args.teacher and args.teacher not in data.teachers:
        print(f"playlist-tui serve: no teacher {args.teacher!r} in {folder}", file=sys.stderr)
        return 2

    from textual_serve.server import Server  # imports rich: only when serving

    person = (f"student {args.student}" if args.student
              else f"teacher {args.teacher}" if args.teacher else "no one in particular")
    url = args.public_url or url_for(args.host, args.port)
    server = Server(app_command(folder, args.student, args.teacher), host=args.host,
                    port=args.port, title=f"playlist-tui: {data.info.name or folder.name}",
                    public_url=args.public_url or url_for(args.host, args.port))
    print(f"playlist-tui: serving {folder} as {person} at {url} (Ctrl+C to stop)", flush=True)
    if args.host not in LOOPBACK:
        print("playlist-tui: WARNING: anyone who can reach this port uses the app as "
              f"{person}. Put it behind a TLS reverse proxy with authentication (see "
              "README.md).", file=sys.stderr, flush=True)
    try:
        server.serve()
    except OSError as exc:
        print(f"playlist-tui serve: cannot listen on {args.host}:{args.port}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
