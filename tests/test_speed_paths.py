"""The fast paths of issue 19 give exactly what the plain path gives.

- the process pool that reads many files (loader.read_many) against reading them here,
  over a generated class with broken files and over the whole bad-input catalogue;
- the memo of valid ids (model/ids.py) never lets an invalid id through.

Behaviour only, never timing (bench/run.py measures the speed).
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from playlist_tui.model import ids
from playlist_tui.model.klass import Lazy, Records
from playlist_tui.store import layout, loader
from playlist_tui.store.loader import LoadResult, load_class
from playlist_tui.store.store import ClassStore
from tests.conftest import own_cache
from tests.test_bad_inputs import CASES, write_class

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    own_cache(tmp_path, monkeypatch, trust_fresh=False)
    yield


def same(result: LoadResult, cold: LoadResult) -> None:
    assert [str(p) for p in result.problems] == [str(p) for p in cold.problems]
    assert result.problems == cold.problems
    assert result.data == cold.data


def generated_class(root: Path) -> Path:
    """The benchmark's small class, with a few broken files among the good ones."""
    sys.path.insert(0, str(BENCH))
    try:
        import make_class  # type: ignore[import-not-found]  # bench/, not a package
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


def test_a_pooled_load_keeps_no_students_model_after_checking_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers send students' files packed and the checks make each model without
    keeping it (a class of 5,000 students then never holds every model at once); a
    record asked for afterwards is the one of the one-process load."""
    root = generated_class(tmp_path / "class")
    monkeypatch.setenv("PLAYLIST_TUI_WORKERS", "1")
    alone = load_class(root)
    pooled(monkeypatch)
    for result in (load_class(root), ClassStore(root).load()):
        records = result.data.records
        assert isinstance(records, Records)
        assert records.cells
        unusable = {p.path for p in result.problems}  # (a file without a model is empty)
        sources = result.data.sources
        for sid, cell in records.cells.items():
            for kind, lazy in (("student", cell.student), ("teacher", cell.teacher)):
                assert not lazy.ready or sources[(kind, sid)] in unusable, (sid, kind)
        same(result, alone)


def test_a_pool_that_cannot_start_reads_the_files_here(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = generated_class(tmp_path / "class")
    alone = load_class(root)
    pooled(monkeypatch)

    def no_pool() -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(loader, "_pool_context", no_pool)
    same(load_class(root), alone)


def class_with_cross_file_problems(root: Path) -> Path:
    """generated_class, with problems only the checks across files find: a tick of an
    activity no playlist has, a decision answering no request, a folder of no student."""
    generated_class(root)
    students = sorted(p for p in (root / "students").iterdir() if p.is_dir())
    with (students[5] / "student.toml").open("a") as handle:
        handle.write('\n[notes]\n"no-such-playlist/x" = { reflection = "r" }\n')
    with (students[6] / "teacher.toml").open("a") as handle:
        handle.write('\n[decisions]\nd-9 = { request = "rq-nope", result = "mastered", '
                     'by = "t-nobody", at = 2026-01-01T00:00:00Z }\n')
    (root / "students" / "zz-not-in-roster").mkdir()
    (root / "students" / "zz-not-in-roster" / "student.toml").write_text("[ticks]\n")
    return root


def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's workers are forks of this process even if other threads run here (as
    they may, left by earlier tests of the same run), so that they see what a test
    changed in this process (workers from a fork server are tested apart)."""
    import multiprocessing

    monkeypatch.setattr(loader, "_pool_context", lambda: multiprocessing.get_context("fork"))


def test_students_checked_in_the_workers_are_checked_as_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pooled load_class checks each student in the worker that read their files (the
    curriculum is read and checked first, and given to each worker): the same
    problems, in the same order, as the one-process load; this process checks nobody."""
    from playlist_tui.model import check

    root = class_with_cross_file_problems(tmp_path / "class")
    monkeypatch.setenv("PLAYLIST_TUI_WORKERS", "1")
    alone = load_class(root)
    assert {"students/zz-not-in-roster/student.toml", *(
        p.path for p in alone.problems if "rq-nope" in p.message or "no-such" in p.message)
            } <= {p.path for p in alone.problems}
    pooled(monkeypatch)
    here: list[str] = []
    real = check.check_files

    def counted(*args: Any) -> list[Any]:
        here.append(args[2])
        return real(*args)

    monkeypatch.setattr(check, "check_files", counted)
    forked(monkeypatch)
    same(load_class(root), alone)
    assert here == []


def test_a_worker_that_dies_leaves_its_students_to_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker dies on the third chunk: those students and the ones after are read and
    checked here, with the same result."""
    from playlist_tui.model import check

    root = class_with_cross_file_problems(tmp_path / "class")
    monkeypatch.setenv("PLAYLIST_TUI_WORKERS", "1")
    alone = load_class(root)
    pooled(monkeypatch)
    real = loader._read_students

    def dying(root: str, students: Any, max_bytes: int) -> Any:
        if students[0][0] == first_of_third:
            os._exit(1)
        return real(root, students, max_bytes)

    sids = sorted(p.name for p in (root / "students").iterdir() if p.is_dir())
    first_of_third = sids[2 * max(1, loader._CHUNK_FILES // 2)]
    dying.__module__, dying.__qualname__ = loader.__name__, "_read_students"
    monkeypatch.setattr(loader, "_read_students", dying)
    here: list[str] = []
    real_check = check.check_files

    def counted(*args: Any) -> list[Any]:
        here.append(args[2].split("/")[1])
        return real_check(*args)

    monkeypatch.setattr(check, "check_files", counted)
    forked(monkeypatch)
    same(load_class(root), alone)
    assert first_of_third in here and sids[0] not in here


def test_students_are_checked_in_workers_from_a_fork_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load from a thread while another thread runs (as in the app) gets its workers
    from a fork server, not forks: they are given the checked curriculum when they start
    and check the students they read, so this process checks nobody; the same problems,
    in the same order, as the one-process load."""
    import multiprocessing

    from playlist_tui.model import check

    root = class_with_cross_file_problems(tmp_path / "class")
    monkeypatch.setenv("PLAYLIST_TUI_WORKERS", "1")
    alone = load_class(root)
    pooled(monkeypatch)
    here: list[str] = []
    real = check.check_files

    def counted(*args: Any) -> list[Any]:
        here.append(args[2])
        return real(*args)

    monkeypatch.setattr(check, "check_files", counted)
    contexts: list[str] = []
    real_context = loader._pool_context

    def context() -> Any:
        made = real_context()
        contexts.append(made.get_start_method())
        return made

    monkeypatch.setattr(loader, "_pool_context", context)
    got = in_a_thread_beside_another(lambda: load_class(root))
    assert "fork" in multiprocessing.get_all_start_methods()
    assert contexts == ["forkserver"]
    same(got, alone)
    assert here == []


def in_a_thread_beside_another(load: Any) -> LoadResult:
    """``load()`` run from a thread while another thread runs (as in the app: the pool's
    workers then come from a fork server)."""
    got: list[LoadResult] = []
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        loading = threading.Thread(target=lambda: got.append(load()))
        loading.start()
        loading.join()
    finally:
        stop.set()
        other.join()
    return got[0]


def test_the_stores_load_checks_students_in_the_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store's load of many files it has no result for (no cache, or every file
    changed) reads and checks each student in the pool's workers, from the app's thread
    too: this process checks nobody, and the result is the one-process load's, problems
    in order. Again when the curriculum is the one the store checked last time."""
    from playlist_tui.model import check

    root = class_with_cross_file_problems(tmp_path / "class")
    # (files just written trusted, whatever this machine's clocks say of their times)
    monkeypatch.setattr(loader, "RACY_NS", -(10**18))
    monkeypatch.setenv("PLAYLIST_TUI_WORKERS", "1")
    alone = load_class(root)
    pooled(monkeypatch)
    here: list[str] = []
    real = check.check_files

    def counted(*args: Any) -> list[Any]:
        here.append(args[2])
        return real(*args)

    monkeypatch.setattr(check, "check_files", counted)
    store = ClassStore(root)
    same(in_a_thread_beside_another(store.load), alone)
    assert here == []
    for folder in sorted((root / "students").iterdir()):  # every file changed (not grown)
        for path in folder.glob("*.toml"):
            path.write_bytes(b"# changed\n" + path.read_bytes())
    monkeypatch.setattr(check, "check_files", real)
    monkeypatch.setenv("PLAYLIST_TUI_WORKERS", "1")
    changed = load_class(root)
    pooled(monkeypatch)
    monkeypatch.setattr(check, "check_files", counted)
    part = store._loader.memo.part
    same(in_a_thread_beside_another(store.load), changed)
    assert store._loader.memo.part is part  # (the same curriculum: its checks kept)
    assert here == []
    store.close()


def test_ticks_packed_apart_make_the_same_model(tmp_path: Path) -> None:
    """A student's ticks sent from a worker as numbers (every value a UTC date-time in
    whole seconds, every key a reference of the curriculum) make the model read here:
    equal, the same zone object, keys interned
    as the curriculum's references are here (local times and dates are UTC in the model,
    so packed apart too); ticks in other zones, with fractions or of a key that is not
    one of the curriculum's references are pickled with the model instead."""
    from datetime import UTC, datetime

    root = generated_class(tmp_path / "class")
    rel = student_rels(root)[6]
    texts = {
        "plain": None,
        "zones": '[ticks]\n"u/a" = 2026-01-01T10:00:00Z\n"u/b" = 2026-01-01T10:00:00+01:00\n',
        "fraction": '[ticks]\n"u/a" = 2026-01-01T10:00:00.5Z\n',
        "local": '[ticks]\n"u/a" = 2026-01-01T10:00:00\n"u/b" = 2026-01-01\n',
        "old": '[ticks]\n"u/a" = 1901-12-13T20:45:52Z\n"u/b" = 9999-12-31T23:59:59Z\n',
        "empty": "[ticks]\n",
        "unknown": '[ticks]\n"u/a" = 2026-01-01T10:00:00Z\n"zz/unknown" = 2026-01-01T10:00:00Z\n',
    }
    for name, text in texts.items():
        if text is not None:
            (root / rel).write_text(text)
        _, _, result, _ = loader._read_one(root, rel, layout.MAX_FILE_BYTES)
        _, _, there, _ = loader._read_one(root, rel, layout.MAX_FILE_BYTES, intern=False)
        assert result is not None and there is not None and result.model is not None
        keys = list(there.model.__dict__["ticks"])
        refs = tuple(sys.intern(key) for key in sorted(
            {*(key for key in keys if "unknown" not in key), "u/other"}))
        numbers = {key + "": n for n, key in enumerate(refs)}  # (the worker's own strings)
        sent = pickle.loads(pickle.dumps(loader._packed(there, numbers)))
        packed = loader._opened(sent, refs).model
        assert isinstance(packed, Lazy) and isinstance(packed._make, functools.partial)
        apart = packed._make.args[2] is not None
        assert apart == (name not in ("zones", "fraction", "empty", "unknown")), name
        quick, kept = packed.peek(quick=True), packed.get()
        assert quick == kept == result.model, name
        ticks = kept.__dict__["ticks"]
        assert list(ticks.items()) == list(result.model.__dict__["ticks"].items()), name
        assert all(key is sys.intern(key) for key in ticks), name
        assert all(type(v) is datetime for v in ticks.values()), name
        assert not apart or all(v.tzinfo is UTC for v in ticks.values()), name
        assert [v.tzinfo for v in ticks.values()] == [
            v.tzinfo for v in result.model.__dict__["ticks"].values()], name


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
        futures = [pool.submit(loader._read_chunk, where, rels, layout.MAX_FILE_BYTES)
                   for where, rels in roots]
        for (where, rels), future in zip(roots, futures, strict=True):
            there = [(rel, ident, None if result is None else loader._opened(result), digest)
                     for rel, ident, result, digest in future.result()]
            here = [loader._read_one(Path(where), rel, layout.MAX_FILE_BYTES)
                    for rel in rels]
            assert [(rel, ident, digest) for rel, ident, _, digest in there] == [
                (rel, ident, digest) for rel, ident, _, digest in here]
            for (rel, _, a, _), (_, _, b, _) in zip(there, here, strict=True):
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


# --------------------------------------------------------------------------- grown files


def insert_lines(raw: bytes, table: str, lines: bytes) -> bytes:
    """``lines`` added after the last entry of ``[table]``, as the app adds an entry."""
    header = raw.index(f"[{table}]\n".encode())
    following = raw.find(b"\n[", header + 1)
    end = len(raw) if following < 0 else following + 1
    at = loader._entries_end(raw, header, end)
    return raw[:at] + lines + raw[at:]


class Grown:
    """A class loaded by a store (and cached), then changed file by file: after each
    change, the store's refresh() and a new store's load() (from the cache) must be a
    cold load; counts how often the grown-file path gave the entry."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.when = 1_700_000_000 * 10**9
        self.used = 0
        real = loader._grown

        def spy(*args: object) -> loader.Entry | None:
            entry = real(*args)  # type: ignore[arg-type]
            self.used += entry is not None
            return entry

        monkeypatch.setattr(loader, "_grown", spy)
        monkeypatch.setattr(loader, "RACY_NS", 0)
        self.store = ClassStore(root)
        same(self.store.load(), load_class(root))

    def change(self, rel: str, raw: bytes) -> None:
        path = self.root / rel
        before = self.root / (rel + ".before")
        before.write_bytes(path.read_bytes())
        path.write_bytes(raw)
        self.when += 10**9
        os.utime(path, ns=(self.when, self.when))
        cold = load_class(self.root)
        # a new process: the cache's entries, the file changed since
        os.replace(before, path)
        os.utime(path, ns=(self.when - 10**8, self.when - 10**8))
        ClassStore(self.root).load()  # (the cache holds the file before the change)
        path.write_bytes(raw)
        os.utime(path, ns=(self.when, self.when))
        same(ClassStore(self.root).load(), cold)
        same(self.store.refresh({rel}), cold)


def student_rels(root: Path) -> list[str]:
    return [f"students/{p.name}/student.toml" for p in sorted((root / "students").iterdir())
            if (p / "student.toml").exists()]


def test_a_file_that_gained_ticks_is_read_by_its_new_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "class"
    sys.path.insert(0, str(BENCH))
    try:
        import make_class
    finally:
        sys.path.remove(str(BENCH))
    make_class.write_class("S", root, 1)
    grown = Grown(root, monkeypatch)
    rels = student_rels(root)[:4]
    for n, rel in enumerate(rels):
        raw = (root / rel).read_bytes()
        new = (f'"unit-zz/new-{n}" = 2027-06-01T08:00:00Z\n'
               f'"unit-zz/other-{n}" = 2027-06-01T08:01:00+02:00\n').encode()
        grown.change(rel, insert_lines(raw, "ticks", new))
    assert grown.used == 2 * len(rels)  # the new store's load and the refresh, each file
    # and once more on top (the entries the grown path made have digests too)
    raw = (root / rels[0]).read_bytes()
    grown.change(rels[0], insert_lines(raw, "ticks", b'"unit-zz/third" = 2027-06-02\n'))
    assert grown.used == 2 * len(rels) + 2


ANA = b"""\
# Ana's record

[ticks]
"ratios/video" = 2026-11-03T10:15:00Z
"ratios/practice" = 2026-11-04T10:15:00Z

[notes]
"ratios/video" = { reflection = "A ratio compares two amounts." }

[requests]
r1 = { competency = "RP.1", playlist = "ratios", at = 2026-11-05T09:00:00Z }
"""
ANA_T = b"""\
[decisions]
d1 = { request = "r1", result = "mastered", level = 3, by = "t-rivera", at = 2026-11-06T09:00:00Z }
"""


def one_line_class(root: Path) -> None:
    """The bad-input catalogue's valid class, Ana's files one line per entry."""
    write_class(root, {"students/ana/student.toml": ANA, "students/ana/teacher.toml": ANA_T})


GOOD_GROWTHS: list[tuple[str, str, bytes]] = [
    ("student.toml", "ticks", b'"ratios/rates" = 2027-06-01T08:00:00Z\n'
                              b'"ratios/project" = 2027-06-01\n'),
    ("student.toml", "notes", b'"ratios/practice" = { reflection = "Tables help." }\n'),
    ("student.toml", "requests",
     b'r2 = { competency = "RP.2", playlist = "ratios", at = 2027-06-01T08:00:00Z }\n'),
    ("teacher.toml", "decisions",
     b'd2 = { request = "r1", result = "not-yet", by = "t-rivera", '
     b'at = 2027-06-02T09:00:00Z, feedback = "Again." }\n'),
]


@pytest.mark.parametrize(("name", "table", "added"), GOOD_GROWTHS,
                         ids=[table for _, table, _ in GOOD_GROWTHS])
def test_each_table_of_entries_can_grow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        name: str, table: str, added: bytes) -> None:
    root = tmp_path / "class"
    one_line_class(root)
    grown = Grown(root, monkeypatch)
    rel = f"students/ana/{name}"
    grown.change(rel, insert_lines((root / rel).read_bytes(), table, added))
    assert grown.used == 2


BAD_GROWTHS: list[tuple[str, str, bytes]] = [
    # (table, what is added, why the whole file must decide)
    ("ticks", "dup", b"DUPLICATE"),  # a key the table has: not valid TOML
    ("ticks", "bad ref", b'"no-slash" = 2027-06-01T08:00:00Z\n'),
    ("ticks", "bad value", b'"unit-zz/x" = "yesterday"\n'),
    ("ticks", "dotted key", b'unit-zz.x = 2027-06-01T08:00:00Z\n'),
    ("ticks", "a header", b"[ticks2]\n"),
    ("ticks", "a comment only", b"# hello\n"),
    ("ticks", "two on a line", b'"unit-zz/a" = 2027-06-01T08:00:00Z "unit-zz/b" = 1\n'),
    ("ticks", "not closed", b'"unit-zz/a" = [\n'),
    ("ticks", "conflict", b'<<<<<<< HEAD\n'),
    ("ticks", "not UTF-8", b'"unit-zz/\xff" = 2027-06-01T08:00:00Z\n'),
    ("ticks", "CR", b'"unit-zz/a" = 2027-06-01T08:00:00Z\r\r\n'),
    ("notes", "a line over lines", b'"ratios/rates" = { reflection = """\n[x]\n"""}\n'),
    ("requests", "bad request", b'r2 = { competency = 3 }\n'),
]


@pytest.mark.parametrize(("table", "what", "added"), BAD_GROWTHS,
                         ids=[what for _, what, _ in BAD_GROWTHS])
def test_what_the_grown_path_must_not_take_is_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, what: str,
        added: bytes) -> None:
    root = tmp_path / "class"
    one_line_class(root)
    grown = Grown(root, monkeypatch)
    rel = "students/ana/student.toml"
    raw = (root / rel).read_bytes()
    if added == b"DUPLICATE":
        line = next(x for x in raw.split(b"[ticks]\n", 1)[1].split(b"\n") if b"=" in x)
        added = line + b"\n"
    grown.change(rel, insert_lines(raw, table, added))
    # a comment is not an entry: the new text is read whole, and nothing else is taken
    assert grown.used == 0


def test_a_grown_file_with_values_over_lines_is_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A multi-line string above: a line that looks like a header may be inside it, so
    the new lines are not known to be entries of the table above them."""
    root = tmp_path / "class"
    one_line_class(root)
    rel = "students/ana/student.toml"
    raw = ANA.replace(b'{ reflection = "A ratio compares two amounts." }',
                      b'{ reflection = """\n[ticks]\n""" }')
    (root / rel).write_bytes(raw)
    grown = Grown(root, monkeypatch)
    assert not grown.store.load().problems
    grown.change(rel, insert_lines(raw, "ticks", b'"ratios/rates" = 2027-06-01T08:00:00Z\n'))
    assert grown.used == 0


def test_a_change_above_the_new_lines_is_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "class"
    one_line_class(root)
    grown = Grown(root, monkeypatch)
    rel = "students/ana/student.toml"
    raw = (root / rel).read_bytes()
    new = insert_lines(raw, "ticks", b'"ratios/practice" = 2027-06-01T08:00:00Z\n')
    new = new.replace(b"2026", b"2025", 1)  # one earlier byte changed, same size
    grown.change(rel, new)
    assert grown.used == 0


def test_a_file_grown_before_still_has_its_new_lines_looked_at(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a file's lines are known to stand alone, only new lines are looked at: a new
    line with a triple-quoted string still sends the file to be read whole."""
    root = tmp_path / "class"
    one_line_class(root)
    grown = Grown(root, monkeypatch)
    rel = "students/ana/student.toml"
    grown.change(rel, insert_lines((root / rel).read_bytes(), "notes",
                                   b'"ratios/practice" = { reflection = "Tables." }\n'))
    assert grown.used == 2
    grown.change(rel, insert_lines((root / rel).read_bytes(), "notes",
                                   b'"ratios/rates" = { reflection = """Rates.""" }\n'))
    assert grown.used == 2
    grown.change(rel, insert_lines((root / rel).read_bytes(), "ticks",
                                   b'"ratios/rates" = 2027-06-03T08:00:00Z\n'))
    assert grown.used == 2  # (that file, read whole, is not known to stand alone)


def test_a_pooled_load_from_a_thread_uses_a_fork_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app loads in a thread: its workers must not be forks of a process running
    threads; they come from a fork server, with the same result."""
    import threading

    root = generated_class(tmp_path / "class")
    monkeypatch.setenv("PLAYLIST_TUI_WORKERS", "1")
    alone = load_class(root)
    pooled(monkeypatch)
    contexts: list[str] = []
    real = loader._pool_context

    def spy() -> object:
        ctx = real()
        contexts.append(ctx.get_start_method())
        return ctx

    monkeypatch.setattr(loader, "_pool_context", spy)
    here: list[str] = []  # files read in this process (a worker from a fork server
    read_one = loader._read_one  # imports the module afresh: this spy is not there)

    def counted(root: Path, rel: str, max_bytes: int) -> loader.Read:
        here.append(rel)
        return read_one(root, rel, max_bytes)

    monkeypatch.setattr(loader, "_read_one", counted)
    results: list[LoadResult] = []
    thread = threading.Thread(target=lambda: results.append(load_class(root)))
    thread.start()
    thread.join()
    assert contexts and contexts[0] in ("forkserver", "spawn")
    # every student's file was read by the workers (the curriculum is read here first)
    assert here and not [rel for rel in here if rel.startswith(layout.STUDENTS_DIR + "/")]
    same(results[0], alone)


def test_the_editors_usage_answers_are_those_of_the_class_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """views.ticked_by, adjusted_by and competency_used_by answer from one pass per version of the
    class (kept while that ClassData is the one asked about): the same students, in the
    class's order, as asking every student; after a refresh, the new class's answers."""
    from playlist_tui.session import views

    monkeypatch.setattr(loader, "RACY_NS", 0)
    root = generated_class(tmp_path / "class")
    store = ClassStore(root)

    def naive_ticked(data: Any, ref: str) -> list[str]:
        return [sid for sid, r in data.records.items()
                if ref in r.student.ticks or ref in r.student.notes]

    def naive_adjusted(data: Any, playlist: str, ident: str) -> list[str]:
        out = []
        for sid, r in data.records.items():
            found = r.teacher.adjustments.get(playlist)
            if found is not None and (ident == found.start or ident in found.skip
                                      or ident in found.add):
                out.append(sid)
        return out

    def naive_asked(data: Any, competency: str) -> int:
        return sum(1 for r in data.records.values() if any(
            q.competency == competency for q in r.student.requests.values()) or any(
            d.competency == competency for d in r.teacher.decisions.values()))

    def check(data: Any) -> None:
        for playlist in data.playlists.values():
            for tier in playlist.tiers:
                for activity in tier.activities:
                    ref = f"{playlist.id}/{activity.id}"
                    assert views.ticked_by(data, playlist.id, activity.id) == \
                        naive_ticked(data, ref), ref
                for ident in (tier.id, *(a.id for a in tier.activities)):
                    assert views.adjusted_by(data, playlist.id, ident) == \
                        naive_adjusted(data, playlist.id, ident), ident
        assert views.ticked_by(data, "no-such", "thing") == []
        for competency in data.competencies:
            n = naive_asked(data, competency)
            words = views.competency_used_by(data, competency)
            assert (f"requests or decisions of {n} student(s)" in words) == bool(n)

    first = store.load().data
    # an editor may have them made in a worker thread when it opens
    worker = threading.Thread(target=views.prepare_usage,
                              args=(first, next(iter(first.playlists))))
    worker.start()
    worker.join()
    check(first)
    # a student ticks an activity nobody had ticked: the next version's answer has them
    broken = {p.path.split("/")[1] for p in store.load().problems if p.path.count("/") == 2}
    playlist, activity, sid = next(
        (p, a, s) for p in first.playlists.values() for t in p.tiers for a in t.activities
        for s in first.records
        if s not in broken and s not in views.ticked_by(first, p.id, a.id))
    ref = f"{playlist.id}/{activity.id}"
    path = root / "students" / sid / "student.toml"
    text = path.read_text("utf-8")
    assert "[ticks]\n" in text
    path.write_text(text.replace("[ticks]\n", f'[ticks]\n"{ref}" = 2026-12-01T09:00:00Z\n', 1))
    second = store.refresh([f"students/{sid}/student.toml"]).data
    assert sid in views.ticked_by(second, playlist.id, activity.id)
    check(second)
    store.close()


def count_checks_and_makes(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the students' checks made and the grown files' models made."""
    from playlist_tui.model import check

    counts = {"checked": 0, "made": 0}
    real_check = check._check_student
    real_make = loader._Growth.__call__

    def checked(*args: Any, **kwargs: Any) -> None:
        counts["checked"] += 1
        real_check(*args, **kwargs)

    def made(self: loader._Growth) -> Any:
        counts["made"] += 1
        return real_make(self)

    monkeypatch.setattr(check, "_check_student", checked)
    monkeypatch.setattr(loader._Growth, "__call__", made)
    return counts


def test_new_ticks_of_known_activities_need_neither_the_model_nor_the_checks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The morning sync: a file that had no problem gains ticks naming activities of the
    class. Neither a refresh nor a new store's load (from yesterday's cache) makes its
    model or checks the student again, and both still equal a cold load."""
    root = tmp_path / "class"
    one_line_class(root)
    monkeypatch.setattr(loader, "RACY_NS", 0)
    rel = "students/ana/student.toml"
    store = ClassStore(root)
    store.load()
    store.close()
    counts = count_checks_and_makes(monkeypatch)
    grown = insert_lines((root / rel).read_bytes(), "ticks",
                         b'"ratios/rates" = 2027-06-01T08:00:00Z\n'
                         b'"ratios/project" = 2027-06-01\n')
    (root / rel).write_bytes(grown)
    os.utime(root / rel, ns=(1_800_000_000 * 10**9,) * 2)
    for result in (store.refresh({rel}), ClassStore(root).load()):
        assert counts == {"checked": 0, "made": 0}
        entry = store._loader.entries[rel]
        assert entry.growth is not None and entry.growth[1] == "ticks"
        same(result, load_class(root))  # (this makes the models)
        assert counts["made"] >= 1
        counts.update(checked=0, made=0)


def test_a_new_tick_of_an_unknown_activity_is_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "class"
    one_line_class(root)
    monkeypatch.setattr(loader, "RACY_NS", 0)
    rel = "students/ana/student.toml"
    store = ClassStore(root)
    store.load()
    counts = count_checks_and_makes(monkeypatch)
    (root / rel).write_bytes(insert_lines((root / rel).read_bytes(), "ticks",
                                          b'"ratios/nothing-such" = 2027-06-01\n'))
    os.utime(root / rel, ns=(1_800_000_000 * 10**9,) * 2)
    result = store.refresh({rel})
    assert counts["checked"] == 1 and store._loader.entries[rel].growth is not None
    cold = load_class(root)
    assert any("nothing-such" in p.message for p in cold.problems)
    same(result, cold)


def test_a_table_with_an_escaped_key_grows_by_the_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key written with an escape cannot be told from a new one by its bytes: the old
    model decides (a new key that is new grows the file; one the table has is read whole,
    with the cold load's problem)."""
    root = tmp_path / "class"
    write_class(root, {"students/ana/student.toml":
                       ANA.replace(b'"ratios/video" = 2026', b'"ratios/vid\\u0065o" = 2026'),
                       "students/ana/teacher.toml": ANA_T})
    grown = Grown(root, monkeypatch)
    rel = "students/ana/student.toml"
    grown.change(rel, insert_lines((root / rel).read_bytes(), "ticks",
                                   b'"ratios/rates" = 2027-06-01T08:00:00Z\n'))
    assert grown.used == 2
    grown.change(rel, insert_lines((root / rel).read_bytes(), "ticks",
                                   b'"ratios/video" = 2027-06-02T08:00:00Z\n'))
    assert grown.used == 2  # a duplicate key: read whole


def test_a_file_that_keeps_growing_unseen_is_made_now_and_then(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app open all day, a student ticking while nothing makes their model: the steps
    kept to make it are bounded, and the model is the cold load's."""
    root = tmp_path / "class"
    one_line_class(root)
    monkeypatch.setattr(loader, "RACY_NS", 0)
    rel = "students/ana/student.toml"
    store = ClassStore(root)
    store.load()
    refs = ["rates", "project", "practice2", "video2"] * 10
    for n, name in enumerate(refs[:loader._MAX_GROWTHS + 4]):
        (root / rel).write_bytes(insert_lines((root / rel).read_bytes(), "ticks",
                                              f'"ratios/{name}-{n}" = 2027-06-01\n'.encode()))
        os.utime(root / rel, ns=((1_800_000_000 + n) * 10**9,) * 2)
        store.refresh({rel})
        model = store._loader.entries[rel].result.model
        step = model._make if isinstance(model, Lazy) else None
        assert not isinstance(step, loader._Growth) or step.depth <= loader._MAX_GROWTHS
    same(store.refresh({rel}), load_class(root))


def test_lines_stand_alone_after_a_parse_is_the_same_answer(tmp_path: Path) -> None:
    """tomlparse.lines_stand_alone shares the blanking of the parse just made: the same
    answer as working it out alone, on a few texts and every file of the benchmark's
    small class."""
    from playlist_tui.model import tomlparse

    texts = [ANA.decode(), ANA_T.decode(), 'a = [\n1]\n', 'a = "x[" # ]\n[t]\nb = { c = [1] }\n',
             "a = '''\n[x]\n'''\n", 'a = """b"""\n', 'a = [1, 2]\nt = 10:00:00\n',
             'x = { a = [1, 2] }\nb = 2026-01-01T00:00:00Z\n',
             'a = [\n  { b = 1 },\n]\nc = 00:00:00\n', 'a = [ { b = 1 },\n]\nc = 00:00:00\n']
    root = generated_class(tmp_path / "class")
    texts += [p.read_text() for p in sorted(root.rglob("*.toml"))]
    for text in texts:
        try:
            tomlparse.loads(text)
        except Exception:
            continue
        shared = tomlparse.lines_stand_alone(text)
        tomlparse._last_bare = None
        assert shared == tomlparse.lines_stand_alone(text)
    assert not tomlparse.lines_stand_alone('a = [\n1]\n')
    assert not tomlparse.lines_stand_alone('a = [\n  { b = 1 },\n]\nc = 00:00:00\n')
    tomlparse.loads('x = { a = [1, 2] }\nb = 2026-01-01T00:00:00Z\n')
    assert tomlparse.lines_stand_alone('a = "x[" # ]\n[t]\nb = { c = [1] }\n')


def test_a_packed_model_looked_at_quickly_is_the_same_model(tmp_path: Path) -> None:
    """A student's model from the pool is made without interning its keys when it is only
    checked (peek(quick=True)); kept (get), its keys are the interned strings. Equal."""
    root = generated_class(tmp_path / "class")
    rel = student_rels(root)[6]
    _, _, result, _ = loader._read_one(root, rel, layout.MAX_FILE_BYTES)
    assert result is not None and result.model is not None
    packed = loader._opened(loader._packed(result)).model
    assert isinstance(packed, Lazy)
    quick, kept = packed.peek(quick=True), packed.get()
    assert quick == kept == result.model
    assert all(key is sys.intern(key) for key in kept.__dict__["ticks"])
    assert packed.peek(quick=True) is kept  # once kept, that one


TICKS_CASES: dict[str, Any] = {
    "valid": {"u-1/a": "2026-01-01T10:00:00+00:00", "u-1/b": "2026-01-02T10:00:00+02:00"},
    "a bad reference": {"u-1/a": "2026-01-01T10:00:00+00:00", "no-slash": "2026-01-01"},
    "a reference with ..": {"u-1/..": "2026-01-01T10:00:00+00:00"},
    "a local time": {"u-1/a": "2026-01-01T10:00:00"},
    "a date": {"u-1/a": "2026-01-01"},
    "a string": {"u-1/a": "yesterday"},
    "a number": {"u-1/a": 3},
    "a table": {"u-1/a": {"at": 1}},
    "empty": {},
    "not a table": [1],
}


@pytest.mark.parametrize("name", list(TICKS_CASES))
@pytest.mark.parametrize("known", [False, True])
def test_ticks_checked_at_once_are_ticks_checked_one_by_one(name: str, known: bool) -> None:
    """A student's ticks are checked as a whole when every key is a reference already
    found valid and every value a date-time with a zone: the model, or the errors, are
    exactly those of checking each entry (the field's type without that shortcut)."""
    from datetime import date, datetime

    from playlist_tui.model.files import StudentFile, Timestamp

    def value(raw: Any) -> Any:
        if isinstance(raw, str) and raw[:4].isdigit():
            return (datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw))
        return raw

    ticks = TICKS_CASES[name]
    data = {"ticks": {k: value(v) for k, v in ticks.items()} if isinstance(ticks, dict)
            else ticks}
    one_by_one = TypeAdapter(dict[ids.ActivityRef, Timestamp])
    if known:  # every reference in the memo of valid ones first, when it is valid
        for key in ticks if isinstance(ticks, dict) else ():
            with contextlib.suppress(ValidationError):
                one_by_one.validate_python({key: datetime(2026, 1, 1).astimezone()})
    else:
        ids._VALID_REFS.clear()
    try:
        expected: Any = one_by_one.validate_python(data["ticks"])
    except ValidationError as exc:
        expected = [(e["loc"], e["msg"]) for e in exc.errors()]
    try:
        got = StudentFile.model_validate(data)
    except ValidationError as exc:
        assert [(e["loc"][1:], e["msg"]) for e in exc.errors()] == expected
    else:
        assert list(got.ticks.items()) == list(expected.items())
        assert [v.tzinfo for v in got.ticks.values()] == [v.tzinfo for v in expected.values()]


def _run(n: int, playlist: str = "u") -> str:
    return "".join(f'"{playlist}/a{k:02d}" = 2026-{1 + k % 12:02d}-{1 + k % 28:02d}T'
                   f'{k % 24:02d}:{k % 60:02d}:{(k * 7) % 60:02d}Z\n' for k in range(n))


REST = ('\n[notes]\n"u/a01" = { reflection = "r" }\n\n[requests]\n'
        'rq-1 = { competency = "c-1", at = 2026-01-02T10:00:00Z }\n'
        '\n[seen]\nfeedback = 2026-09-13T15:54:30Z\n')
APART_CASES = {
    # (a student's file, whose ticks a worker takes apart: packed without datetimes)
    "plain": ("# Ann's record\n\n[ticks]\n" + _run(20) + REST, True),
    "a byte order mark": ("\ufeff[ticks]\n" + _run(20) + REST, True),
    "far dates": ("[ticks]\n" + _run(18) + '"u/x1" = 0001-01-01T00:00:00Z\n'
                  '"u/x2" = 9999-12-31T23:59:59Z\n"u/x3" = 1969-12-31T23:59:59Z\n', True),
    "an unknown activity": ("[ticks]\n" + _run(18) + '"zz/nope" = 2026-01-01T10:00:00Z\n',
                            False),
    "a reference that is not one": ("[ticks]\n" + _run(18) + '"u/b/c" = 2026-01-01T10:00:00Z\n',
                                    False),
    "a conflict marker": ("[ticks]\n" + _run(20) + "<<<<<<< HEAD\n" + REST, False),
    "a conflict marker at the end": ("[ticks]\n" + _run(20) + "=======", False),
    "a request of the wrong type": ("[ticks]\n" + _run(20) + "[requests]\nrq-1 = 3\n", False),
    "an unknown table": ("surprise = 1\n[ticks]\n" + _run(20), False),
    "30 February": ("[ticks]\n" + _run(20) + '"u/x" = 2026-02-30T12:00:00Z\n' + _run(16, "v"),
                    False),
    "second 60": ("[ticks]\n" + _run(20).replace(":07Z", ":60Z"), False),
    "a fraction after the run": ("[ticks]\n" + _run(20) + '"u/x" = 2026-01-01T10:00:00.5Z\n',
                                 False),
    "a short run": ("[ticks]\n" + _run(5) + REST, False),
    "two runs": ("[ticks]\n" + _run(20) + "[more]\n" + _run(20), False),
    "not UTF-8": ("[ticks]\n" + _run(20) + '"u/x" = "\udcff"\n', False),
}


@pytest.mark.parametrize("name", list(APART_CASES))
def test_ticks_taken_apart_in_a_worker_make_the_same_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """A worker reads a student's plain ticks (a run of UTC stamps of the curriculum's
    activities) straight to numbers, no datetime made, the model made without them: what
    the parent then makes is the model read here, with the same problems, identity and
    digest; anything else (a tick of no activity, a reference that is not one, a
    conflict marker, another problem, a bad date) is read the usual way, with the same
    result."""
    text, apart = APART_CASES[name]
    root = tmp_path / "class"
    (root / "students" / "ann").mkdir(parents=True)
    rel = "students/ann/student.toml"
    (root / rel).write_bytes(text.encode("utf-8", errors="surrogateescape"))
    os.utime(root / rel, ns=(10**18, 10**18))
    refs = tuple(sorted({f"u/a{k:02d}" for k in range(20)} | {"u/x1", "u/x2", "u/x3", "u/b/c",
                                                              *(f"v/a{k:02d}" for k in range(16))}))
    monkeypatch.setattr(loader, "_PART", None)
    monkeypatch.setattr(loader, "_NUMBERS", None)
    monkeypatch.setattr(loader, "_TICKABLE", None)
    loader._worker_start(None, refs)
    assert loader._TICKABLE is not None and "u/b/c" not in loader._TICKABLE
    read, ticks = loader._read_ticks_apart(root, rel, layout.MAX_FILE_BYTES, loader._TICKABLE)
    assert (ticks is not None) is apart
    here = loader._read_one(root, rel, layout.MAX_FILE_BYTES)
    usual = loader._read_one(root, rel, layout.MAX_FILE_BYTES, intern=False)
    assert read[:2] == here[:2] == usual[:2] and read[3] == here[3] == usual[3]
    there = read[2]
    assert there is not None and here[2] is not None
    if not apart:
        assert usual[2] is not None
        assert there.problems == usual[2].problems and there.model == usual[2].model
    sent = pickle.loads(pickle.dumps(loader._packed(there, loader._NUMBERS, ticks)))
    opened = loader._opened(sent, refs)
    assert opened.problems == here[2].problems
    assert opened.maybe_ids == here[2].maybe_ids
    model = opened.model.get() if isinstance(opened.model, Lazy) else opened.model
    assert model == here[2].model
    if isinstance(model, BaseModel) and isinstance(here[2].model, BaseModel):
        expected = here[2].model.__dict__["ticks"]
        got = model.__dict__["ticks"]
        assert list(got.items()) == list(expected.items())
        assert [v.tzinfo for v in got.values()] == [v.tzinfo for v in expected.values()]
        assert model.__pydantic_fields_set__ == here[2].model.__pydantic_fields_set__


def test_a_workers_students_have_their_ticks_taken_apart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read as a worker reads them (the curriculum given), the generated class's student
    files (the broken ones aside) have their ticks taken apart, and every student gives
    what this process reads and checks."""
    from playlist_tui.model import check
    from playlist_tui.model.files import StudentFile, TeacherFile
    from playlist_tui.model.klass import EMPTY_STUDENT_FILE, EMPTY_TEACHER_FILE
    root = class_with_cross_file_problems(tmp_path / "class")
    found = loader._scan(root)
    entries: dict[str, loader.Entry] = {}
    for rel in (layout.CLASS_FILE, *found.frameworks, *found.playlists):
        rel, _, result, _ = loader._read_one(root, rel, layout.MAX_FILE_BYTES)
        if result is not None:
            entries[rel] = loader.Entry(None, result)
    part = check.curriculum(loader._curriculum_files(entries, found),
                            loader._Locator(loader._DiskTexts(root, layout.MAX_FILE_BYTES)))
    refs = tuple(sorted(map(sys.intern, check.activity_refs(part))))
    for name in ("_PART", "_NUMBERS", "_TICKABLE"):
        monkeypatch.setattr(loader, name, None)
    loader._worker_start(part, refs)
    students = tuple(found.student_paths())
    reads, checked = loader._read_students(str(root), students, layout.MAX_FILE_BYTES)
    apart = [rel for rel, _, result, _ in reads
             if result is not None and isinstance(result.model, loader._Pack)
             and result.model.ticks is not None]
    assert len(students) > 20 and len(apart) >= len(students) - 6
    locate = loader._Locator(loader._DiskTexts(root, layout.MAX_FILE_BYTES))
    for sid, student_rel, teacher_rel in students:  # (as build_class checks them here)
        student, teacher = (loader._read_one(root, student_rel, layout.MAX_FILE_BYTES)[2],
                            loader._read_one(root, teacher_rel, layout.MAX_FILE_BYTES)[2])
        student_file = student.model if student is not None else None
        teacher_file = teacher.model if teacher is not None else None
        assert checked[sid] == check.check_files(
            part, locate, student_rel,
            student_file if isinstance(student_file, StudentFile) else EMPTY_STUDENT_FILE,
            teacher_rel,
            teacher_file if isinstance(teacher_file, TeacherFile) else EMPTY_TEACHER_FILE,
            student is not None and student.model is None), sid
    for rel, ident, result, digest in reads:
        here = loader._read_one(root, rel, layout.MAX_FILE_BYTES)
        assert (ident, digest) == (here[1], here[3]), rel
        assert (result is None) == (here[2] is None), rel
        if result is None or here[2] is None:
            continue
        opened = loader._opened(pickle.loads(pickle.dumps(result)), refs)
        assert opened.problems == here[2].problems, rel
        model = opened.model.get() if isinstance(opened.model, Lazy) else opened.model
        assert model == here[2].model, rel


def test_a_pack_is_compressed_only_when_large(tmp_path: Path) -> None:
    """A model pickled large (ticks that cannot go apart: in another zone) is compressed
    in its pack, a small one is not; both make the model read here."""
    root = tmp_path / "class"
    (root / "students" / "ann").mkdir(parents=True)
    rel = "students/ann/student.toml"
    for text, compressed in (
            ("[ticks]\n" + _run(900).replace("Z\n", "+01:00\n"), True),
            ("[ticks]\n" + _run(3) + REST, False)):
        (root / rel).write_text(text)
        _, _, result, _ = loader._read_one(root, rel, layout.MAX_FILE_BYTES)
        assert result is not None
        pack = loader._packed(result, {})
        assert isinstance(pack.model, loader._Pack)
        assert (pack.model.data[:1] != b"\x80") is compressed
        model = loader._opened(pickle.loads(pickle.dumps(pack))).model
        assert isinstance(model, Lazy) and model.get() == result.model
