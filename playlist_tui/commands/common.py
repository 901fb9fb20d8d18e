"""Helpers shared by the commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
DEMO = (_PACKAGE / "demo" if (_PACKAGE / "demo" / "class.toml").is_file()
        else _PACKAGE.parent / "playlists")
"""The demo class. Installed from a wheel it is ``playlist_tui/demo`` (the build copies
it there: see setup.py); in a clone of the project (and its editable install) it is
``playlists/`` at the top of the repository, its one source."""

WHAT_TO_DO = ("start a class here with 'playlist-tui init', copy the demo class into a "
              "folder of its own with 'playlist-tui demo', or name a class folder "
              "('playlist-tui FOLDER', 'playlist-tui validate FOLDER')")


def default_folder() -> Path | None:
    """The current folder if it is a class folder (it holds class.toml), else None."""
    here = Path.cwd()
    if (here / "class.toml").exists():
        return here
    return None


def folder_of(value: str | None) -> Path | None:
    return Path(value) if value else default_folder()


def class_folder(value: str | None) -> Path | None:
    """The folder a command works on, or None (after saying why and what to do) if it is
    not a folder, or no folder was named and the current one is not a class folder."""
    folder = folder_of(value)
    if folder is None:
        print(f"playlist-tui: this folder ({Path.cwd()}) is not a class folder: it has no "
              f"class.toml. To go on, {WHAT_TO_DO}.", file=sys.stderr)
        return None
    if not folder.is_dir():
        print(f"playlist-tui: {folder} is not a folder", file=sys.stderr)
        return None
    return folder


def has_class_file(folder: Path) -> bool:
    """Whether ``folder`` holds a class.toml; if not, says so and what to do (for the app,
    which has nothing to show without one)."""
    if (folder / "class.toml").exists():
        return True
    print(f"playlist-tui: {folder} is not a class folder: it has no class.toml. To go "
          f"on, {WHAT_TO_DO}.", file=sys.stderr)
    return False


def add_folder_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", metavar="FOLDER",
                        help="the class folder (default: the current folder, which must "
                             "hold class.toml)")


def display_path(folder: Path, rel: str) -> str:
    base = str(folder)
    return rel if base in (".", "") else f"{base.rstrip('/')}/{rel}"


def open_app(folder: Path, role: str | None = None, person: str | None = None) -> int:
    """Open the app on a class folder (after ``init`` or ``demo``), as the cli does."""
    from playlist_tui.ui.app import PlaylistApp

    demo = folder.resolve() == DEMO.resolve()
    PlaylistApp(folder, role=role, person=person, autocommit=not demo,
                git_sync=not demo).run()
    return 0
