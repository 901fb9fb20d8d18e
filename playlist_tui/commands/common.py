"""Helpers shared by the commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent.parent / "playlists"


def default_folder() -> Path:
    """The current folder if it is a class folder, else the demo class."""
    here = Path.cwd()
    if (here / "class.toml").exists():
        return here
    return DEMO


def folder_of(value: str | None) -> Path:
    return Path(value) if value else default_folder()


def class_folder(value: str | None) -> Path | None:
    """The folder a command works on, or None (after saying why) if it is not a folder."""
    folder = folder_of(value)
    if not folder.is_dir():
        print(f"playlist-tui: {folder} is not a folder", file=sys.stderr)
        return None
    return folder


def add_folder_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", metavar="FOLDER",
                        help="the class folder (default: the current folder if it holds "
                             "class.toml, else the demo class)")


def display_path(folder: Path, rel: str) -> str:
    base = str(folder)
    return rel if base in (".", "") else f"{base.rstrip('/')}/{rel}"
