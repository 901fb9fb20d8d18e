"""Load a whole class folder into a :class:`ClassData` and a list of problems.

One broken file never stops the rest: a file that cannot be read or parsed is reported
and left out; a file with a few bad entries keeps its good ones. Nothing here writes.

Two ways in, with the same result for the same files:

- :func:`load_class` reads and parses every file now.
- :class:`FolderLoader` keeps what each file gave (its model and its problems) together
  with the file's identity (size, times, inode), so loading again re-reads only the files
  whose identity changed, and :meth:`FolderLoader.refresh` re-reads only the paths it is
  given. :class:`playlist_tui.store.store.ClassStore` uses it, with the results kept on
  disk between runs by :mod:`playlist_tui.store.cache`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import operator
import os
import pickle
import re
import stat
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import repeat
from pathlib import Path, PurePosixPath
from typing import Any, TypeAlias, TypeVar, cast

from pydantic import BaseModel, ValidationError

from playlist_tui.model import tomlparse
from playlist_tui.model.check import (
    CheckMemo,
    Growth,
    ParsedFiles,
    StudentKey,
    activity_refs,
    build_class,
    check_files,
    curriculum,
)
from playlist_tui.model.errors import validate_lenient
from playlist_tui.model.files import ClassFile, Framework, Playlist, StudentFile, TeacherFile
from playlist_tui.model.ids import id_error, valid_refs
from playlist_tui.model.klass import EMPTY_STUDENT_FILE, EMPTY_TEACHER_FILE, ClassData, Lazy
from playlist_tui.model.problems import Loc, Problem, Severity
from playlist_tui.store import layout
from playlist_tui.store.reading import (
    FOLDER_LINK_HINT,
    Parsed,
    conflict_problem,
    decode,
    kind_of,
    parse_bytes,
    read_problem,
    read_regular,
    read_text,
)
from playlist_tui.store.tomlpos import Positions, scan

M = TypeVar("M", bound=BaseModel)

Ident = tuple[int, int, int, int, int, int]
"""What identifies a file's bytes without reading them: mode, size, mtime_ns, ctime_ns,
inode, device. Any write to a file, and any rename onto it, changes at least one of these,
unless it happens within the timestamp granularity of the file system: see RACY_NS."""

RACY_NS = 3_000_000_000
"""A file changed less than this long before it was read may change again without its
identity changing (file systems keep times at a granularity of up to 2 s): its result is
used once but never trusted again by identity, and never stored in the cache."""


@dataclass
class LoadResult:
    data: ClassData
    problems: list[Problem]
    texts: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The text of each file (with :class:`FolderLoader`, read from disk when first asked
    for, so a file changed since the load gives its new text)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.ERROR]


class _Locator:
    """Positions of keys in the texts read, scanned lazily (only files with problems)."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts = texts
        self.cache: dict[str, Positions] = {}

    def __call__(self, path: str, loc: Loc) -> tuple[int, int]:
        text = self.texts.get(path)
        if text is None:
            return 1, 1
        positions = self.cache.get(path)
        if positions is None:
            positions = self.cache[path] = scan(text)
        return positions.locate(loc)


class _DiskTexts(Mapping[str, str]):
    """Texts of class files, read from disk when first asked for (only files with a
    problem to locate are ever read: at school scale, keeping every text would double the
    memory the class takes)."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._texts: dict[str, str | None] = {}

    def __getitem__(self, rel: str) -> str:
        if rel not in self._texts:
            self._texts[rel] = _text_of(self.root, rel, self.max_bytes)
        text = self._texts[rel]
        if text is None:
            raise KeyError(rel)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter([rel for rel, text in self._texts.items() if text is not None])

    def __len__(self) -> int:
        return sum(1 for text in self._texts.values() if text is not None)



def _folder_problems(root: Path) -> list[Problem]:
    """The class folder itself: missing, or without class.toml."""
    if not root.is_dir():
        return [Problem(str(root), 1, 1, "this class folder does not exist",
                        "give the path of a folder that holds class.toml")]
    if not os.path.lexists(root / layout.CLASS_FILE):
        return [Problem(layout.CLASS_FILE, 1, 1, "there is no class.toml here",
                        "a class folder starts with a class.toml (see docs/formats.md)")]
    return []

def _text_of(root: Path, rel: str, max_bytes: int) -> str | None:
    return read_text(root, rel, max_bytes)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a load makes millions of objects that all stay
    alive: collecting then only costs time (up to half of a large load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------- discovery


def _list_toml(folder: Path | str) -> list[str]:
    """The ``.toml`` entries of a folder that are not folders, whatever else they are: a
    link, a pipe or a device named like a class file is listed, so that reading it reports
    it (and never reads it). Not a folder, or one that cannot be listed: nothing."""
    try:
        return sorted(e.name for e in os.scandir(folder)
                      if e.name.endswith(".toml") and not e.name.startswith(".")
                      and not e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def _folder_problem(root: Path, rel: str) -> Problem | None:
    """A problem when the class-folder path ``rel`` is there but is not a real folder (a
    symbolic link to one is refused: it could lead outside the class folder)."""
    try:
        mode = os.lstat(os.path.join(root, rel)).st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return Problem(rel, 1, 1, f"{rel} is a symbolic link; class folders must be real "
                       "folders", FOLDER_LINK_HINT)
    return Problem(rel, 1, 1, f"{rel} is {kind_of(mode)}, not a folder",
                   "remove it, or make it a folder holding the class's files")


def _list_top(root: Path, top: str) -> tuple[list[str], list[Problem]]:
    """The class files in ``frameworks/`` or ``playlists/``, and the problem of the folder
    itself (a link is not listed)."""
    problem = _folder_problem(root, top)
    if problem is not None:
        return [], [problem]
    return [f"{top}/{n}" for n in _list_toml(root / top)], []


def _student_entry(root: Path, name: str) -> tuple[bool, list[Problem]]:
    """One entry of ``students/`` that is a folder: (is it a student folder, its problems)."""
    folder = f"{layout.STUDENTS_DIR}/{name}"
    problem = id_error(name)
    if problem is not None:
        return False, [Problem(folder, 1, 1, f"student folder name: {problem}",
                               "name the folder after the student's id")]
    problems = []
    for file_name in _list_toml(os.path.join(root, layout.STUDENTS_DIR, name)):
        if file_name not in (layout.STUDENT_FILE, layout.TEACHER_FILE):
            problems.append(Problem(
                f"{folder}/{file_name}", 1, 1,
                f"unexpected file {file_name!r} in a student folder",
                f"a student folder holds {layout.STUDENT_FILE} and {layout.TEACHER_FILE}",
                Severity.WARNING))
    return True, problems


@dataclass
class _Folder:
    """What is in the class folder: the files to read and the problems of its layout."""

    frameworks: list[str]
    playlists: list[str]
    students: dict[str, str]  # id -> folder, in the order of the folder names
    entry_problems: dict[str, list[Problem]]  # name in students/ -> its problems
    top_problems: dict[str, list[Problem]] = field(default_factory=dict)
    """frameworks/, playlists/ or students/ -> the problems of the folder itself"""
    _paths: list[tuple[str, str, str]] | None = None

    def problems(self) -> list[Problem]:
        return [*(p for top in sorted(self.top_problems) for p in self.top_problems[top]),
                *(p for name in sorted(self.entry_problems) for p in self.entry_problems[name])]

    def relist(self, root: Path, top: str) -> None:
        """List ``frameworks/`` or ``playlists/`` again."""
        names, problems = _list_top(root, top)
        if top == layout.FRAMEWORKS_DIR:
            self.frameworks = names
        else:
            self.playlists = names
        self.top_problems[top] = problems

    def files(self) -> list[str]:
        out = [layout.CLASS_FILE, *self.frameworks, *self.playlists]
        for _, student, teacher in self.student_paths():
            out += [student, teacher]
        return out

    def student_paths(self) -> list[tuple[str, str, str]]:
        """(id, its student.toml, its teacher.toml) for each student folder, in order."""
        if self._paths is None:
            self._paths = [(sid, f"{folder}/{layout.STUDENT_FILE}",
                            f"{folder}/{layout.TEACHER_FILE}")
                           for sid, folder in self.students.items()]
        return self._paths

    def set_student_entry(self, root: Path, name: str) -> None:
        """Look at one entry of ``students/`` again."""
        self.entry_problems.pop(name, None)
        was_student = name in self.students
        is_dir, problems = _student_folder(root, name)
        is_student, more = _student_entry(root, name) if is_dir else (False, [])
        problems += more
        if problems:
            self.entry_problems[name] = problems
        if is_student and not was_student:
            self.students[name] = f"{layout.STUDENTS_DIR}/{name}"
            self.students = dict(sorted(self.students.items()))
            self._paths = None
        elif was_student and not is_student:
            del self.students[name]
            self._paths = None


def _student_folder(root: Path, name: str) -> tuple[bool, list[Problem]]:
    """Is the entry ``name`` of ``students/`` a real folder (a link to one is a problem,
    never a student folder: nothing is read or written through it)?"""
    if name.startswith("."):
        return False, []
    rel = f"{layout.STUDENTS_DIR}/{name}"
    try:
        mode = os.lstat(os.path.join(root, rel)).st_mode
    except OSError:
        return False, []
    if stat.S_ISLNK(mode):
        problem = _folder_problem(root, rel)
        return False, [problem] if problem is not None else []
    return stat.S_ISDIR(mode), []


def _scan(root: Path) -> _Folder:
    frameworks, framework_problems = _list_top(root, layout.FRAMEWORKS_DIR)
    playlists, playlist_problems = _list_top(root, layout.PLAYLISTS_DIR)
    top_problems = {layout.FRAMEWORKS_DIR: framework_problems,
                    layout.PLAYLISTS_DIR: playlist_problems}
    students: dict[str, str] = {}
    entry_problems: dict[str, list[Problem]] = {}
    problem = _folder_problem(root, layout.STUDENTS_DIR)
    if problem is not None:
        top_problems[layout.STUDENTS_DIR] = [problem]
        entries = []
    else:
        try:
            entries = sorted(os.scandir(root / layout.STUDENTS_DIR), key=lambda e: e.name)
        except OSError:
            entries = []
    for entry in entries:
        is_dir, problems = _student_folder(root, entry.name)
        if is_dir:
            is_student, more = _student_entry(root, entry.name)
            problems += more
            if is_student:
                students[entry.name] = f"{layout.STUDENTS_DIR}/{entry.name}"
        if problems:
            entry_problems[entry.name] = problems
    return _Folder(frameworks, playlists, students, entry_problems, top_problems)


def discover(root: Path) -> tuple[list[str], list[str], dict[str, str], list[Problem]]:
    """Relative paths of frameworks and playlists, student folders by id, and problems."""
    found = _scan(root)
    return found.frameworks, found.playlists, found.students, found.problems()


# --------------------------------------------------------------------------- one file


def _ident(st: os.stat_result) -> Ident:
    return (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _read(root: Path, rel: str, max_bytes: int) -> tuple[Parsed | None, Ident | None]:
    """Read and parse one file (None if it does not exist), with the identity of the bytes
    read when it can be trusted later: the file did not change while it was read and was
    not changed in the last RACY_NS."""
    return _read_raw(root, rel, max_bytes)[:2]


def _read_bytes(root: Path, rel: str, max_bytes: int
                ) -> tuple[bytes | None, Ident | None, Parsed | None]:
    """The bytes of one file and their identity (see _read); or, when there is nothing to
    parse, None and what the file gives (None: it does not exist)."""
    try:
        raw, before, after = read_regular(root, rel, max_bytes)
    except FileNotFoundError:
        return None, None, None
    except OSError as exc:  # not a regular file (NotRegular), or cannot be read
        return None, None, Parsed(rel, None, None, [read_problem(rel, exc)])
    if len(raw) > max_bytes:
        return None, None, Parsed(rel, None, None, [Problem(
            rel, 1, 1, f"the file is {after.st_size:,} bytes, more than the limit of "
            f"{max_bytes:,}",
            "class files are small text files; split it, or check that this is "
            "the right file")])
    ident: Ident | None = None
    if (_ident(before) == _ident(after) and stat.S_ISREG(after.st_mode)
            and time.time_ns() - max(after.st_mtime_ns, after.st_ctime_ns) >= RACY_NS):
        ident = _ident(after)
    return raw, ident, None


def _read_raw(root: Path, rel: str, max_bytes: int, intern: bool = True
              ) -> tuple[Parsed | None, Ident | None, bytes | None]:
    raw, ident, parsed = _read_bytes(root, rel, max_bytes)
    if raw is None:
        return parsed, None, None
    # keys and short strings interned: the same activity reference in 5,000 student files
    # is then one string in memory (and in the cache), not 5,000 (not in a pool's worker,
    # whose models are pickled for the parent, which interns the keys: see _unpacked)
    return parse_bytes(rel, raw, max_bytes, intern=intern), ident, raw


def read_file(root: Path, rel: str, max_bytes: int = layout.MAX_FILE_BYTES) -> Parsed | None:
    """Read and parse one file; None if it does not exist."""
    return _read(root, rel, max_bytes)[0]


def validate_file(parsed: Parsed, model: type[M], locate: Callable[[str, Loc], tuple[int, int]]
                  ) -> tuple[M | None, list[Problem]]:
    if parsed.data is None:
        return None, list(parsed.problems)
    try:  # the usual case, a valid file: no need for the lenient machinery and its copies
        return model.model_validate(parsed.data), []
    except ValidationError:
        pass
    instance, found = validate_lenient(model, parsed.data)
    problems = []
    for item in found:
        line, col = locate(parsed.path, item.loc)
        problems.append(Problem(parsed.path, line, col, item.message, item.hint, item.severity))
    if instance is None:
        problems.append(Problem(parsed.path, 1, 1, "this file could not be used",
                                "fix the other problems reported for this file; the rest of "
                                "the class still loads"))
    return instance, problems


_ID_LINE = re.compile(r'^\s*id\s*=\s*"([^"\n]+)"', re.MULTILINE)


def _ids_in(text: str, rel: str) -> set[str]:
    """Ids a broken curriculum file seems to define (its file name counts as one too)."""
    if not rel.startswith((layout.PLAYLISTS_DIR + "/", layout.FRAMEWORKS_DIR + "/")):
        return set()
    return {rel.rsplit("/", 1)[-1].removesuffix(".toml"), *_ID_LINE.findall(text)}


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


def _share_fields_sets(value: object) -> None:
    """Let models with the same set fields share one ``__pydantic_fields_set__``: a set
    takes 200 bytes and a large class has hundreds of thousands of models. The models are
    frozen, so nothing ever changes these sets (copies of a model get a copy)."""
    if isinstance(value, BaseModel):
        fields = value.__pydantic_fields_set__
        shared = _FIELDS_SETS.setdefault(frozenset(fields), fields)
        if shared is not fields:
            object.__setattr__(value, "__pydantic_fields_set__", shared)
        for item in value.__dict__.values():
            if isinstance(item, BaseModel | tuple | dict):  # (not each str and datetime)
                _share_fields_sets(item)
    elif isinstance(value, tuple | dict):
        items = value.values() if isinstance(value, dict) else value
        first = next(iter(items), None)  # the items of a field all have the same type
        if isinstance(first, BaseModel | tuple | dict):
            for item in items:
                _share_fields_sets(item)


class FileResult:
    """What one existing file gives a load: its model (None when the file cannot be used;
    a student's files may come as a :class:`Lazy` model from the cache), its own problems
    (reading, syntax, keys and values) and, for an unusable curriculum file, the ids it
    seems to define. A pure function of the file's path and bytes; never changed."""

    __slots__ = ("maybe_ids", "model", "problems")

    def __init__(self, model: BaseModel | Lazy[Any] | None, problems: tuple[Problem, ...],
                 maybe_ids: frozenset[str] = frozenset()) -> None:
        self.model = model
        self.problems = problems
        self.maybe_ids = maybe_ids


def _result(parsed: Parsed, model: type[BaseModel],
            locate: Callable[[str, Loc], tuple[int, int]], share: bool = True) -> FileResult:
    """``share``: the model's fields sets shared (see _share_fields_sets; not in a pool's
    worker, whose models are pickled: the parent shares them when it keeps one)."""
    instance, problems = validate_file(parsed, model, locate)
    if instance is None:
        return FileResult(None, tuple(problems),
                          frozenset(_ids_in(parsed.text or "", parsed.path)))
    if share:
        _share_fields_sets(instance)
    return FileResult(instance, tuple(problems))


def parse_model(root: Path, rel: str, max_bytes: int = layout.MAX_FILE_BYTES) -> BaseModel:
    """The model of one student's or teacher's file, read now (the empty model of its kind
    if the file is missing or cannot be used)."""
    model = model_for(rel)
    assert model is not None
    parsed = read_file(root, rel, max_bytes)
    if parsed is not None:
        result = _result(parsed, model, lambda _path, _loc: (1, 1))
        if isinstance(result.model, BaseModel):
            return result.model
    return model()


def model_for(rel: str) -> type[BaseModel] | None:
    """The model of the file at a class-folder path, or None if it is not a class file."""
    parts = rel.split("/")
    if rel == layout.CLASS_FILE:
        return ClassFile
    if len(parts) == 2 and parts[1].endswith(".toml"):
        if parts[0] == layout.FRAMEWORKS_DIR:
            return Framework
        if parts[0] == layout.PLAYLISTS_DIR:
            return Playlist
    if len(parts) == 3 and parts[0] == layout.STUDENTS_DIR:
        if parts[2] == layout.STUDENT_FILE:
            return StudentFile
        if parts[2] == layout.TEACHER_FILE:
            return TeacherFile
    return None


# --------------------------------------------------------------------------- grown files

Digest = tuple[int, bytes, bool]
"""A file's size, the hash of its bytes, and whether every line of it is known to stand
alone (see tomlparse.lines_stand_alone: then only new lines need to be looked at; known
from the read that parsed the whole file)."""


def _hash(raw: bytes | memoryview) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


_HEADER_START = re.compile(rb"\n[ \t]*\[")  # searched in b"\n" + raw: faster than ^
_SIMPLE_HEADER = re.compile(rb"[ \t]*\[[ \t]*([A-Za-z0-9_-]+)[ \t]*\][ \t]*(?:#[^\n]*)?\n")
_KEY_LINE = re.compile(rb'[ \t]*(?:"[^"\\\n]*"|[A-Za-z0-9_-]+)[ \t]*=[^\n]*\n')
def _entries_end(raw: bytes, start: int, end: int) -> int:
    """The end of the last line of ``raw[start:end]`` that is neither blank nor a comment
    (where the app adds an entry to a table; ``start`` if there is none)."""
    at = end
    while at > start:
        newline = raw.rfind(b"\n", start, at - 1)
        line_start = start if newline < 0 else newline + 1
        line = raw[line_start:at].strip()
        if line and not line.startswith(b"#"):
            return at
        at = line_start
    return start


def _grown(root: Path, rel: str, before: Entry, max_bytes: int) -> Entry | None:
    """A student's file that, since ``before`` was read from it (a file without problems),
    only gained whole ``key = value`` lines at the end of one of its tables (a sync that
    brings a day's ticks, a teacher's new decisions): its entry made from ``before``'s
    model and the new lines alone, exactly as reading the whole file would make it; None
    whenever that is not certain (the file is then read as usual).

    Certain means: the bytes are the old ones (same hash) with the new lines put in at
    the end of a table's entries; every line of the file stands alone (no value spans
    lines, so each line that starts with ``[`` is a header); the table's header is a
    plain ``[name]`` of a table of entries in the model; the new lines are each one plain
    ``key = value``, none with a key the table already has, and they parse and check
    without a problem.

    The old model is not made here: the new entry's model is a :class:`Lazy` that makes
    it (from the cache's shard) and adds the new entries when something needs it, and the
    entry says what grew (``Entry.growth``), so that the checks of a student whose file
    only gained ticks or notes naming known activities are not made again either (see
    :func:`playlist_tui.model.check.build_class`). Only when the table's earlier keys
    cannot be told apart from the new ones by their bytes is the old model made now."""
    digest = before.digest
    model = before.result.model
    file_model = model_for(rel)
    if digest is None or model is None or before.result.problems or (
            file_model not in (StudentFile, TeacherFile)):
        return None
    raw, ident, _ = _read_bytes(root, rel, max_bytes)
    old_size, old_hash, old_alone = digest
    if raw is None or len(raw) <= old_size or raw.startswith(b"\xef\xbb\xbf"):
        return None
    grew = len(raw) - old_size
    view = memoryview(raw)
    found = None
    heads = [m.start() for m in _HEADER_START.finditer(b"\n" + raw)]  # (offsets one more,
    # and the match starts one before the line: the same offsets in raw)
    previous_head = 0
    for head in (*heads, len(raw)):
        end = _entries_end(raw, previous_head, head)
        start = end - grew
        previous_head = head
        if start <= 0 or raw[start - 1] != 0x0A:
            continue
        prefix = hashlib.blake2b(view[:start], digest_size=16)
        old = prefix.copy()
        old.update(view[end:])
        if old.digest() != old_hash:
            continue
        prefix.update(view[start:])  # the new file's hash: its prefix hashed once
        found = start, end, prefix.digest()
        break
    if found is None:
        return None
    start, end, new_hash = found
    table_head = max((h for h in heads if h < start), default=None)
    if table_head is None:
        return None
    # Every header a plain [name], each name once: the table's entries are then exactly
    # the lines under its header (no [name.sub] adds to it further down).
    names = set()
    for head in heads:
        plain = _SIMPLE_HEADER.match(raw, head)
        if plain is None or plain.group(1) in names:
            return None
        names.add(plain.group(1))
    header = _SIMPLE_HEADER.match(raw, table_head)
    if header is None or header.end() > start:
        return None
    added = raw[start:end]
    at = 0
    while at < len(added):
        line = _KEY_LINE.match(added, at)
        if line is None:
            return None
        at = line.end()
    try:  # (the old bytes were UTF-8: only the new ones can fail)
        new_lines = added.decode("utf-8")
        text = None if old_alone else raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if conflict_problem(rel, new_lines) is not None:
        return None
    name = header.group(1).decode("ascii")
    field = file_model.model_fields.get(name)
    if field is None or field.alias is not None or name not in _dict_fields(file_model):
        return None
    try:
        data = tomlparse.loads(new_lines, intern=True)
        # (parsed first: the stand-alone test then shares the parse's blanking)
        if not tomlparse.lines_stand_alone(new_lines) or (
                text is not None and not tomlparse.lines_stand_alone(text)):
            return None
        part = file_model.model_validate({name: data})
    except Exception:  # not valid alone, or not valid here: the whole file decides
        return None
    _share_fields_sets(part)
    new_digest = (len(raw), new_hash, True)
    keys = frozenset(data)
    growth = (before.token, name, keys)
    step = _Growth(model, name, part)
    if step.depth <= _MAX_GROWTHS and _new_keys(raw, heads, header.end(), start, keys):
        return Entry(ident, FileResult(Lazy(make=step), ()), digest=new_digest,
                     growth=growth)
    made = model.peek() if isinstance(model, Lazy) else model
    if not isinstance(made, file_model):
        return None
    current = getattr(made, name)
    if type(current) is not dict or any(key in current for key in data):
        return None
    return Entry(ident, FileResult(step.apply(made), ()), digest=new_digest, growth=growth)


_MAX_GROWTHS = 16
"""Growths of one file kept as steps to make its model later (a file that keeps growing
while nothing makes its model, as when the app is open all day): beyond this, the model
is made, so no chain of steps grows without end."""


@functools.cache
def _dict_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of a model whose value is a table of entries (a dict)."""
    empty = model()
    return frozenset(name for name in model.model_fields
                     if type(getattr(empty, name)) is dict)


def _new_keys(raw: bytes, heads: list[int], table_start: int, start: int,
              keys: frozenset[str]) -> bool:
    """True when no key in ``keys`` can already be in the table whose entries are at
    ``raw[table_start:start]`` (or in the lines before the first header): none of their
    UTF-8 bytes appear there, and nothing there is written with an escape (a key the
    table has is then written with exactly its own bytes). False: cannot tell."""
    top = heads[0] if heads else 0
    # (find with bounds: no copy of the table's bytes)
    if raw.find(b"\\", table_start, start) >= 0 or raw.find(b"\\", 0, top) >= 0:
        return False
    for key in keys:
        data = key.encode("utf-8", "surrogatepass")
        if not data or raw.find(data, table_start, start) >= 0 or raw.find(data, 0, top) >= 0:
            return False
    return True


class _Growth:
    """Makes a grown file's model when it is needed: the old model (made, not kept, if it
    is a :class:`Lazy`) with the new entries of one table put after its entries, as a
    read of the whole file gives them."""

    __slots__ = ("depth", "name", "old", "part")

    def __init__(self, old: BaseModel | Lazy[Any], name: str, part: BaseModel) -> None:
        self.old = old
        self.name = name
        self.part = part
        earlier = old._make if isinstance(old, Lazy) else None
        self.depth: int = earlier.depth + 1 if isinstance(earlier, _Growth) else 1

    def apply(self, made: BaseModel) -> BaseModel:
        current = getattr(made, self.name)
        return made.model_copy(update={self.name: {**current, **getattr(self.part, self.name)}})

    def __call__(self) -> BaseModel:
        old = self.old
        return self.apply(old.peek() if isinstance(old, Lazy) else old)


# --------------------------------------------------------------------------- many files

POOL_MIN_FILES = 1000
"""Fewer files than this to read are read here; more are read by a pool of processes, one
per CPU (a process starts in about 0.3 s; a file takes about 3 ms to read, parse and
check). ``PLAYLIST_TUI_WORKERS=1`` turns the pool off, ``=N`` sets its size."""
_CHUNK_FILES = 48

Read = tuple[str, "Ident | None", "FileResult | None", "Digest | None"]
"""A file read: its path, the identity of the bytes read (None: not to be trusted later),
its result (None: the file does not exist) and, for a student's file without problems,
its digest (see Entry.digest)."""


def _read_one(root: Path, rel: str, max_bytes: int, intern: bool = True) -> Read:
    return _made(rel, *_read_raw(root, rel, max_bytes, intern), intern)


def _made(rel: str, parsed: Parsed | None, ident: Ident | None, raw: bytes | None,
          intern: bool) -> Read:
    """:func:`_read_one` of a file read and parsed."""
    model = model_for(rel)
    assert model is not None
    if parsed is None:
        return rel, None, None, None
    locate = _Locator({rel: parsed.text} if parsed.text is not None else {})
    result = _result(parsed, model, locate, share=intern)
    digest = None
    if (raw is not None and result.model is not None and not result.problems
            and model in (StudentFile, TeacherFile)):
        # (whether its lines stand alone is cheap now, right after the parse of the same
        # text, and spares the first growth looking at the whole file)
        alone = parsed.text is not None and tomlparse.lines_stand_alone(parsed.text)
        digest = (len(raw), _hash(raw), alone)
    return rel, ident, result, digest


def _read_chunk(root: str, rels: tuple[str, ...], max_bytes: int) -> list[Read]:
    """In a worker process: read a chunk of files (what the parent would do itself). A
    student's or teacher's model is sent packed (see :func:`_packed`; the parent opens
    it with :func:`_opened`)."""
    with _gc_paused():
        reads = [_read_one(Path(root), rel, max_bytes, intern=False) for rel in rels]
        return [(rel, ident, _packed(result), digest) if result is not None else
                (rel, ident, result, digest) for rel, ident, result, digest in reads]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_tzinfo = operator.attrgetter("tzinfo")
_microsecond = operator.attrgetter("microsecond")
_fold = operator.attrgetter("fold")
_days = operator.attrgetter("days")
_seconds = operator.attrgetter("seconds")

PackedTicks: TypeAlias = "tuple[array[int], array[int], array[int]]"
"""A student's ticks as the numbers of their keys in the curriculum's activity
references (see :func:`_worker_start`) and their times as days and seconds since 1970
(UTC, whole seconds)."""


_COMPRESS_OVER = 16 * 1024
"""A model pickled to more bytes than this is compressed (zlib, level 1) in its pack: a
student's ticks pickled with the model (about 60 kB; 10 kB compressed). A model whose
ticks are packed apart (7 kB a student at L) or a teacher's (4.5 kB) is not: compressing
them was a tenth of a worker's time, for about 40 MB less in the parent at L."""


def _pickled(model: BaseModel) -> bytes:
    """A model as a :class:`_Pack` holds it: pickled, and compressed when large (see
    :data:`_COMPRESS_OVER`; a pickle starts with its protocol's byte 0x80, a zlib stream
    never does)."""
    data = pickle.dumps(model, protocol=5)
    return zlib.compress(data, 1) if len(data) > _COMPRESS_OVER else data


class _Pack:
    """A student's or teacher's model as a worker sends it: pickled (see
    :func:`_pickled`), and maybe the student's ticks apart (see :func:`_ticks_packed`)."""

    __slots__ = ("data", "ticks")

    def __init__(self, data: bytes, ticks: PackedTicks | None) -> None:
        self.data = data
        self.ticks = ticks

    def __reduce__(self) -> tuple[type[_Pack], tuple[bytes, PackedTicks | None]]:
        return _Pack, (self.data, self.ticks)


def _ticks_packed(ticks: dict[str, Any], numbers: Mapping[str, int]) -> PackedTicks | None:
    """A student's ticks packed (about 12 bytes a tick instead of a pickled datetime and
    key, compressed), when every key is one of the curriculum's activity references
    (``numbers``) and every value a UTC date-time in whole seconds (what a tick's stamp
    is: ``2026-11-03T10:15:00Z``); None otherwise (the ticks are then pickled with the
    rest of the model)."""
    values = ticks.values()
    if (not ticks.keys() <= numbers.keys() or {*map(type, values)} != {datetime}
            or {*map(_tzinfo, values)} != {UTC} or any(map(_microsecond, values))
            or any(map(_fold, values))):
        return None
    since = list(map(operator.sub, values, repeat(_EPOCH)))
    return (array("I", map(numbers.__getitem__, ticks)),
            array("i", map(_days, since)), array("i", map(_seconds, since)))


def _packed(result: FileResult, numbers: Mapping[str, int] | None = None,
            apart: PackedTicks | None = None) -> FileResult:
    """In a worker: a student's or teacher's file result whose model is packed for the
    parent (a :class:`_Pack`: the model pickled, about 10 kB a student instead of 60 kB
    of objects). The parent keeps every student's files of a large
    class in that form and makes a model when something needs it (the checks make each
    once, without keeping it), so loading 5,000 students does not hold 5,000 students'
    models at once. Pickling is what sending the model to the parent did anyway; here it
    happens in the worker. With ``numbers`` (the curriculum's activity references,
    numbered), a student's ticks (nine entries in ten of a class) are packed apart as
    numbers (see :func:`_ticks_packed`): a third of the cost of pickling them.
    ``apart``: the ticks already packed, the model made without them (see
    :func:`_read_ticks_apart`)."""
    model = result.model
    if not isinstance(model, StudentFile | TeacherFile):
        return result
    if apart is not None:
        data = _pickled(model)
        return FileResult(cast(Any, _Pack(data, apart)), result.problems, result.maybe_ids)
    fields = model.__dict__
    ticks = fields.get("ticks") if numbers and type(model) is StudentFile else None
    packed = _ticks_packed(ticks, numbers) if ticks and numbers else None
    if packed is not None:
        fields["ticks"] = {}  # (this worker's model, dropped once sent)
        try:
            data = _pickled(model)
        finally:
            fields["ticks"] = ticks
    else:
        data = _pickled(model)
    return FileResult(cast(Any, _Pack(data, packed)), result.problems, result.maybe_ids)


def _opened(result: FileResult, refs: tuple[str, ...] | None = None) -> FileResult:
    """In the parent: a result from a worker, its packed model (if any) made a
    :class:`Lazy` that unpacks it when something needs it. ``refs``: the references the
    worker numbered the ticks' keys by (see :func:`_worker_start`)."""
    pack = result.model
    if not isinstance(pack, _Pack):
        return result
    # (a model only checked, not kept, needs no interned keys: a third of the making)
    return FileResult(Lazy(make=functools.partial(_unpacked, pack.data, True, pack.ticks, refs),
                           quick=functools.partial(_unpacked, pack.data, False, pack.ticks,
                                                   refs)),
                      result.problems, result.maybe_ids)


def _unpacked(data: bytes, intern: bool = True, ticks: PackedTicks | None = None,
              refs: tuple[str, ...] | None = None) -> BaseModel:
    with _gc_paused():
        model = pickle.loads(data if data[:1] == b"\x80" else zlib.decompress(data))
        if intern:  # (kept: its strings and fields sets shared, as read here)
            _intern_keys(model)
            _share_fields_sets(model)
        if ticks is not None and refs is not None:  # (refs are interned)
            numbers, days, seconds = ticks
            model.__dict__["ticks"] = dict(zip(
                map(refs.__getitem__, numbers),
                map(operator.add, repeat(_EPOCH), map(timedelta, days, seconds)), strict=True))
    if not isinstance(model, BaseModel):  # pragma: no cover - made by _packed only
        raise TypeError("not a model")
    return model


def _workers() -> int:
    configured = os.environ.get("PLAYLIST_TUI_WORKERS", "")
    if configured.isdigit():
        return max(1, int(configured))
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _pool_context() -> Any:
    """Workers are forks of this process when it runs no other thread (nothing to import
    again: the cheapest start); else they start from a fork server that has imported this
    module once (a fork of a process running threads, such as the app's, could inherit a
    lock held by one of them). A worker started that way imports the program's main
    module again, as ``multiprocessing`` does: a script that loads a class must guard its
    top level with ``if __name__ == "__main__"`` (else its pool fails and the files are
    read in the script's own process)."""
    import multiprocessing
    import threading

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    try:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        return ctx
    except ValueError:  # pragma: no cover - no fork server on this platform
        return multiprocessing.get_context("spawn")


def _intern_keys(model: object) -> None:
    """Intern the keys of a student's tables again after they came from a worker (the
    same activity reference in 5,000 files is then one string here too, as when the file
    is read in this process: a copy of each per chunk of files would take 170 MB more at
    L). Equal data; only which string objects hold it changes."""
    if not isinstance(model, StudentFile | TeacherFile):
        return
    fields = model.__dict__
    for name, value in fields.items():
        if type(value) is dict and value:
            fields[name] = {sys.intern(key) if type(key) is str else key: item
                            for key, item in value.items()}


def read_many(root: Path, rels: list[str], max_bytes: int,
              workers: int | None = None) -> Iterator[Read]:
    """Read, parse and check many files, in the order given: in a pool of processes on
    every CPU when there are many (see POOL_MIN_FILES), else here. The results are those
    of reading each file here (the same functions run; only where differs). Anything
    wrong with the pool (it cannot start, a worker dies) and the files it did not give
    are read here."""
    workers = _workers() if workers is None else workers
    if workers < 2 or len(rels) < POOL_MIN_FILES:
        for rel in rels:
            yield _read_one(root, rel, max_bytes)
        return
    chunks = [tuple(rels[i:i + _CHUNK_FILES]) for i in range(0, len(rels), _CHUNK_FILES)]
    done = 0
    try:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
            futures = [pool.submit(_read_chunk, str(root), chunk, max_bytes)
                       for chunk in chunks]
            for future in futures:
                reads = future.result()
                done += 1
                for rel, ident, result, digest in reads:
                    yield rel, ident, None if result is None else _opened(result), digest
    except Exception:  # no pool here (or it broke): read the rest in this process
        for chunk in chunks[done:]:
            for rel in chunk:
                yield _read_one(root, rel, max_bytes)


# --------------------------------------------------------------------------- the class


@dataclass
class _Taken:
    """What the files gave the last assembly (kept so that a refresh of a few students'
    files updates it instead of walking every entry again)."""

    files: ParsedFiles
    problems: dict[str, tuple[Problem, ...]]  # path -> its own problems (non-empty only)


def _assemble(root: Path, found: _Folder, entries: Mapping[str, Entry],
              texts: Mapping[str, str], memo: CheckMemo | None = None,
              changed: set[str] | None = None, keep: list[_Taken] | None = None,
              checked: tuple[object, Mapping[str, list[Problem]]] | None = None
              ) -> LoadResult:
    """Put the files' results together (always in the same order) and check the class.
    ``keep``: gets what the files gave (see :func:`_assemble_again`). ``checked``: the
    curriculum checked from these entries and students' problems found with it (see
    :func:`_load_pooled`)."""
    problems: list[Problem] = []
    by_path: dict[str, tuple[Problem, ...]] = {}
    files = ParsedFiles(class_path=layout.CLASS_FILE)
    if checked is not None:
        files.part, files.prechecked = checked
    get = entries.get
    if memo is not None:
        files.changed = changed
        files.tokens = _Tokens(entries)
        files.grown = _Growths(entries)
        files.curriculum = tuple(
            (rel, entry.token if (entry := get(rel)) is not None else None)
            for rel in (layout.CLASS_FILE, *found.frameworks, *found.playlists))

    def take(rel: str) -> BaseModel | Lazy[Any] | None:
        entry = get(rel)
        if entry is None:
            return None
        result = entry.result
        if result.problems:
            problems.extend(result.problems)
            by_path[rel] = result.problems
        if result.model is None:
            files.unusable.add(rel)
            files.maybe_ids.update(result.maybe_ids)
        return result.model

    problems.extend(_folder_problems(root))
    files.class_file = cast("ClassFile | None", take(layout.CLASS_FILE))
    problems.extend(found.problems())
    for rel in found.frameworks:
        framework = take(rel)
        if framework is not None:
            files.frameworks.append((rel, cast(Framework, framework)))
    for rel in found.playlists:
        playlist = take(rel)
        if playlist is not None:
            files.playlists.append((rel, cast(Playlist, playlist)))
    files.student_folders = dict(found.students)
    student_files, teacher_files = files.student_files, files.teacher_files
    for sid, student_rel, teacher_rel in found.student_paths():
        student = take(student_rel)
        if student is not None:
            student_files[sid] = (student_rel, cast("StudentFile | Lazy[StudentFile]", student))
        teacher = take(teacher_rel)
        if teacher is not None:
            teacher_files[sid] = (teacher_rel, cast("TeacherFile | Lazy[TeacherFile]", teacher))
    if keep is not None:
        keep.append(_Taken(files, by_path))
    data, found_problems = build_class(files, _Locator(texts), memo)
    problems.extend(found_problems)
    problems.sort(key=Problem.sort_key)
    return LoadResult(data, problems, texts)


def _assemble_again(root: Path, found: _Folder, entries: Mapping[str, Entry],
                    texts: Mapping[str, str], memo: CheckMemo, changed: set[str],
                    last: _Taken, keep: list[_Taken]) -> LoadResult | None:
    """:func:`_assemble` after only students' files changed (``changed``; the curriculum,
    the lists of frameworks and playlists and the set of student folders are as at the
    last assembly ``last``): what the other files gave is taken from ``last`` instead of
    walking every entry again. The same result as :func:`_assemble`, problems in the same
    order; None when it cannot tell (the caller then assembles the whole class)."""
    old = last.files
    if old.student_folders != found.students:
        return None
    files = ParsedFiles(
        class_path=layout.CLASS_FILE, class_file=old.class_file,
        frameworks=list(old.frameworks), playlists=list(old.playlists),
        student_files=dict(old.student_files), teacher_files=dict(old.teacher_files),
        student_folders=dict(found.students), unusable=set(old.unusable),
        maybe_ids=set(old.maybe_ids), tokens=_Tokens(entries), curriculum=old.curriculum,
        changed=changed, grown=_Growths(entries))
    by_path = dict(last.problems)
    for rel in changed:
        parts = rel.split("/")
        if len(parts) != 3 or parts[0] != layout.STUDENTS_DIR or parts[1] not in found.students:
            return None
        sid = parts[1]
        if parts[2] == layout.STUDENT_FILE:
            target: dict[str, Any] = files.student_files
        elif parts[2] == layout.TEACHER_FILE:
            target = files.teacher_files
        else:
            return None
        by_path.pop(rel, None)
        files.unusable.discard(rel)
        target.pop(sid, None)
        entry = entries.get(rel)
        if entry is None:
            continue
        result = entry.result
        if result.maybe_ids:  # (only curriculum files have any)
            return None
        if result.problems:
            by_path[rel] = result.problems
        if result.model is None:
            files.unusable.add(rel)
        else:
            target[sid] = (rel, result.model)
    # The problems in the order _assemble takes them (the sort below is stable).
    problems: list[Problem] = []
    problems.extend(_folder_problems(root))
    problems.extend(by_path.get(layout.CLASS_FILE, ()))
    problems.extend(found.problems())
    for rel in (*found.frameworks, *found.playlists):
        problems.extend(by_path.get(rel, ()))
    students = [rel for rel in by_path if rel.startswith(layout.STUDENTS_DIR + "/")]
    students.sort(key=lambda rel: (rel.split("/")[1], not rel.endswith(layout.STUDENT_FILE)))
    for rel in students:
        problems.extend(by_path[rel])
    keep.append(_Taken(files, by_path))
    data, found_problems = build_class(files, _Locator(texts), memo)
    problems.extend(found_problems)
    problems.sort(key=Problem.sort_key)
    return LoadResult(data, problems, texts)


class _Tokens(Mapping[str, object]):
    """Path -> the token of the entry kept for it (a view: nothing is copied)."""

    __slots__ = ("entries",)

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self.entries = entries

    def __getitem__(self, rel: str) -> object:
        return self.entries[rel].token

    def get(self, rel: str, default: object = None) -> object:
        entry = self.entries.get(rel)
        return default if entry is None else entry.token

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


class _Growths(Mapping[str, "Growth | None"]):
    """Path -> how the entry kept for it grew (see Entry.growth; a view, as _Tokens)."""

    __slots__ = ("entries",)

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self.entries = entries

    def __getitem__(self, rel: str) -> Growth | None:
        return self.entries[rel].growth

    def get(self, rel: str, default: object = None) -> Any:
        entry = self.entries.get(rel)
        return default if entry is None else entry.growth

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def load_class(root: Path | str, max_bytes: int = layout.MAX_FILE_BYTES) -> LoadResult:
    """Read, parse and check every file of the class folder now."""
    root = Path(root)
    with _gc_paused():
        found = _scan(root)
        rels = found.files()
        workers = _workers()
        if workers >= 2 and len(rels) >= POOL_MIN_FILES:
            return _load_pooled(root, found, max_bytes, workers)
        entries: dict[str, Entry] = {}
        for rel, _, result, _ in read_many(root, rels, max_bytes):
            if result is not None:
                entries[rel] = Entry(None, result)
        # (texts read again only for problems found across files: keeping every text
        # would double the memory a large class takes)
        return _assemble(root, found, entries, _DiskTexts(root, max_bytes))


_PART: object | None = None
"""In a worker of :func:`_load_pooled`'s pool: the curriculum checked (see
:func:`_worker_start`). Never set in the process that loads."""
_NUMBERS: dict[str, int] | None = None
"""In a worker of :func:`_load_pooled`'s pool: the curriculum's activity references,
numbered (see :func:`_worker_start`)."""
_TICKABLE: dict[str, int] | None = None
"""Those of :data:`_NUMBERS` that are valid activity references (as a tick's key is
checked: all of them, unless a curriculum could name an activity otherwise): a tick's
key found here needs no check (see :func:`_stamped`)."""


def _curriculum_files(entries: Mapping[str, Entry], found: _Folder) -> ParsedFiles:
    """The curriculum part of what :func:`_assemble` puts together (the same models)."""
    files = ParsedFiles(class_path=layout.CLASS_FILE)
    for rel in (layout.CLASS_FILE, *found.frameworks, *found.playlists):
        entry = entries.get(rel)
        if entry is None:
            continue
        model = entry.result.model
        if model is None:
            files.unusable.add(rel)
            files.maybe_ids.update(entry.result.maybe_ids)
        elif rel == layout.CLASS_FILE:
            files.class_file = cast(ClassFile, model)
        elif rel in found.frameworks:
            files.frameworks.append((rel, cast(Framework, model)))
        else:
            files.playlists.append((rel, cast(Playlist, model)))
    return files


def _read_ticks_apart(root: Path, rel: str, max_bytes: int, numbers: Mapping[str, int]
                      ) -> tuple[Read, PackedTicks | None]:
    """In a worker: :func:`_read_one` of a student's file (not interned), and when its
    ticks are a run of plain UTC time stamps (see ``tomlparse.loads_stamped``) of the
    curriculum's activities (``numbers``), its model made without them and the ticks
    packed apart, no ``datetime`` made: what :func:`_ticks_packed` gives of the ticks
    of the model :func:`_read_one` makes, and that model without its ticks. None
    instead of the ticks: the read is :func:`_read_one`'s."""
    raw, ident, parsed = _read_bytes(root, rel, max_bytes)
    if raw is None:
        return _made(rel, parsed, None, None, False), None
    stamped = _stamped(rel, raw, max_bytes, numbers)
    if stamped is None:
        return _made(rel, parse_bytes(rel, raw, max_bytes), ident, raw, False), None
    text, model, ticks = stamped
    digest = (len(raw), _hash(raw), tomlparse.lines_stand_alone(text))
    return (rel, ident, FileResult(model, ()), digest), ticks


def _stamped(rel: str, raw: bytes, max_bytes: int, numbers: Mapping[str, int]
             ) -> tuple[str, StudentFile, PackedTicks] | None:
    """A student's file's text, model without its ticks, and ticks packed (see
    :func:`_read_ticks_apart`); None when any of it is not certain to be what the usual
    read gives: the only run is the ticks, every key is one of ``numbers`` (the
    curriculum's activity references that are valid ones, see :data:`_TICKABLE`: so the
    model's ticks would be kept as they are, and the checks find nothing in them), no
    conflict marker (none in the rest of the text: a run's lines cannot hold one, so the
    text has one exactly when the rest has; with one, the usual read reports it), and
    the rest of the model valid as it is."""
    text, _ = decode(rel, raw, max_bytes)
    if text is None:
        return None
    made = tomlparse.loads_stamped(text)
    if made is None:
        return None
    data, rest, runs = made
    stamps = runs.get("ticks")
    if stamps is None or len(runs) != 1 or conflict_problem(rel, rest) is not None:
        return None
    keys, days, seconds = stamps
    try:
        numbered = array("I", map(numbers.__getitem__, keys))
    except KeyError:  # (not an activity of the curriculum: the checks may warn)
        return None
    try:
        model = StudentFile.model_validate(data)
    except ValidationError:  # (the usual read reports it, placed in the file)
        return None
    return text, model, (numbered, days, seconds)


def _read_students(root: str, students: tuple[tuple[str, str, str], ...], max_bytes: int
                   ) -> tuple[list[Read], dict[str, list[Problem]]]:
    """In a worker process: read the files of a chunk of students (as :func:`_read_chunk`)
    and, when the curriculum is known here (:data:`_PART`, given to every worker when it
    starts: see :func:`_worker_start`), check each student as build_class would (the
    same function, the models just made; problems placed from the files on disk, as the
    parent places them)."""
    folder = Path(root)
    with _gc_paused():
        reads: list[Read] = []
        checked: dict[str, list[Problem]] = {}
        locate = _Locator(_DiskTexts(folder, max_bytes))
        packs: dict[str, PackedTicks] = {}
        for sid, student_rel, teacher_rel in students:
            if _TICKABLE is not None:
                student, ticks = _read_ticks_apart(folder, student_rel, max_bytes, _TICKABLE)
                if ticks is not None:
                    packs[student_rel] = ticks
            else:
                student = _read_one(folder, student_rel, max_bytes, intern=False)
            teacher = _read_one(folder, teacher_rel, max_bytes, intern=False)
            if _PART is not None:
                student_result, teacher_result = student[2], teacher[2]
                student_file = (student_result.model if student_result is not None
                                and student_result.model is not None else EMPTY_STUDENT_FILE)
                teacher_file = (teacher_result.model if teacher_result is not None
                                and teacher_result.model is not None else EMPTY_TEACHER_FILE)
                checked[sid] = check_files(
                    _PART, locate, student_rel, cast(StudentFile, student_file), teacher_rel,
                    cast(TeacherFile, teacher_file),
                    student_result is not None and student_result.model is None)
            reads += (student, teacher)
        return ([(rel, ident, _packed(result, _NUMBERS, packs.get(rel)), digest)
                 if result is not None else (rel, ident, result, digest)
                 for rel, ident, result, digest in reads], checked)


def _worker_start(part: object, refs: tuple[str, ...]) -> None:
    """Starts each worker of :func:`_load_pooled`'s pool: the checked curriculum, so the
    worker checks the students it reads, and its activity references in the parent's
    order, by which the worker numbers the ticks' keys (see :func:`_ticks_packed`);
    whether the worker is a fork of this process (then nothing is pickled) or comes
    from a fork server (both pickled once for each worker)."""
    global _PART, _NUMBERS, _TICKABLE
    _PART = part
    _NUMBERS = {ref: number for number, ref in enumerate(refs)}
    _TICKABLE = {ref: number for ref, number in _NUMBERS.items() if valid_refs((ref,))}


def _load_pooled(root: Path, found: _Folder, max_bytes: int, workers: int) -> LoadResult:
    """:func:`load_class` of many files: the curriculum read and checked here first, then
    each student's files read, parsed and checked by a pool of processes (given the
    checked curriculum: see :func:`read_checked`), so this process neither makes nor
    checks students' models. The result is that of reading and checking every file here
    (the same functions run; only where differs)."""
    entries: dict[str, Entry] = {}
    for rel in (layout.CLASS_FILE, *found.frameworks, *found.playlists):
        rel, _, result, _ = _read_one(root, rel, max_bytes)
        if result is not None:
            entries[rel] = Entry(None, result)
    texts = _DiskTexts(root, max_bytes)
    part = curriculum(_curriculum_files(entries, found), _Locator(texts))
    reads, checked = read_checked(root, found.student_paths(), max_bytes, workers, part)
    for rel, _, result, _ in reads:
        if result is not None:
            entries[rel] = Entry(None, result)
    return _assemble(root, found, entries, texts, checked=(part, checked))


def read_checked(root: Path, students: list[tuple[str, str, str]], max_bytes: int,
                 workers: int, part: object) -> tuple[list[Read], dict[str, list[Problem]]]:
    """Read each of these students' two files (id, student.toml, teacher.toml) in a pool
    of processes, and check them there with the checked curriculum ``part`` (each worker
    gets it when it starts, whatever the start method: see :func:`_worker_start`), as
    build_class would: the reads, and each student's problems by id. Anything wrong
    with the pool (it cannot start, a worker dies) and the students it did not give are
    read here and not checked (build_class checks them)."""
    size = max(1, _CHUNK_FILES // 2)  # (students a chunk)
    chunks = [tuple(students[i:i + size]) for i in range(0, len(students), size)]
    checked: dict[str, list[Problem]] = {}
    out: list[Read] = []
    done = 0
    # (interned: a tick's key is made one of these strings here, see _unpacked)
    refs = tuple(sorted(map(sys.intern, activity_refs(part))))
    try:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(),
                                 initializer=_worker_start, initargs=(part, refs)) as pool:
            futures = [pool.submit(_read_students, str(root), chunk, max_bytes)
                       for chunk in chunks]
            for future in futures:
                reads, found_problems = future.result()
                done += 1
                checked.update(found_problems)
                out += [(rel, ident, None if result is None else _opened(result, refs), digest)
                        for rel, ident, result, digest in reads]
    except Exception:  # no pool here (or it broke): read the rest in this process
        for chunk in chunks[done:]:
            for _, student_rel, teacher_rel in chunk:
                out += (_read_one(root, student_rel, max_bytes),
                        _read_one(root, teacher_rel, max_bytes))
    return out, checked


# --------------------------------------------------------------------------- incremental


class Entry:
    """A file's result and the identity of the bytes it came from (None: the result must
    not be reused, because the file was changing when it was read). ``token`` names this
    version of the file for the checks (the identity, or a value of its own); ``blob``
    is where the cache keeps a student's file (see playlist_tui.store.cache)."""

    __slots__ = ("blob", "digest", "growth", "ident", "result", "token")

    def __init__(self, ident: Ident | None, result: FileResult,
                 blob: tuple[str, str] | None = None, digest: Digest | None = None,
                 growth: Growth | None = None) -> None:
        self.ident = ident
        self.result = result
        self.token: object = ident if ident is not None else object()
        self.blob = blob
        self.digest = digest
        """For a student's file without problems: its size and the hash of its bytes, so
        that the file grown by new lines can be read by reading only them (_grown)."""
        self.growth = growth
        """For a file read as grown (_grown): the token of the version it grew from, the
        table that grew and the new keys (not kept in the cache)."""


def _normalize(root: Path, path: str | os.PathLike[str]) -> str | None:
    """A changed path as a class-folder path with ``/``; None if it is outside the folder."""
    if Path(path).is_absolute():
        try:
            path = Path(path).relative_to(root)
        except ValueError:
            return None
    pure = PurePosixPath(str(path).replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts:
        return None
    return pure.as_posix()


class FolderLoader:
    """Loads one class folder and keeps each file's result with the file's identity.

    ``load()`` looks at the whole folder again and re-reads only the files whose identity
    changed (``known`` may add results kept from an earlier run: the persistent cache);
    ``refresh(changed)`` re-reads only the given paths (and looks again at the folders
    they are in, so added, deleted and renamed files are seen) and reuses everything
    else. Both then check the whole class again, reusing the checks of every student whose
    files did not change. The result is always the same as :func:`load_class` on the same
    files. Not thread-safe: the store calls it under a lock.
    """

    def __init__(self, root: Path, max_bytes: int = layout.MAX_FILE_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.entries: dict[str, Entry] = {}
        self.fresh: dict[str, Entry] = {}
        """Entries read since the last :meth:`take_fresh` (for the persistent cache)."""
        self.folder: _Folder | None = None
        self.memo = CheckMemo()
        self._taken: _Taken | None = None

    def checks(self) -> tuple[bytes | None, dict[str, tuple[StudentKey, list[Problem]]]]:
        """The results of the per-student checks, to keep in the cache."""
        return self.memo.export()

    def take_fresh(self) -> dict[str, Entry]:
        fresh, self.fresh = self.fresh, {}
        return fresh

    def _read_entries(self, rels: list[str], previous: Mapping[str, Entry] | None = None
                      ) -> dict[str, Entry]:
        """Read these files now (in a pool of processes when there are many). A student's
        file that only gained lines since its ``previous`` entry was read is read by
        reading the new lines only (see :func:`_grown`)."""
        out: dict[str, Entry] = {}
        rest = rels
        if previous:
            rest = []
            for rel in rels:
                before = previous.get(rel)
                grown = (_grown(self.root, rel, before, self.max_bytes)
                         if before is not None and before.digest is not None else None)
                if grown is None:
                    rest.append(rel)
                else:
                    out[rel] = self.fresh[rel] = grown
        for rel, ident, result, digest in read_many(self.root, rest, self.max_bytes):
            if result is not None:
                out[rel] = self.fresh[rel] = Entry(ident, result, digest=digest)
        return out


    def _unchanged(self, rel: str, previous: Entry | None) -> bool:
        if previous is not None and previous.ident is not None:
            try:
                st = os.lstat(os.path.join(self.root, rel))
            except OSError:
                return False
            return _ident(st) == previous.ident
        return False

    def _assemble(self, changed: set[str] | None = None, students_only: bool = False,
                  checked: tuple[object, Mapping[str, list[Problem]]] | None = None
                  ) -> LoadResult:
        """``students_only``: only the students' files in ``changed`` changed (not the
        curriculum, the lists of files or the set of student folders). ``checked``: see
        :func:`_assemble`."""
        assert self.folder is not None
        texts = _DiskTexts(self.root, self.max_bytes)
        keep: list[_Taken] = []
        last, self._taken = self._taken, None
        result = None
        if students_only and last is not None and changed is not None:
            result = _assemble_again(self.root, self.folder, self.entries, texts,
                                     self.memo, changed, last, keep)
        if result is None:
            keep.clear()
            result = _assemble(self.root, self.folder, self.entries, texts, self.memo,
                               changed, keep, checked)
        self._taken = keep[0] if keep else None
        return result

    def load(self, known: Mapping[str, Entry] | None = None,
             checks: tuple[bytes | None, dict[str, tuple[StudentKey, list[Problem]]]]
             | None = None) -> LoadResult:
        """``known``: entries kept from an earlier run; ``checks``: the per-student check
        results kept with them (used only where the files' tokens are the same)."""
        if checks is not None and self.memo.context is None:
            self.memo.seed(*checks)
        with _gc_paused():
            folder = _scan(self.root)
            kept: dict[str, Entry] = {}
            misses: list[str] = []
            stale: dict[str, Entry] = {}  # what a file that changed gave before
            files = folder.files()
            for rel in files:
                previous = self.entries.get(rel)
                if previous is None and known is not None:
                    previous = known.get(rel)
                if previous is not None and self._unchanged(rel, previous):
                    kept[rel] = previous
                else:
                    misses.append(rel)
                    if previous is not None:
                        stale[rel] = previous
            read, checked = self._read_missed(folder, kept, misses, stale)
            entries: dict[str, Entry] = {}
            for rel in files:  # in the folder's order, as before
                entry = kept.get(rel) or read.get(rel)
                if entry is not None:
                    entries[rel] = entry
            self.folder, self.entries = folder, entries
            return self._assemble(checked=checked)

    def _read_missed(self, folder: _Folder, kept: Mapping[str, Entry], misses: list[str],
                     stale: Mapping[str, Entry]
                     ) -> tuple[dict[str, Entry], tuple[object, dict[str, list[Problem]]] | None]:
        """:meth:`_read_entries` of ``misses``; when they are many, the students both of
        whose files are to be read whole (not grown: see :func:`_grown`) are read and
        checked in a pool (see :func:`read_checked`: the curriculum is read and checked
        here first), so that this process does not check them again: then also the
        curriculum checked and those students' problems, for build_class."""
        workers = _workers()
        if workers < 2 or len(misses) < POOL_MIN_FILES:
            return self._read_entries(misses, stale), None
        top = (layout.CLASS_FILE, *folder.frameworks, *folder.playlists)
        missed = set(misses)
        read: dict[str, Entry] = {}
        for rel in top:  # (a few files: read here)
            if rel in missed:
                rel, ident, result, digest = _read_one(self.root, rel, self.max_bytes)
                if result is not None:
                    read[rel] = self.fresh[rel] = Entry(ident, result, digest=digest)
        for rel in misses:  # the grown files first, as _read_entries reads them
            before = stale.get(rel)
            if before is not None and before.digest is not None and rel not in read:
                grown = _grown(self.root, rel, before, self.max_bytes)
                if grown is not None:
                    read[rel] = self.fresh[rel] = grown
        students = [paths for paths in folder.student_paths()
                    if {paths[1], paths[2]} <= missed and not read.keys() & paths[1:]]
        if 2 * len(students) < POOL_MIN_FILES:
            read.update(self._read_entries([rel for rel in misses if rel not in read]))
            return read, None
        at_hand = {rel: entry for rel in top
                   if (entry := kept.get(rel) or read.get(rel)) is not None}
        tokens = tuple((rel, entry.token if (entry := at_hand.get(rel)) is not None else None)
                       for rel in top)  # (as _assemble tells build_class: files.curriculum)
        memo = self.memo
        part: object
        if memo.part is not None and memo.curriculum == tokens:
            part = memo.part  # (the one build_class will use: then it takes the checks)
        else:
            part = curriculum(_curriculum_files(at_hand, folder),
                              _Locator(_DiskTexts(self.root, self.max_bytes)))
        pooled = {rel for _, student_rel, teacher_rel in students
                  for rel in (student_rel, teacher_rel)}
        read.update(self._read_entries(
            [rel for rel in misses if rel not in read and rel not in pooled]))
        reads, checked = read_checked(self.root, students, self.max_bytes, workers, part)
        for rel, ident, result, digest in reads:
            if result is not None:
                read[rel] = self.fresh[rel] = Entry(ident, result, digest=digest)
        return read, (part, checked)

    def refresh(self, changed: Iterable[str | os.PathLike[str]]) -> LoadResult:
        if self.folder is None:
            return self.load()
        with _gc_paused():
            return self._refresh(changed)

    def _refresh(self, changed: Iterable[str | os.PathLike[str]]) -> LoadResult:
        assert self.folder is not None
        folder = self.folder
        reread: set[str] = set()
        lists: set[str] = set()  # frameworks/ and playlists/, to list again
        student_entries: set[str] = set()  # names in students/, to look at again
        for raw in changed:
            rel = _normalize(self.root, raw)
            if rel is None:
                continue
            parts = rel.split("/")
            if rel in ("", ".") or rel == layout.STUDENTS_DIR:
                return self.load()
            if rel == layout.CLASS_FILE:
                reread.add(rel)
            elif parts[0] in (layout.FRAMEWORKS_DIR, layout.PLAYLISTS_DIR):
                lists.add(parts[0])
                reread.add(rel)
            elif parts[0] == layout.STUDENTS_DIR:
                student_entries.add(parts[1])
                reread.add(rel)
        entries = self.entries
        stale: dict[str, Entry] = {}  # what a file that changed gave before
        for rel in reread:  # every path the caller says changed is read again, whatever
            before = entries.pop(rel, None)  # its identity says (see RACY_NS)
            if before is not None:
                stale[rel] = before
        for name in student_entries:
            folder.set_student_entry(self.root, name)
        for top in lists:
            folder.relist(self.root, top)
        touched = [layout.CLASS_FILE] if layout.CLASS_FILE in reread else []
        for top in lists:
            touched += folder.frameworks if top == layout.FRAMEWORKS_DIR else folder.playlists
        for name in student_entries:
            if name in folder.students:
                touched += [f"{layout.STUDENTS_DIR}/{name}/{layout.STUDENT_FILE}",
                            f"{layout.STUDENTS_DIR}/{name}/{layout.TEACHER_FILE}"]
        entries.update(self._read_entries(
            [rel for rel in dict.fromkeys(touched) if rel not in entries], stale))
        # Forget files that are no longer part of the class (deleted or moved away).
        for top in lists:
            listed = set(folder.frameworks if top == layout.FRAMEWORKS_DIR else folder.playlists)
            for rel in [r for r in entries if r.startswith(top + "/") and r not in listed]:
                del entries[rel]
        for name in student_entries:
            if name not in folder.students:
                prefix = f"{layout.STUDENTS_DIR}/{name}/"
                for rel in [r for r in entries if r.startswith(prefix)]:
                    del entries[rel]
        # What the checks must look at again: every path read again or looked at.
        students_only = not lists and layout.CLASS_FILE not in reread and all(
            rel.startswith(layout.STUDENTS_DIR + "/") for rel in reread)
        return self._assemble(changed=reread | set(touched), students_only=students_only)
