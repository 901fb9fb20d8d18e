"""The persistent cache and ClassStore.refresh(): always the same result as a cold load.

Behaviour only, never timing (bench/run.py measures the speed). Files written by a test
are all "just changed", which the cache rightly never trusts (see loader.RACY_NS), so most
tests set RACY_NS to 0 and give every change a later mtime, as a real later write would.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.store import cache as cache_module
from playlist_tui.store import cachefiles, loader
from playlist_tui.store.cache import Cache, cache_dir
from playlist_tui.store.layout import MAX_FILE_BYTES
from playlist_tui.store.loader import LoadResult, load_class
from playlist_tui.store.store import ClassStore, wait_for_cache
from tests.conftest import DEMO, SMALL, own_cache
from tests.test_bad_inputs import CASES, VALID, Case, Content, _Folder, write_class

T0 = 1_700_000_000 * 10**9  # a moment long ago, in ns


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield own_cache(tmp_path, monkeypatch)


def same(result: LoadResult, cold: LoadResult) -> None:
    assert [str(p) for p in result.problems] == [str(p) for p in cold.problems]
    assert result.problems == cold.problems
    assert result.data == cold.data


def settle(root: Path, when: int = T0) -> None:
    """Every file of the class as if last written at ``when``."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            os.utime(Path(dirpath) / name, ns=(when, when))


def put(root: Path, changes: Mapping[str, Content], when: int) -> set[str]:
    """Apply changes to a class folder (None deletes) as writes made at ``when``."""
    for rel, content in changes.items():
        target = root / rel
        if content is None or isinstance(content, _Folder):
            if target.is_dir() and not isinstance(content, _Folder):
                shutil.rmtree(target)
            elif target.exists() and not target.is_dir():
                target.unlink()
            if isinstance(content, _Folder):
                target.mkdir(parents=True, exist_ok=True)
            continue
        if target.is_dir():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        os.utime(target, ns=(when, when))
    return set(changes)


def cold(root: Path) -> LoadResult:
    return load_class(root.resolve())


def copy_class(source: Path, root: Path) -> Path:
    shutil.copytree(source, root)
    settle(root)
    return root


def pack_entries(root: Path) -> int:
    wait_for_cache()  # (written in the background after a load returns)
    return len(Cache(root, MAX_FILE_BYTES).read()[0])


def own(root: Path) -> Path:
    """Where this version of the code keeps its pack and new entries (once written)."""
    wait_for_cache()
    return Cache(root, MAX_FILE_BYTES)._own


def written_cache_dir(root: Path) -> Path | None:
    """The cache folder, after the loads so far have written it."""
    wait_for_cache()
    return cache_dir(root)


# --------------------------------------------------------------------------- same results


@pytest.mark.parametrize("source", [DEMO, SMALL], ids=["demo", "small"])
def test_the_cache_gives_the_same_result_as_a_cold_load(source: Path, tmp_path: Path) -> None:
    root = copy_class(source, tmp_path / "class")
    first = ClassStore(root).load()
    same(first, cold(root))
    assert pack_entries(root) > 0, "the first load fills the cache"
    second = ClassStore(root).load()  # a new process would do the same: all from the cache
    same(second, cold(root))
    assert second.texts.get("class.toml") == (root / "class.toml").read_text("utf-8")


def test_the_class_is_returned_before_the_cache_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is written after a load or refresh returns (the dashboard does not wait
    for it); a store of the same folder loading meanwhile waits for it, and a cache
    being written is never read half-written."""
    root = copy_class(SMALL, tmp_path / "class")
    release = threading.Event()
    real_update, real_write_new = Cache.update, Cache.write_new

    def slow_update(self: Cache, *args: Any) -> None:
        release.wait()
        real_update(self, *args)

    def slow_write_new(self: Cache, *args: Any) -> None:
        release.wait()
        real_write_new(self, *args)

    monkeypatch.setattr(Cache, "update", slow_update)
    monkeypatch.setattr(Cache, "write_new", slow_write_new)
    store = ClassStore(root)
    same(store.load(), cold(root))  # returned while the cache is still to be written
    assert not store.wait_for_cache(timeout=0.05)
    assert not wait_for_cache(timeout=0.05)
    assert len(Cache(root, MAX_FILE_BYTES).read()[0]) == 0  # nothing half-written to read
    student = sorted((root / "students").iterdir())[0] / "student.toml"
    rel = student.relative_to(root).as_posix()
    changed = put(root, {rel: student.read_text("utf-8") + "\n"}, T0 + 10**10)
    same(store.refresh(changed), cold(root))
    release.set()
    store.close()
    assert store.wait_for_cache(timeout=0)
    monkeypatch.setattr(Cache, "update", real_update)
    assert pack_entries(root) > 0
    same(ClassStore(root).load(), cold(root))


def test_results_come_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_class(SMALL, tmp_path / "class")
    ClassStore(root).load()
    reads: list[str] = []
    real = loader._read

    def counting(root: Path, rel: str, max_bytes: int) -> tuple[object, object]:
        reads.append(rel)
        return real(root, rel, max_bytes)

    monkeypatch.setattr(loader, "_read", counting)
    result = ClassStore(root).load()
    # only files that do not exist are tried again (there is nothing to cache for them)
    assert all(not (root / rel).exists() for rel in reads), reads
    monkeypatch.setattr(loader, "_read", real)
    same(result, cold(root))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_bad_input_is_reported_the_same_through_the_cache(case: Case,
                                                                 tmp_path: Path) -> None:
    """The bad-input catalogue (tests/test_bad_inputs.py), each case made on a class that
    was loaded (and cached) while it was valid: a load through the cache, a second one
    (now the broken files' results come from the cache) and refresh() all report exactly
    what a cold load reports."""
    root = tmp_path / "class"
    root.mkdir()
    write_class(root)
    settle(root)
    store = ClassStore(root)
    same(store.load(), cold(root))
    changed = put(root, case.files, T0 + 60 * 10**9)
    expected = cold(root)
    same(ClassStore(root).load(), expected)
    same(ClassStore(root).load(), expected)
    same(store.refresh(changed), expected)
    same(store.load(), expected)
    # and back to the valid class
    put(root, {rel: VALID.get(rel) for rel in case.files}, T0 + 120 * 10**9)
    expected = cold(root)
    same(store.refresh(changed), expected)
    same(ClassStore(root).load(), expected)


# --------------------------------------------------------------------------- changes


CHANGES: list[tuple[str, dict[str, Content], set[str]]] = [
    # (name, changes, the paths a watcher would report)
    ("a tick added", {"students/ana/student.toml": VALID["students/ana/student.toml"]
                      .replace("[ticks]\n", '[ticks]\n"ratios/rates" = 2026-11-20T09:00:00Z\n')},
     {"students/ana/student.toml"}),
    ("a playlist added", {"playlists/more.toml": 'id = "more"\ntitle = "More"\n'},
     {"playlists/more.toml"}),
    ("an activity removed that a student ticked",
     {"playlists/ratios.toml": VALID["playlists/ratios.toml"].replace(
         'id = "video"', 'id = "video-2"')}, {"playlists/ratios.toml"}),
    ("a teacher file deleted", {"students/ana/teacher.toml": None},
     {"students/ana/teacher.toml"}),
    ("a student folder added", {"students/cy/student.toml": "[ticks]\n"},
     {"students/cy/student.toml"}),
    ("a student removed from the roster", {"class.toml": VALID["class.toml"].replace(
        '[[students]]\nid = "ben"\nname = "Ben"\n', "")}, {"class.toml"}),
]


@pytest.mark.parametrize("changes", CHANGES, ids=[c[0] for c in CHANGES])
def test_changes_are_seen_by_load_and_refresh(changes: tuple[str, dict[str, Content], set[str]],
                                              tmp_path: Path) -> None:
    _, files, reported = changes
    root = tmp_path / "class"
    root.mkdir()
    write_class(root)
    settle(root)
    store = ClassStore(root)
    store.load()
    put(root, files, T0 + 10**9)
    expected = cold(root)
    same(ClassStore(root).load(), expected)
    same(store.refresh(reported), expected)


def rename(root: Path, old: str, new: str, when: int) -> None:
    (root / new).parent.mkdir(parents=True, exist_ok=True)
    os.rename(root / old, root / new)
    target = root / new
    paths = [target] if target.is_file() else [p for p in target.rglob("*") if p.is_file()]
    for path in paths:  # a rename keeps mtime; the rename itself changes only ctime
        os.utime(path, ns=(when, when))


@pytest.mark.parametrize("reported", ["files", "folders"])
def test_renamed_files_and_folders_are_seen(reported: str, tmp_path: Path) -> None:
    root = tmp_path / "class"
    root.mkdir()
    write_class(root)
    settle(root)
    store = ClassStore(root)
    store.load()
    rename(root, "playlists/ratios.toml", "playlists/rates.toml", T0 + 10**9)
    changed = {"playlists/ratios.toml", "playlists/rates.toml"}
    expected = cold(root)
    assert any("differs from the file name" in p.message for p in expected.problems)
    same(store.refresh(changed), expected)
    same(ClassStore(root).load(), expected)

    rename(root, "students/ben", "students/benjamin", T0 + 2 * 10**9)
    if reported == "folders":
        changed = {"students/ben", "students/benjamin"}
    else:
        changed = {"students/ben/student.toml", "students/benjamin/student.toml"}
    expected = cold(root)
    assert any("belongs to no student" in p.message for p in expected.problems)
    assert "ben" not in expected.data.records
    same(store.refresh(changed), expected)
    same(ClassStore(root).load(), expected)


def test_a_file_changed_again_within_the_same_time_is_not_missed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The racy case: on a file system that keeps times in whole seconds (and here, no
    ctime), a file rewritten with the same size in the same second keeps its identity.
    It was read moments after it changed, so it was never trusted (RACY_NS): the change
    is seen."""
    monkeypatch.setattr(loader, "RACY_NS", 3_000_000_000)
    monkeypatch.setattr(loader, "_ident", lambda st: (
        st.st_mode, st.st_size, st.st_mtime_ns // 10**9, 0, st.st_ino, st.st_dev))
    root = tmp_path / "class"
    root.mkdir()
    write_class(root)
    now = time.time_ns()
    path = root / "playlists/ratios.toml"
    os.utime(path, ns=(now, now))
    store = ClassStore(root)
    same(store.load(), cold(root))
    text = path.read_text()
    broken = text.replace('kind = "video"', 'kind = "vidoe"')
    assert len(broken) == len(text)
    with open(path, "r+", encoding="utf-8") as handle:  # in place: same inode
        handle.write(broken)
    os.utime(path, ns=(now, now))
    expected = cold(root)
    assert any("'vidoe' is not allowed" in p.message for p in expected.problems)
    same(ClassStore(root).load(), expected)
    same(store.load(), expected)
    same(store.refresh({"playlists/ratios.toml"}), expected)


def test_refresh_before_any_load_loads(tmp_path: Path) -> None:
    root = copy_class(SMALL, tmp_path / "class")
    same(ClassStore(root).refresh({"class.toml"}), cold(root))


def test_refresh_ignores_paths_outside_the_class(tmp_path: Path) -> None:
    root = copy_class(SMALL, tmp_path / "class")
    store = ClassStore(root)
    store.load()
    same(store.refresh({"../elsewhere.toml", "/etc/passwd", "README.md", ".git/HEAD"}),
         cold(root))
    same(store.refresh({str(root / "class.toml")}), cold(root))


# --------------------------------------------------------------------------- corruption


def corruptions(pack: bytes) -> dict[str, bytes]:
    header = len(cache_module.FORMAT) + 32
    flipped = bytearray(pack)
    flipped[header + len(pack[header:]) // 2] ^= 0xFF
    return {
        "garbage": b"\x00\xffnot a cache at all" * 10,
        "empty": b"",
        "truncated": pack[: len(pack) // 2],
        "one byte flipped": bytes(flipped),
        "wrong version": b"playlist-tui cache 0\n" + pack[len(cache_module.FORMAT):],
    }


@pytest.mark.parametrize("how", ["garbage", "empty", "truncated", "one byte flipped",
                                 "wrong version"])
def test_a_corrupt_cache_is_ignored_and_rebuilt(how: str, tmp_path: Path) -> None:
    root = copy_class(DEMO, tmp_path / "class")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    ClassStore(root).load()
    location = written_cache_dir(root)
    assert location is not None and location == root / ".git" / "playlist-tui" / "cache"
    pack = own(root) / "pack"
    assert pack.is_relative_to(location)
    pack.write_bytes(corruptions(pack.read_bytes())[how])
    same(ClassStore(root).load(), cold(root))
    assert pack_entries(root) > 0, "the cache was rebuilt"
    same(ClassStore(root).load(), cold(root))


def test_a_corrupt_new_entry_is_ignored(tmp_path: Path) -> None:
    root = copy_class(SMALL, tmp_path / "class")
    ClassStore(root).load()
    put(root, {"students/ana/student.toml": (root / "students/ana/student.toml").read_text()
               + "\n"}, T0 + 10**9)
    ClassStore(root).load()  # a few changed files go to new/, not to a new pack
    location = written_cache_dir(root)
    assert location is not None
    news = list((own(root) / "new").iterdir())
    assert news
    for path in news:
        path.write_bytes(path.read_bytes()[:-7] + b"garbage")
    same(ClassStore(root).load(), cold(root))


@pytest.mark.parametrize("how", ["missing", "corrupt"])
def test_a_lost_or_corrupt_blob_is_replaced_by_the_file(how: str, tmp_path: Path) -> None:
    root = copy_class(DEMO, tmp_path / "class")
    ClassStore(root).load()
    location = written_cache_dir(root)
    assert location is not None
    blobs = [p for p in (location / "blobs").rglob("*") if p.is_file()]
    assert blobs, "students' files are kept as blobs"
    for blob in blobs:
        if how == "missing":
            blob.unlink()
        else:
            blob.write_bytes(b"garbage")
    result = ClassStore(root).load()
    same(result, cold(root))


def test_a_planted_pickle_is_never_unpickled(tmp_path: Path) -> None:
    """A cache file someone else wrote (say, in a class folder copied with its .git) does
    not pass the MAC check, so loading it cannot run code."""
    root = copy_class(SMALL, tmp_path / "class")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    location = own(root)
    assert location.is_relative_to(root / ".git" / "playlist-tui" / "cache")
    location.mkdir(parents=True)
    (location / "pack").write_bytes(cache_module.FORMAT + b"\0" * 32
                                    + pickle.dumps({"class.toml": Evil()}))
    same(ClassStore(root).load(), cold(root))
    assert not marker.exists()


def test_a_cache_of_other_code_is_not_used(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_class(SMALL, tmp_path / "class")
    ClassStore(root).load()
    assert pack_entries(root) > 0
    monkeypatch.setattr(cachefiles, "_fingerprint", b"another version of the code")
    assert pack_entries(root) == 0
    same(ClassStore(root).load(), cold(root))


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     private_cache: Path) -> None:
    monkeypatch.setenv("PLAYLIST_TUI_CACHE", "off")
    root = copy_class(SMALL, tmp_path / "class")
    same(ClassStore(root).load(), cold(root))
    assert cache_dir(root) is None
    assert not private_cache.exists()


def test_cache_files_are_private(tmp_path: Path, private_cache: Path) -> None:
    root = copy_class(SMALL, tmp_path / "class")
    ClassStore(root).load()
    location = written_cache_dir(root)
    assert location is not None and location.is_relative_to(private_cache)
    for path in [private_cache / "key", own(root) / "pack"]:
        assert path.stat().st_mode & 0o077 == 0, path


# --------------------------------------------------------------------------- indexes


def test_assignment_indexes_answer_as_the_plain_rules(tmp_path: Path) -> None:
    """ClassData answers assigned_playlists/assignees from an index: the same answers as
    the rules read plainly (everyone, groups, students; first assignment first)."""
    root = copy_class(DEMO, tmp_path / "class")
    text = (root / "class.toml").read_text()
    text += '\n[[assignments]]\nplaylist = "unit-rates"\nstudents = ["ana-souza", "nobody"]\n'
    (root / "class.toml").write_text(text)
    data = cold(root).data
    info = data.info

    def plain(student: str) -> list[str]:
        groups = {g.id for g in info.groups if student in g.members}
        wanted: list[str] = []
        for a in info.assignments:
            if (a.everyone or student in a.students or groups.intersection(a.groups)) \
                    and a.playlist not in wanted:
                wanted.append(a.playlist)
        return [p for p in wanted if p in data.playlists]

    people = [s.id for s in info.students] + ["nobody", "not-in-the-class"]
    for student in people:
        assert [p.id for p in data.assigned_playlists(student)] == plain(student), student
    for playlist in [*data.playlists, "no-such-playlist"]:
        assert data.assignees(playlist) == [
            s.id for s in info.students if playlist in plain(s.id)], playlist
