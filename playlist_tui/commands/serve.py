"""``playlist-tui serve [FOLDER] --student ID | --teacher ID [--port N] [--host H]
[--public-url URL] [--idle-minutes M]``

The web server itself is :mod:`playlist_tui.serve.server` (textual-serve with Origin and
Host checks, one process group per browser session, a page that loads nothing from
elsewhere).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Serve the app to a web browser (textual-serve): each browser tab runs the app for "
        "this folder as the one person given (--student or --teacher). Listens on "
        "127.0.0.1 only unless --host is given; only pages from the bound address or "
        "--public-url may use it. No login, no TLS: read the README before exposing it "
        "to a network.")

LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::", "")  # listen everywhere: refused without --public-url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_argument(parser)
    parser.add_argument("--port", type=int, default=8000, help="port to listen on "
                                                               "(default: 8000)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this computer only)")
    parser.add_argument("--public-url", metavar="URL",
                        help="the address browsers use, when it differs from http://HOST:PORT "
                             "(behind a reverse proxy, e.g. https://school.example/6b); "
                             "pages from it are accepted besides the bound address")
    parser.add_argument("--idle-minutes", type=float, default=30.0, metavar="M",
                        help="end a browser's app after M minutes without input "
                             "(default: 30)")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--student", metavar="ID", help="run the app as this student")
    who.add_argument("--teacher", metavar="ID", help="run the app as this teacher")


def app_command(folder: Path, student: str | None = None, teacher: str | None = None) -> str:
    """The command each browser session runs, as a shell would show it (quoted safely).

    It is run without a shell: see :func:`playlist_tui.serve.server.app_argv`.
    """
    from playlist_tui.serve.server import app_argv

    return shlex.join(app_argv(str(folder.resolve()), student, teacher))


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.loader import load_class

    if not args.student and not args.teacher:
        print("playlist-tui serve: give --student ID or --teacher ID: every visitor uses the "
              "app as that one person", file=sys.stderr)
        return 2
    if not 0 < args.port < 65536:
        print(f"playlist-tui serve: --port must be from 1 to 65535, not {args.port}",
              file=sys.stderr)
        return 2
    if not args.idle_minutes > 0:
        print(f"playlist-tui serve: --idle-minutes must be more than 0, not "
              f"{args.idle_minutes}", file=sys.stderr)
        return 2
    if args.host.strip("[]") in WILDCARDS and not args.public_url:
        print(f"playlist-tui serve: --host {args.host} listens on every address; give "
              "--public-url with the address browsers use", file=sys.stderr)
        return 2
    if args.public_url and (urlsplit(args.public_url).scheme not in ("http", "https")
                            or not urlsplit(args.public_url).hostname):
        print(f"playlist-tui serve: --public-url must be an http:// or https:// address, "
              f"not {args.public_url!r}", file=sys.stderr)
        return 2
    folder = class_folder(args.folder)
    if folder is None:
        return 2
    data = load_class(folder).data
    if args.student and args.student not in data.students:
        print(f"playlist-tui serve: no student {args.student!r} in {folder}", file=sys.stderr)
        return 2
    if args.teacher and args.teacher not in data.teachers:
        print(f"playlist-tui serve: no teacher {args.teacher!r} in {folder}", file=sys.stderr)
        return 2

    # imports aiohttp, textual-serve and rich: only when serving
    from playlist_tui.serve.server import SafeServer, app_argv

    person = f"student {args.student}" if args.student else f"teacher {args.teacher}"
    url = args.public_url or url_for(args.host, args.port)
    server = SafeServer(app_argv(str(folder.resolve()), args.student, args.teacher),
                        host=args.host, port=args.port,
                        title=f"playlist-tui: {data.info.name or folder.name}",
                        public_url=args.public_url, idle_seconds=args.idle_minutes * 60)
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
