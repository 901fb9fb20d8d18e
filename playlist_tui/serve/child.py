"""The app for one browser session of ``playlist-tui serve`` (started by the server only).

``python -m playlist_tui.serve.child SERVER_PID FOLDER --student ID`` asks Linux to send
this process SIGTERM when the server dies (``PR_SET_PDEATHSIG``), so that an app never
outlives a server that was killed with no chance to clean up (kill -9, a crash), then runs
the app as ``playlist-tui FOLDER --student ID`` would. If the server is already gone it
exits at once. On other systems it only runs the app.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """SIGTERM to this process when its parent ends (Linux; nothing elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # no libc prctl: the server's own cleanup remains
        pass


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or not args[0].isdigit():
        print("usage: python -m playlist_tui.serve.child SERVER_PID FOLDER [--student ID | "
              "--teacher ID] (started by playlist-tui serve)", file=sys.stderr)
        return 2
    die_with_parent()
    if os.getppid() != int(args[0]):  # the server died before prctl took effect
        return 1
    from playlist_tui.cli import main as cli_main

    return cli_main(args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
