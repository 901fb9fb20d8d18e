"""The fast paths of issue 19 give exactly what the plain path gives.

- the process pool that reads many files (loader.read_many) against reading them here,
  over a generated class with broken files and over the whole bad-input catalogue;
- the memo of valid ids (model/ids.py) never lets an invalid id through.

Behaviour only, never timing (bench/run.py measures the speed).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from playlist_tui.model import ids
from playlist_tui.model.klass import Lazy
from playlist_tui.store import loader
from playlist_tui.store.loader import LoadResult, load_class
from playlist_tui.store.store import ClassStore
from tests.test_bad_inputs import CASES, write_class

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PLAYLIST_TUI_CACHE_DIR", str(tmp_path / "user-cache"))
    monkeypatch.delenv("PLAYLIST_TUI_CACHE", raising=False)
    monkeypatch.delenv("PLAYLIST_TUI_WORKERS", raising=False)
    yield


def same(result: LoadResult, cold: LoadResult) -> None:
    assert [str(p) for p in result.problems] == [str(p) for p in cold.problems]
    assert result.problems == cold.problems
    assert result.data == cold.data


def generated_class(root: Path) -> Path:
    """The benchmark's small class, with a few broken files among the good ones."""
    sys.path.insert(0, str(BENCH))
    try:
        import make_class
    finally:
        sys.path.remove(str(BENCH))
    make_class.write_class("S", root, 1)
    students = sorted(p for p in (root / "students").iterdir() if p.is_dir())
    # a syntax error, a bad reference, a wrong type, an unknown key, a bad id
    (students[0] / "student.toml").write_text('[ticks]\n"a/b" = 2026-01-01T00:00:00Z\nx = "\n')
    (students[1] / "student.toml").write_text('[ticks]\n"no-slash" = 2026-01-01T00:00:00Z\n')
    (students[2] / "teacher.toml").write_text('[decisions]\n"d-1" = 3\n')
    (students[3] / "student.toml").write_text('surprise = 1\n[ticks]\n')
    (students[4] / "student.toml").write_text('[requests]\n"../up" = {}\n')
    (root / "playlists" / "broken.toml").write_text('id = "broken"\ntitle = \n')
    return root


def pooled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read of more than one file goes through a pool of two processes."""
    monkeypatch.setattr(loader, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(loader, "_CHUNK_FILES", 5)
    monkeypatch.setenv("PLAYLIST_TUI_WORKERS", "2")


def test_a_pooled_load_is_the_load_of_one_process(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = generated_class(tmp_path / "class")
    monkeypatch.setenv("PLAYLIST_TUI_WORKERS", "1")
    alone = load_class(root)
    assert alone.problems and alone.data.records
    pooled(monkeypatch)
    same(load_class(root), alone)
    # the store's load (which also builds the cache) and a load from that cache
    same(ClassStore(root).load(), alone)
    same(ClassStore(root).load(), alone)


def test_a_pool_that_cannot_start_reads_the_files_here(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = generated_class(tmp_path / "class")
    alone = load_class(root)
    pooled(monkeypatch)

    def no_pool() -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(loader, "_pool_context", no_pool)
    same(load_class(root), alone)


def test_a_worker_reads_every_bad_input_as_this_process_does(tmp_path: Path) -> None:
    """Each file of the bad-input catalogue, read by a worker process and sent back, gives
    the same model and problems as read here."""
    roots: list[tuple[str, tuple[str, ...]]] = []
    for n, case in enumerate(CASES):
        root = tmp_path / f"c{n}"
        write_class(root, case.files)
        rels = tuple(loader._scan(root).files())
        roots.append((str(root), rels))
    with ProcessPoolExecutor(max_workers=2, mp_context=loader._pool_context()) as pool:
        futures = [pool.submit(loader._read_chunk, root, rels, loader.layout.MAX_FILE_BYTES)
                   for root, rels in roots]
        for (root, rels), future in zip(roots, futures, strict=True):
            there = future.result()
            here = [loader._read_one(Path(root), rel, loader.layout.MAX_FILE_BYTES)
                    for rel in rels]
            assert [(rel, ident) for rel, ident, _ in there] == [
                (rel, ident) for rel, ident, _ in here]
            for (rel, _, a), (_, _, b) in zip(there, here, strict=True):
                assert (a is None) == (b is None), rel
                if a is not None and b is not None:
                    assert a.problems == b.problems, rel
                    assert a.maybe_ids == b.maybe_ids, rel
                    model_a = a.model.get() if isinstance(a.model, Lazy) else a.model
                    model_b = b.model.get() if isinstance(b.model, Lazy) else b.model
                    assert model_a == model_b, rel


def test_the_id_memo_never_lets_an_invalid_id_through() -> None:
    refs = TypeAdapter(dict[ids.ActivityRef, int])
    good = {"unit-1/a": 1, "unit-1/b": 2}
    assert refs.validate_python(good) == good
    assert "unit-1/a" in ids._VALID_REFS
    for bad in ("unit-1/../a", "unit-1", "unit-1/", "/a", "unit-1/a b", "x" * 65 + "/a"):
        with pytest.raises(ValidationError):
            refs.validate_python({bad: 1})
        assert bad not in ids._VALID_REFS
    for bad in ("..", "../a", "a b", "", "x" * 65):
        with pytest.raises(ValidationError):
            TypeAdapter(ids.Id).validate_python(bad)
        assert bad not in ids._VALID
    one = TypeAdapter(ids.Id)
    assert one.validate_python("ana") == "ana"
    with pytest.raises(ValidationError):
        one.validate_python("unit-1/a")  # a valid reference is not a valid id


def test_the_id_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_VALID_MAX", 10)
    one = TypeAdapter(ids.Id)
    for n in range(100):
        one.validate_python(f"id-{n}")
        assert len(ids._VALID) <= 10


def test_refreshes_of_students_files_one_after_another_are_cold_loads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """refresh() of students' files updates what the last assembly took from every file
    (it does not walk them all again): after each of a series of changes, broken and
    mended, deleted and written again, its result is a cold load's, problems in order."""
    monkeypatch.setattr(loader, "RACY_NS", 0)
    root = generated_class(tmp_path / "class")
    students = sorted(p.name for p in (root / "students").iterdir() if p.is_dir())
    a, b, c = (f"students/{sid}" for sid in students[5:8])
    originals = {rel: (root / rel).read_bytes() for rel in (
        f"{a}/student.toml", f"{a}/teacher.toml", f"{b}/student.toml", f"{c}/student.toml")}
    store = ClassStore(root)
    same(store.load(), load_class(root))
    used: list[LoadResult | None] = []
    again = loader._assemble_again

    def spy(*args: object, **kwargs: object) -> LoadResult | None:
        result = again(*args, **kwargs)  # type: ignore[arg-type]
        used.append(result)
        assert result is not None
        return result

    monkeypatch.setattr(loader, "_assemble_again", spy)
    steps: list[tuple[str, bytes | None]] = [
        (f"{a}/student.toml", b'[ticks]\n"x" = 1\n'),  # a bad reference, a bad value
        (f"{b}/student.toml", b"[ticks\n"),  # does not parse
        (f"{a}/teacher.toml", b'[decisions]\n"d-1" = 3\n'),
        (f"{a}/student.toml", originals[f"{a}/student.toml"]),  # mended
        (f"{c}/student.toml", None),  # deleted
        (f"{b}/student.toml", originals[f"{b}/student.toml"]),
        (f"{c}/student.toml", originals[f"{c}/student.toml"]),  # back
        (f"{a}/teacher.toml", None),
        (f"{a}/teacher.toml", originals[f"{a}/teacher.toml"]),
    ]
    for n, (rel, content) in enumerate(steps):
        if content is None:
            (root / rel).unlink()
        else:
            (root / rel).write_bytes(content)
        when = 1_700_000_000 * 10**9 + n * 10**9  # each change a later write
        if content is not None:
            os.utime(root / rel, ns=(when, when))
        same(store.refresh({rel}), load_class(root))
    assert len(used) == len(steps)  # the updated assembly, not a walk over every file
