"""Load a whole class folder into a :class:`ClassData` and a list of problems.

One broken file never stops the rest: a file that cannot be read or parsed is reported
and left out; a file with a few bad entries keeps its good ones. Nothing here writes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from playlist_tui.model.check import ParsedFiles, build_class
from playlist_tui.model.errors import validate_lenient
from playlist_tui.model.files import ClassFile, Framework, Playlist, StudentFile, TeacherFile
from playlist_tui.model.ids import id_error
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Loc, Problem, Severity
from playlist_tui.store import layout
from playlist_tui.store.reading import Parsed, parse_bytes
from playlist_tui.store.tomlpos import Positions, scan

M = TypeVar("M", bound=BaseModel)


@dataclass
class LoadResult:
    data: ClassData
    problems: list[Problem]
    texts: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.ERROR]


class _Locator:
    """Positions of keys in the texts read, scanned lazily (only files with problems)."""

    def __init__(self, texts: dict[str, str]) -> None:
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


def _list_toml(folder: Path) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(folder)
                      if e.name.endswith(".toml") and not e.name.startswith(".")
                      and e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []


def discover(root: Path) -> tuple[list[str], list[str], dict[str, str], list[Problem]]:
    """Relative paths of frameworks and playlists, student folders by id, and problems."""
    problems: list[Problem] = []
    frameworks = [f"{layout.FRAMEWORKS_DIR}/{n}" for n in _list_toml(root / layout.FRAMEWORKS_DIR)]
    playlists = [f"{layout.PLAYLISTS_DIR}/{n}" for n in _list_toml(root / layout.PLAYLISTS_DIR)]
    students: dict[str, str] = {}
    try:
        entries = sorted(os.scandir(root / layout.STUDENTS_DIR), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        entries = []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        folder = f"{layout.STUDENTS_DIR}/{entry.name}"
        problem = id_error(entry.name)
        if problem is not None:
            problems.append(Problem(folder, 1, 1, f"student folder name: {problem}",
                                    "name the folder after the student's id"))
            continue
        students[entry.name] = folder
        for name in _list_toml(Path(entry.path)):
            if name not in (layout.STUDENT_FILE, layout.TEACHER_FILE):
                problems.append(Problem(
                    f"{folder}/{name}", 1, 1, f"unexpected file {name!r} in a student folder",
                    f"a student folder holds {layout.STUDENT_FILE} and {layout.TEACHER_FILE}",
                    Severity.WARNING))
    return frameworks, playlists, students, problems


def read_file(root: Path, rel: str, max_bytes: int = layout.MAX_FILE_BYTES) -> Parsed | None:
    """Read and parse one file; None if it does not exist."""
    try:
        with open(root / rel, "rb") as handle:
            raw = handle.read(max_bytes + 1)
            if len(raw) > max_bytes:
                size = os.fstat(handle.fileno()).st_size
                return Parsed(rel, None, None, [Problem(
                    rel, 1, 1, f"the file is {size:,} bytes, more than the limit of "
                    f"{max_bytes:,}",
                    "class files are small text files; split it, or check that this is "
                    "the right file")])
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Parsed(rel, None, None, [Problem(rel, 1, 1, f"cannot read the file: "
                                                f"{exc.strerror or exc}",
                                                "check the file's permissions")])
    return parse_bytes(rel, raw, max_bytes)


def validate_file(parsed: Parsed, model: type[M], locate: Callable[[str, Loc], tuple[int, int]]
                  ) -> tuple[M | None, list[Problem]]:
    if parsed.data is None:
        return None, list(parsed.problems)
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


def load_class(root: Path | str, max_bytes: int = layout.MAX_FILE_BYTES) -> LoadResult:
    root = Path(root)
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    locate = _Locator(texts)
    files = ParsedFiles(class_path=layout.CLASS_FILE)

    def load(rel: str, model: type[M]) -> M | None:
        parsed = read_file(root, rel, max_bytes)
        if parsed is None:
            return None
        if parsed.text is not None:
            texts[rel] = parsed.text
        instance, found = validate_file(parsed, model, locate)
        problems.extend(found)
        if instance is None:
            files.unusable.add(rel)
            files.maybe_ids.update(_ids_in(parsed.text or "", rel))
        return instance

    if not root.is_dir():
        problems.append(Problem(str(root), 1, 1, "this class folder does not exist",
                                "give the path of a folder that holds class.toml"))
    elif not (root / layout.CLASS_FILE).exists():
        problems.append(Problem(layout.CLASS_FILE, 1, 1, "there is no class.toml here",
                                "a class folder starts with a class.toml (see docs/formats.md)"))
    files.class_file = load(layout.CLASS_FILE, ClassFile)
    framework_paths, playlist_paths, students, found = discover(root)
    problems.extend(found)
    for rel in framework_paths:
        framework = load(rel, Framework)
        if framework is not None:
            files.frameworks.append((rel, framework))
    for rel in playlist_paths:
        playlist = load(rel, Playlist)
        if playlist is not None:
            files.playlists.append((rel, playlist))
    files.student_folders = students
    for sid, folder in students.items():
        rel = f"{folder}/{layout.STUDENT_FILE}"
        student = load(rel, StudentFile)
        if student is not None:
            files.student_files[sid] = (rel, student)
        rel = f"{folder}/{layout.TEACHER_FILE}"
        teacher = load(rel, TeacherFile)
        if teacher is not None:
            files.teacher_files[sid] = (rel, teacher)
    data, found = build_class(files, locate)
    problems.extend(found)
    problems.sort(key=Problem.sort_key)
    return LoadResult(data, problems, texts)
