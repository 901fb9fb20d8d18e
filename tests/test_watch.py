"""The file watcher: which changes reach the app, and a renamed student folder is seen."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from playlist_tui.store import loader
from playlist_tui.store.store import ClassStore
from playlist_tui.store.watch import changes, relevant


def test_what_is_relevant(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert relevant(root, str(root / "students/ana/student.toml")) == "students/ana/student.toml"
    assert relevant(root, str(root / "class.toml")) == "class.toml"
    assert relevant(root, str(root / "students/benjamin")) == "students/benjamin"
    assert relevant(root, str(root / "students")) == "students"
    for ignored in (".git/index", ".git/playlist-tui/cache/pack", "README.md",
                    "students/ana/.student.toml.swp", "students/ana/notes.txt",
                    "students/ana/student.toml.playlist-tui-tmp"):
        assert relevant(root, str(root / ignored)) is None, ignored
    assert relevant(root, str(tmp_path.parent / "elsewhere.toml")) is None


async def _next(stream: object, seconds: float = 10.0) -> set[str]:
    return await asyncio.wait_for(stream.__anext__(), seconds)  # type: ignore[attr-defined]


async def test_a_renamed_student_folder_reaches_the_store(
        small_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "RACY_NS", 0)
    monkeypatch.setenv("PLAYLIST_TUI_CACHE", "off")
    store = ClassStore(small_copy)
    before = store.load()
    assert "ben" in before.data.records
    stop = asyncio.Event()
    stream = changes(small_copy, stop).__aiter__()
    pending = asyncio.ensure_future(_next(stream))
    await asyncio.sleep(0.4)  # let the watcher start
    os.rename(small_copy / "students/ben", small_copy / "students/benjamin")
    seen: set[str] = set()
    try:
        seen |= await pending
        result = store.refresh(seen)
    finally:
        stop.set()
    assert {"students/ben", "students/benjamin"} & seen
    # the roster still says "ben": the folder now belongs to nobody, and ben has no files
    assert any("students/benjamin" in p.path and "belongs to no student" in p.message
               for p in result.problems)
    cold = loader.load_class(small_copy)
    assert sorted(map(str, result.problems)) == sorted(map(str, cold.problems))
    shutil.rmtree(small_copy / "students/benjamin")
