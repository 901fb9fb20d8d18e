"""Helpers shared by the commands."""

from __future__ import annotations

import argparse
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


def add_folder_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", metavar="FOLDER",
                        help="the class folder (default: the current folder if it holds "
                             "class.toml, else the demo class)")


def display_path(folder: Path, rel: str) -> str:
    base = str(folder)
    return rel if base in (".", "") else f"{base.rstrip('/')}/{rel}"
