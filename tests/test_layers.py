"""The core (model, engine, store, session) never imports the UI libraries."""

from __future__ import annotations

import subprocess
import sys

CORE = ["playlist_tui.model", "playlist_tui.engine", "playlist_tui.store",
        "playlist_tui.session", "playlist_tui.cli"]


def python(code: str) -> str:
    """What ``code`` prints, run in a fresh interpreter (nothing imported yet)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_core_imports_neither_textual_nor_rich() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import playlist_tui.model, playlist_tui.engine, playlist_tui.store\n"
        "import playlist_tui.commands, playlist_tui.interop, playlist_tui.reports\n"
        "import playlist_tui.session\n"
        "for pkg in (playlist_tui.model, playlist_tui.engine, playlist_tui.store,\n"
        "            playlist_tui.session,\n"
        "            playlist_tui.commands, playlist_tui.interop, playlist_tui.reports):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "import playlist_tui.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    bad = python(code)
    assert bad == "", f"core modules imported: {bad}"


def test_the_ui_does_import_textual() -> None:
    """The check above is meaningful: importing the UI does pull textual in."""
    code = "import sys, playlist_tui.ui.app; print('textual' in sys.modules)"
    assert python(code) == "True"


def test_the_app_paints_before_it_imports_the_store() -> None:
    """Opening the app imports only Textual and the loading screen: the models, the
    store and the screens are imported by the loader thread after the first frame, so the
    first paint is not delayed by them (docs/performance.md). The app's entry point (the
    command line) stays light too."""
    code = (
        "import sys, playlist_tui.cli, playlist_tui.ui.app\n"
        "heavy = ('pydantic', 'tomlkit', 'watchfiles', 'playlist_tui.store',\n"
        "         'playlist_tui.engine', 'playlist_tui.model.klass',\n"
        "         'playlist_tui.model.files', 'playlist_tui.ui.screens.dashboard',\n"
        "         'playlist_tui.ui.screens.student_home')\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    early = python(code)
    assert early == "", f"imported before the first paint: {early}"
