"""A cache of parsed and checked files that survives restarts (see docs/performance.md).

For each file of a class folder the cache keeps what loading it gave (its model and its
problems, a :class:`playlist_tui.store.loader.Entry`) with the file's identity: mode,
size, mtime_ns, ctime_ns, inode and device. An entry is used only while the file's
identity is exactly the same; a file changed less than ``RACY_NS`` before it was read is
never stored (its identity could stay the same through one more change). So the cache
never changes what a load gives: it only skips reading, parsing and validating files that
have not changed.

Where: ``.git/playlist-tui/cache/`` in a class folder that is a git repository, else
``$XDG_CACHE_HOME/playlist-tui/classes/<hash of the folder's path>/`` (or the platform's
cache folder). ``PLAYLIST_TUI_CACHE_DIR`` moves the per-user folder;
``PLAYLIST_TUI_CACHE=off`` turns the cache off.

What: each version of the code has its own ``v-<fingerprint>/`` (two versions used on
one class do not undo each other's work; one unused for a month is removed). There,
``pack`` holds every entry in one pickle, with the results of the per-student checks
(:class:`playlist_tui.model.check.CheckMemo`); ``new/`` holds one small file per entry
read since the pack was written; when it grows past a twentieth of the pack, the next
load writes a new pack. Students' files are kept apart in ``blobs/`` (shared by the
versions, named by the SHA-256 of their contents), in up to 4,096 shards of students, so a
load reads only the pack, and a student's models are made from their shard the first
time something needs them: a student opening a class of 5,000 makes a few dozen records,
the teachers' dashboard those on screen (and counts the rest in passing, without keeping
them: :meth:`ClassData.in_passing`). Activity references and ids, repeated in every
student's file, are stored once, in a string table that the shards refer to.

Safety: pickles run code when loaded, so every cache file starts with an HMAC-SHA256 of
its contents, keyed by a random per-user key (``key`` in the per-user folder, readable only
by its owner) together with the code's fingerprint, the class folder's path and the size
limit; a blob is unpickled only if its SHA-256 is the one named in an entry that passed
that check. A cache file from another user, another folder or another version of the
code, a truncated or corrupt file: none passes, so none is ever unpickled; it is ignored
(and rebuilt; a blob that has gone missing is replaced by reading the student's file).
Files are written atomically and readable only by their owner (they hold student data).
Any error while reading or writing the cache is ignored: the cache is only ever an
optimisation.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import pickle
import shutil
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from playlist_tui.model.check import StudentKey
from playlist_tui.model.files import ClassFile, Framework, Playlist
from playlist_tui.model.klass import Lazy
from playlist_tui.model.problems import Problem
from playlist_tui.store import cachefiles, layout
from playlist_tui.store.loader import Entry, FileResult, _gc_paused, parse_model

Checks = tuple[bytes | None, dict[str, tuple[StudentKey, list[Problem]]]]

# (what the cache's files are and where they live: playlist_tui.store.cachefiles)
FORMAT = cachefiles.FORMAT
_HEADER = cachefiles.HEADER
code_fingerprint = cachefiles.code_fingerprint
user_dir = cachefiles.user_dir
cache_dir = cachefiles.cache_dir


class Cache:
    """The persistent cache of one class folder. Every method swallows its errors."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(root).resolve()
        self.max_bytes = max_bytes
        self.dir = cache_dir(self.root)
        # Each version of the code has its own pack and new/ (two versions used on one
        # class do not undo each other's work); blobs, named by content, are shared.
        self._own = (self.dir or Path()) / f"v-{code_fingerprint().hex()[:16]}"
        self._key: bytes | None = None
        self._pack_size = 0  # entries in the pack as read or written
        self._new: set[str] = set()  # names of the files in new/ as read or written
        self.checks: Checks | None = None  # the check results in the pack
        # shard blobs in the pack: their files, and the size of the string table they use
        self._shards: dict[str, tuple[tuple[str, ...], int]] = {}
        self._table: list[str] = []  # strings that shards refer to instead of repeating them
        self._memos: dict[int, Any] = {}  # table size -> unpickler memo holding the table
        self._seed: tuple[int, dict[int, tuple[int, Any]]] | None = None  # pickler's memo

    # ------------------------------------------------------------------ keys and files

    def _mac_key(self) -> bytes | None:
        if self._key is None:
            self._key = cachefiles.mac_key(self.root, self.max_bytes)
        return self._key

    def _write(self, path: Path, payload: bytes) -> None:
        key = self._mac_key()
        if key is not None:
            cachefiles.write_sealed(path, key, payload)

    def _read(self, path: Path) -> Any:
        """The unpickled contents of a cache file whose MAC is right; raises otherwise."""
        key = self._mac_key()
        if key is None:
            raise ValueError("no key")
        with open(path, "rb") as handle:
            cachefiles.check_sealed(handle, key)
            # Only now, with the contents known to be ours, unpickle them (streaming from
            # the same open file, so that the whole file is never in memory at once).
            handle.seek(_HEADER)
            with _gc_paused():
                return pickle.load(handle)

    # ------------------------------------------------------------------ entries and blobs

    def _blob_path(self, name: str) -> Path:
        assert self.dir is not None
        return self.dir / "blobs" / name[:2] / name

    def _load_blob(self, name: str, table: int | None = None) -> Any:
        """The unpickled contents of a blob, which must be what its name says; a shard is
        read with the first ``table`` strings of the string table in the memo."""
        data = self._blob_path(name).read_bytes()
        if hashlib.sha256(data).hexdigest()[:40] != name:
            raise ValueError("a blob that is not what its entry names")
        # A buffered reader can be peeked at: the unpickler then reads it in large chunks.
        unpickler = pickle.Unpickler(io.BufferedReader(io.BytesIO(data), 1 << 16))
        if table is not None:
            unpickler.memo = self._table_memo(table)
        with _gc_paused():
            return unpickler.load()

    def _table_memo(self, size: int) -> Any:
        """An unpickler memo holding ``sys.intern`` (at 0), a list (1) and the first
        ``size`` strings of the table, interned (2 to ``size + 1``): shards of that size
        were written with exactly these objects in the pickler's memo."""
        memo = self._memos.get(size)
        if memo is None:
            if size > len(self._table):
                raise ValueError("a shard written with a longer table")
            # By hand, so that each string is in the memo once, as the interned object.
            out = [b"\x80\x05csys\nintern\n\x94" + pickle.POP + b"]\x94"]
            for value in self._table[:size]:
                data = value.encode("utf-8", "surrogatepass")
                head = (b"\x8c" + bytes([len(data)]) if len(data) < 256
                        else b"X" + len(data).to_bytes(4, "little"))
                out.append(b"h\x00" + head + data + b"\x85R\x94a")
            out.append(b".")
            unpickler = pickle.Unpickler(io.BytesIO(b"".join(out)))
            unpickler.load()
            memo = self._memos[size] = unpickler.memo
        return memo

    def _dump_shard(self, models: dict[str, Any]) -> bytes:
        """A shard pickled with the whole table in the memo: each activity reference,
        competency id, ... is then a reference to the table, not a string of its own."""
        size = len(self._table)
        if self._seed is None or self._seed[0] != size:  # made once per table, not per shard
            self._seed = (size, {id(value): (index, value)
                                 for index, value in self._table_memo(size).copy().items()})
        seed = self._seed[1]  # (the pickler copies it into a memo of its own)
        buffer = io.BytesIO()
        # Protocol 3 stores each object in the memo at an explicit index (BINPUT); from
        # protocol 4 on, at "the next index", which an unpickler given a memo does not
        # know (its count of memo entries does not come with the memo).
        pickler = pickle.Pickler(buffer, protocol=3)
        pickler.memo = seed
        pickler.dump(models)
        return buffer.getvalue()

    def _extend_table(self, entries: Mapping[str, Entry]) -> None:
        """Add the ids and activity references that the curriculum defines (the strings
        students' files repeat most) to the table. It only grows: shards already written
        keep using their part of it."""
        known = set(self._table)
        for entry in entries.values():
            model = entry.result.model
            strings: list[str] = []
            if isinstance(model, Playlist):
                strings.append(model.id)
                for tier in model.tiers:
                    strings += [f"{model.id}/{a.id}" for a in tier.activities]
            elif isinstance(model, Framework):
                strings += [c.id for c in model.competencies]
            elif isinstance(model, ClassFile):
                strings += [t.id for t in model.teachers]
            for value in strings:
                if value not in known:
                    known.add(value)
                    self._table.append(value)

    def _save_blob(self, value: Any) -> str:
        data = pickle.dumps(value, protocol=5)
        name = hashlib.sha256(data).hexdigest()[:40]
        path = self._blob_path(name)
        if not path.exists():
            self._write_plain(path, data)
        return name

    def _file_model(self, rel: str, name: str) -> BaseModel:
        """A student's file from its own blob; if the blob is gone or wrong, from the file."""
        try:
            model = self._load_blob(name)
            if isinstance(model, BaseModel):
                return model
        except Exception:  # the cache is optional: read the file itself
            pass
        return parse_model(self.root, rel, self.max_bytes)

    def _entry(self, rel: str, item: Any, shards: dict[str, _Shard]) -> Entry:
        ident, kind, payload, problems, maybe_ids, digest = item
        if type(ident) is not tuple or type(problems) is not tuple or (
                type(maybe_ids) is not frozenset) or not (
                digest is None or (type(digest) is tuple and len(digest) == 3
                                   and type(digest[0]) is int and type(digest[1]) is bytes
                                   and type(digest[2]) is bool)):
            raise ValueError("not an entry")
        if kind == "shard":
            model: Any = Lazy(make=functools.partial(shards[payload].take, rel), group=payload)
        elif kind == "file":
            model = Lazy(make=functools.partial(self._file_model, rel, payload))
        elif payload is None or isinstance(payload, BaseModel):
            return Entry(ident, FileResult(payload, problems, maybe_ids), digest=digest)
        else:
            raise ValueError("not a model")
        return Entry(ident, FileResult(model, problems, maybe_ids), blob=(kind, payload),
                     digest=digest)

    def _item(self, rel: str, entry: Entry) -> tuple[Any, ...]:
        """An entry as kept in ``new/``: a student's file in a blob of its own."""
        r = entry.result
        model = r.model
        if model is not None and _kept_apart(rel):
            if entry.blob is None:
                entry.blob = ("file", self._save_blob(_made(model)))
            kind, name = entry.blob
            return (entry.ident, kind, name, r.problems, r.maybe_ids, entry.digest)
        return (entry.ident, "model", None if model is None else _made(model), r.problems,
                r.maybe_ids, entry.digest)

    def _write_plain(self, path: Path, data: bytes) -> None:
        cachefiles.write_private(path, data)

    @staticmethod
    def _new_name(rel: str) -> str:
        return hashlib.sha256(rel.encode()).hexdigest()[:32]

    # ------------------------------------------------------------------ reading

    def read(self) -> tuple[dict[str, Entry], Checks | None]:
        """Every entry kept for this folder (not yet checked against the files), and the
        per-student check results kept with the pack."""
        self._pack_size, self._new, self.checks, self._shards = 0, set(), None, {}
        self._table, self._memos, self._seed = [], {}, None
        if self.dir is None or self._mac_key() is None:
            return {}, None
        entries: dict[str, Entry] = {}
        pack = self._own / "pack"
        try:
            content = self._read(pack)
            if not isinstance(content, dict):
                raise ValueError("not a pack")
            self._table = list(content["table"])
            self._shards = {name: (tuple(rels), int(size))
                            for name, (rels, size) in content["shards"].items()}
            shards = {name: _Shard(self, name, size) for name, (_, size) in self._shards.items()}
            entries = {rel: self._entry(rel, item, shards)
                       for rel, item in content["entries"].items()}
            context, students = content["checks"]
            self.checks = (context, dict(students))
            self._pack_size = len(entries)
        except FileNotFoundError:
            pass
        except Exception:  # anything wrong with the pack: start again
            entries = {}
            with contextlib.suppress(OSError):
                pack.unlink()
        new = self._own / "new"
        try:
            names = sorted(os.listdir(new))
        except OSError:
            names = []
        for name in names:
            if name.startswith("."):
                continue
            try:
                rel, item = self._read(new / name)
                if self._new_name(rel) != name:
                    raise ValueError("misnamed")
                entries[rel] = self._entry(rel, item, {})
                self._new.add(name)
            except Exception:  # a bad or stale entry: forget it
                with contextlib.suppress(OSError):
                    (new / name).unlink()
        return entries, self.checks

    # ------------------------------------------------------------------ writing

    def write_pack(self, entries: Mapping[str, Entry], checks: Checks) -> None:
        """Write every trusted entry and the check results as the new pack; empty
        ``new/`` and remove blobs nothing names any more."""
        if self.dir is None:
            return
        try:
            items: dict[str, tuple[Any, ...]] = {}
            groups: dict[str, list[tuple[str, Entry]]] = {}
            for rel, entry in entries.items():
                if entry.ident is None:
                    continue
                if entry.result.model is not None and _kept_apart(rel):
                    groups.setdefault(_shard_of(rel), []).append((rel, entry))
                else:
                    items[rel] = self._item(rel, entry)
            self._extend_table(entries)
            shards: dict[str, tuple[tuple[str, ...], int]] = {}
            for members in groups.values():
                name, size = self._shard(members)
                shards[name] = (tuple(sorted(rel for rel, _ in members)), size)
                for rel, entry in members:
                    r = entry.result
                    items[rel] = (entry.ident, "shard", name, r.problems, r.maybe_ids,
                                  entry.digest)
            context, students = checks
            self._write(self._own / "pack", pickle.dumps(
                {"entries": items, "shards": shards, "table": tuple(self._table),
                 "checks": (context, students)}, protocol=5))
        except Exception:  # the cache is optional
            return
        self._pack_size = len(items)
        self._shards = shards
        self.checks = checks
        new = self._own / "new"
        for name in self._new:
            with contextlib.suppress(OSError):
                (new / name).unlink()
        self._new = set()
        self._sweep_blobs(set(shards))
        self._sweep_versions()

    def _shard(self, members: list[tuple[str, Entry]]) -> tuple[str, int]:
        """The blob of a shard of students' files (and the table size it uses): the one
        already written if nothing in it changed (then nothing is made or written), else a
        new one."""
        rels = tuple(sorted(rel for rel, _ in members))
        blobs = {entry.blob for _, entry in members}
        if len(blobs) == 1:
            blob = blobs.pop()
            if blob is not None and blob[0] == "shard":
                known = self._shards.get(blob[1])
                if known is not None and known[0] == rels:
                    return blob[1], known[1]
        data = self._dump_shard({rel: _made(entry.result.model) for rel, entry in members})
        name = hashlib.sha256(data).hexdigest()[:40]
        path = self._blob_path(name)
        if not path.exists():
            self._write_plain(path, data)
        for _, entry in members:
            entry.blob = ("shard", name)
        return name, len(self._table)

    def _sweep_blobs(self, keep: set[str], min_age: float = 3600.0) -> None:
        """Remove blobs that no entry names (old ones only: another process may have just
        written one for its own new entry)."""
        assert self.dir is not None
        now = time.time()
        with contextlib.suppress(OSError):
            for shard in os.scandir(self.dir / "blobs"):
                for blob in os.scandir(shard.path):
                    if blob.name not in keep:
                        with contextlib.suppress(OSError):
                            if now - blob.stat().st_mtime > min_age:
                                os.unlink(blob.path)

    def _sweep_versions(self, min_age: float = 30 * 86400.0) -> None:
        """Remove the packs of other versions of the code not used for a month."""
        assert self.dir is not None
        now = time.time()
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.dir):
                if entry.name.startswith("v-") and entry.path != str(self._own):
                    with contextlib.suppress(OSError):
                        if now - entry.stat().st_mtime > min_age:
                            shutil.rmtree(entry.path)

    def write_new(self, fresh: Iterable[tuple[str, Entry]]) -> None:
        """Add entries read since the pack was written, one small file each."""
        if self.dir is None:
            return
        for rel, entry in fresh:
            if entry.ident is None:
                continue
            name = self._new_name(rel)
            try:
                self._write(self._own / "new" / name,
                            pickle.dumps((rel, self._item(rel, entry)), protocol=5))
            except Exception:  # the cache is optional
                return
            self._new.add(name)

    def update(self, entries: Mapping[str, Entry], fresh: Mapping[str, Entry],
               checks: Checks) -> None:
        """After a full load: keep what was read, as new entries or as a new pack (also
        when many students had to be checked again, so the next run does not)."""
        if self.dir is None:
            return
        trusted = sum(1 for e in fresh.values() if e.ident is not None)
        limit = max(64, self._pack_size // 20)
        old_context, old_students = self.checks or (None, {})
        context, students = checks
        rechecked = len(students) if context != old_context else sum(
            1 for sid, item in students.items() if old_students.get(sid) != item)
        if not self._pack_size or len(self._new) + trusted > limit or rechecked > limit:
            self.write_pack(entries, checks)
        elif trusted:
            self.write_new(fresh.items())


class _Shard:
    """The students' files of one shard blob, unpickled together when the first of them is
    needed (one file at a time would take twice as long: no shared strings, and more
    garbage collection), then handed out one by one."""

    def __init__(self, cache: Cache, name: str, table: int) -> None:
        self.cache = cache
        self.name = name
        self.table = table
        self.models: dict[str, Any] | None = None
        self._lock = threading.Lock()  # (the cache writer's thread takes models too)

    def take(self, rel: str) -> BaseModel:
        with self._lock:
            return self._take(rel)

    def _take(self, rel: str) -> BaseModel:
        if self.models is None or rel not in self.models:
            # First use, or this file's model was handed out already and not kept (a pass
            # over the whole class drops what it made): unpickle the shard (again), which
            # is several times faster than reading the file.
            try:
                models = self.cache._load_blob(self.name, self.table)
                self.models = models if isinstance(models, dict) else {}
            except Exception:  # the cache is optional: each file will be read itself
                self.models = {}
        model = self.models.pop(rel, None)
        if isinstance(model, BaseModel):
            return model
        return parse_model(self.cache.root, rel, self.cache.max_bytes)


def _made(model: Any) -> Any:
    # peek: writing a pack makes each student's model to pickle it, without keeping it
    return model.peek() if isinstance(model, Lazy) else model


def _shard_of(rel: str) -> str:
    """Students' files are kept in up to 4,096 shards, by their folder's name."""
    return hashlib.sha256(rel.split("/")[1].encode()).hexdigest()[:3]


def _kept_apart(rel: str) -> bool:
    """Whether a file's model goes to its own blob: a student's two files."""
    return rel.startswith(layout.STUDENTS_DIR + "/")
