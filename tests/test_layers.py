"""The core (model, engine, store) never imports the UI libraries."""

from __future__ import annotations

import subprocess
import sys

CORE = ["playlist_tui.model", "playlist_tui.engine", "playlist_tui.store", "playlist_tui.cli"]


def test_core_imports_neither_textual_nor_rich() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import playlist_tui.model, playlist_tui.engine, playlist_tui.store\n"
        "import playlist_tui.commands, playlist_tui.interop, playlist_tui.reports\n"
        "for pkg in (playlist_tui.model, playlist_tui.engine, playlist_tui.store,\n"
        "            playlist_tui.commands, playlist_tui.interop, playlist_tui.reports):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "import playlist_tui.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "", f"core modules imported: {out.stdout.strip()}"


def test_the_ui_does_import_textual() -> None:
    """The check above is meaningful: importing the UI does pull textual in."""
    code = "import sys, playlist_tui.ui.app; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "True"
