from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the tests of the layers below the ui never import textual
    from textual.app import App
    from textual.screen import Screen

# Times are shown in local time: pin it so that snapshots and texts are the same everywhere.
os.environ["TZ"] = "UTC"
time.tzset()

# The app keeps the cache of a class folder that is not a git repository in the user's
# cache folder (~/.cache/playlist-tui): the tests' thousands of temporary classes would
# leave a folder each there. They use a folder of their own instead (inherited by the
# processes they start), removed when the run ends.
_OWN_CACHE: str | None = None
if "PLAYLIST_TUI_CACHE_DIR" not in os.environ:
    _OWN_CACHE = tempfile.mkdtemp(prefix="playlist-tui-tests-cache-")
    os.environ["PLAYLIST_TUI_CACHE_DIR"] = _OWN_CACHE


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _OWN_CACHE is not None:
        shutil.rmtree(_OWN_CACHE, ignore_errors=True)


def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *,
              trust_fresh: bool = True) -> Path:
    """Give a test a cache folder of its own (returned; made on first use). With
    ``trust_fresh``, files just written are trusted (RACY_NS 0: files made by a test are
    all "just changed", which the cache and validate's kept answer rightly never trust)."""
    from playlist_tui.store import loader, verdict

    user = tmp_path / "user-cache"
    monkeypatch.setenv("PLAYLIST_TUI_CACHE_DIR", str(user))
    monkeypatch.delenv("PLAYLIST_TUI_CACHE", raising=False)
    monkeypatch.delenv("PLAYLIST_TUI_WORKERS", raising=False)
    if trust_fresh:
        monkeypatch.setattr(loader, "RACY_NS", 0)
        monkeypatch.setattr(verdict, "RACY_NS", 0)
    return user


ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "playlists"
SMALL = Path(__file__).resolve().parent / "data" / "small"


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                         check=True)
    return out.stdout


def changes(repo: Path) -> dict[str, tuple[int, int]]:
    """{path: (added lines, removed lines)} of the working tree against HEAD (real git)."""
    out: dict[str, tuple[int, int]] = {}
    git(repo, "add", "-A")
    for line in git(repo, "diff", "--cached", "--numstat").splitlines():
        added, removed, name = line.split("\t")
        out[name] = (int(added), int(removed))
    git(repo, "reset", "-q")
    return out


def diff_lines(repo: Path) -> list[str]:
    """The added and removed lines of the working tree against HEAD."""
    git(repo, "add", "-A")
    text = git(repo, "diff", "--cached", "-U0")
    git(repo, "reset", "-q")
    return [line for line in text.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def init_repo(folder: Path) -> Path:
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.email", "test@example.org")
    git(folder, "config", "user.name", "Test")
    git(folder, "config", "commit.gpgsign", "false")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "start")
    return folder


@pytest.fixture
def small_class(tmp_path: Path) -> Path:
    """A copy of tests/data/small in a fresh git repository with one commit."""
    folder = tmp_path / "class"
    shutil.copytree(SMALL, folder)
    return init_repo(folder)


@pytest.fixture
def make_repo() -> Callable[[Path], Path]:
    return init_repo


@pytest.fixture
def small_copy(tmp_path: Path) -> Path:
    """A copy of tests/data/small outside any git repository (for stable snapshots)."""
    folder = tmp_path / "small"
    shutil.copytree(SMALL, folder)
    return folder


def screen_of(app: App[Any]) -> Screen[Any]:
    """The screen on top now: read again after a key press (an ``isinstance`` on
    ``app.screen`` earlier in a test does not hold after the app moved on)."""
    return app.screen
