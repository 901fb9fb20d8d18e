"""Build a :class:`ClassData` from parsed files and check every cross-reference.

Pure: positions come from a ``locate(path, loc)`` callback supplied by the store, so this
module never reads a file. Duplicates keep the first definition and name both places;
dangling references are reported and ignored by the engine, so the rest keeps working.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from playlist_tui.model.files import (
    FORMAT_VERSION,
    ClassFile,
    Framework,
    MasteredUnlock,
    Playlist,
    Result,
    Scale,
    StudentFile,
    TeacherFile,
)
from playlist_tui.model.graph import cycles
from playlist_tui.model.ids import split_ref
from playlist_tui.model.klass import (
    EMPTY_STUDENT_FILE,
    EMPTY_TEACHER_FILE,
    ClassData,
    Lazy,
    RecordCell,
    Records,
)
from playlist_tui.model.problems import Loc, Problem, Severity

Locate = Callable[[str, Loc], tuple[int, int]]


@dataclass
class ParsedFiles:
    """What the store could parse: each model with the path it came from.

    A student's files may be given as :class:`Lazy` models (made only if a check needs
    them). ``tokens`` (optional) names the version of each file read: two equal tokens
    mean the same bytes (see :class:`CheckMemo`)."""

    class_path: str = "class.toml"
    class_file: ClassFile | None = None
    frameworks: list[tuple[str, Framework]] = field(default_factory=list)
    playlists: list[tuple[str, Playlist]] = field(default_factory=list)
    student_files: dict[str, tuple[str, StudentFile | Lazy[StudentFile]]] = field(
        default_factory=dict)
    teacher_files: dict[str, tuple[str, TeacherFile | Lazy[TeacherFile]]] = field(
        default_factory=dict)
    student_folders: dict[str, str] = field(default_factory=dict)  # id -> folder path
    unusable: set[str] = field(default_factory=set)  # paths that exist but could not be used
    maybe_ids: set[str] = field(default_factory=set)  # ids that unusable files seem to define
    tokens: Mapping[str, object] = field(default_factory=dict)  # path -> version of its bytes
    curriculum: tuple[object, ...] | None = None
    """Changes whenever class.toml or a framework or playlist file changes (None: unknown)."""
    changed: set[str] | None = None
    """The paths read again since the last build with the same memo (None: unknown)."""
    grown: Mapping[str, Growth | None] = field(default_factory=dict)
    """Path -> how a student's file that was read as grown differs from its version
    before (see :data:`Growth`); a path not there was read whole or not read."""
    part: object | None = None
    """The curriculum already checked (:func:`curriculum`, from these same curriculum
    files), or None: :func:`build_class` checks it."""
    prechecked: Mapping[str, list[Problem]] = field(default_factory=dict)
    """Student id -> what :func:`check_files` gave for that student's files, with
    ``part``, where the files were read (a worker process): not checked again."""


Growth = tuple[object, str, frozenset[str]]
"""A file that only gained entries: the token of the version it grew from, the name of
the table that gained them (``ticks``) and their keys. The store tells this only when it
is certain (playlist_tui.store.loader._grown)."""

_PER_ENTRY = ("ticks", "notes")
"""Tables of a student's file whose entries are checked each on its own (an activity
reference that names a known activity gives no problem), and that no other check reads
(the teacher's file is checked against the student's requests only)."""


StudentKey = tuple[object, ...]


@dataclass
class CheckMemo:
    """The per-student results of the last :func:`build_class`, to reuse in the next one.

    A student's checks depend only on their two files and on a *context*: the class path,
    the playlists' and activities' ids, the known competency ids and their scales, the
    ids of unusable files and the teacher ids. The context is kept as a digest of exactly
    these values. When the digest is the same as last time and both of a student's files
    have the same tokens (the same bytes, so the same positions too), the problems found
    then are reused as they are, without making the student's models. The store keeps one
    per class folder (and in its cache between runs), so a change to one student file
    re-checks one student, and opening a large class checks nobody again.
    """

    context: bytes | None = None
    curriculum: tuple[object, ...] | None = None  # what ``context`` was worked out from
    part: _Curriculum | None = None  # the curriculum's part of the last build
    students: dict[str, tuple[StudentKey, list[Problem], RecordCell | None]] = field(
        default_factory=dict)
    # The last build's students, for a rebuild after a change to a few of them.
    cells: dict[str, RecordCell] | None = None
    folders: dict[str, str] | None = None
    student_sources: dict[tuple[str, str], str] = field(default_factory=dict)
    with_problems: list[str] = field(default_factory=list)  # in order
    data: ClassData | None = None  # the last build's class (see ClassData.carry_over)

    def seed(self, context: bytes | None,
             students: dict[str, tuple[StudentKey, list[Problem]]]) -> None:
        self.context = context
        self.students = {sid: (key, problems, None) for sid, (key, problems) in students.items()}
        self.cells = None

    def export(self) -> tuple[bytes | None, dict[str, tuple[StudentKey, list[Problem]]]]:
        """What can be kept between runs: entries whose tokens are plain values."""
        kept = {sid: (key, problems) for sid, (key, problems, _) in self.students.items()
                if all(t is None or type(t) is tuple for t in key[:2])}
        return self.context, kept



class _Reporter:
    def __init__(self, locate: Locate) -> None:
        self.locate = locate
        self.problems: list[Problem] = []

    def add(self, path: str, loc: Loc, message: str, hint: str = "",
            severity: Severity = Severity.ERROR) -> None:
        line, col = self.locate(path, loc)
        self.problems.append(Problem(path, line, col, message, hint, severity))

    def where(self, path: str, loc: Loc) -> str:
        line, col = self.locate(path, loc)
        return f"{path}:{line}:{col}"


def _unknown(kind: str, value: str, known: Iterable[str]) -> tuple[str, str]:
    import difflib

    close = difflib.get_close_matches(value, list(known), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"check the spelling or add the {kind}"
    return f"unknown {kind} {value!r}", hint


@dataclass
class _Curriculum:
    """What class.toml, the frameworks and the playlists give, checked: the part of
    :func:`build_class` that does not depend on students' files."""

    info: ClassFile
    roster: bool  # class.toml gave a roster (students' folders are checked against it)
    frameworks: dict[str, Framework]
    playlists: dict[str, Playlist]
    sources: dict[tuple[str, str], str]
    student_ids: set[str]
    checks: _StudentChecks
    problems: list[Problem]


def build_class(files: ParsedFiles, locate: Locate, memo: CheckMemo | None = None
                ) -> tuple[ClassData, list[Problem]]:
    """The class and its problems. ``memo`` (optional) makes a rebuild after a small change
    cheap: see :class:`CheckMemo`; the result is the same with or without it."""
    part = None
    if memo is not None and files.curriculum is not None and files.curriculum == memo.curriculum:
        part = memo.part
    if part is None:
        part = (files.part if isinstance(files.part, _Curriculum)
                else _build_curriculum(files, locate))
    prechecked = files.prechecked if part is files.part else {}
    r = _Reporter(locate)
    r.problems.extend(part.problems)
    cp = files.class_path
    info, frameworks, playlists = part.info, part.frameworks, part.playlists
    sources = dict(part.sources)
    student_ids = part.student_ids
    checks = part.checks

    # ---- student folders
    reuse = False
    previous_students: dict[str, tuple[StudentKey, list[Problem], RecordCell | None]] = {}
    previous_part = memo.part if memo is not None else None
    if memo is not None:
        curriculum = files.curriculum
        if curriculum is None or curriculum != memo.curriculum or memo.context is None:
            context = checks.digest(cp)
        else:
            context = memo.context
        reuse = memo.context == context
        memo.context, memo.curriculum, memo.part = context, curriculum, part
        previous_students = memo.students
    kept: dict[str, tuple[StudentKey, list[Problem], RecordCell | None]] = {}
    student_sources: dict[tuple[str, str], str] = {}
    tokens = files.tokens
    unusable = files.unusable

    def check_student(sid: str, folder: str) -> tuple[list[Problem], RecordCell]:
        """One student's checks (or what the memo kept of them), and their record."""
        found = files.student_files.get(sid)
        student_path, student_item = found or (f"{folder}/student.toml", EMPTY_STUDENT_FILE)
        found_teacher = files.teacher_files.get(sid)
        teacher_path, teacher_item = found_teacher or (f"{folder}/teacher.toml",
                                                       EMPTY_TEACHER_FILE)
        student_lazy = student_item if isinstance(student_item, Lazy) else Lazy(student_item)
        teacher_lazy = teacher_item if isinstance(teacher_item, Lazy) else Lazy(teacher_item)
        student_sources[("student", sid)] = student_path
        student_sources[("teacher", sid)] = teacher_path
        unknown_folder = part.roster and sid not in student_ids
        student_unusable = student_path in unusable
        has_student, has_teacher = found is not None, found_teacher is not None
        key: StudentKey = (
            tokens.get(student_path) if has_student else None,
            tokens.get(teacher_path) if has_teacher else None,
            folder, student_path, teacher_path, has_student, has_teacher, unknown_folder,
            student_unusable)
        known = (memo is not None and (not has_student or key[0] is not None)
                 and (not has_teacher or key[1] is not None))
        if reuse and known:
            previous = previous_students.get(sid)
            if previous is not None and previous[0] == key:
                cell = previous[2]
                if cell is None or cell.student is not student_lazy or (
                        cell.teacher is not teacher_lazy):
                    cell = RecordCell(student_lazy, teacher_lazy)
                kept[sid] = (key, previous[1], cell)
                return previous[1], cell
            if previous is not None and not previous[1] and _grew_clean(
                    previous[0], key, files.grown.get(student_path), checks):
                # Without a problem before, and only new ticks or notes of known
                # activities since: still without a problem (the models are not made).
                cell = RecordCell(student_lazy, teacher_lazy)
                kept[sid] = (key, [], cell)
                return [], cell
        s = _Reporter(locate)
        if unknown_folder:
            where = (student_path if has_student
                     else teacher_path if has_teacher else folder)
            s.add(where, (),
                  f"the folder {folder}/ belongs to no student in the roster",
                  f"add a student with id = \"{sid}\" to {cp}, or rename the folder")
        done = prechecked.get(sid)
        if done is not None:
            s.problems.extend(done)
        else:
            # peek: the models are made for the check and not kept (a class of 5,000
            # students whose files come packed from the pool or the cache is checked one
            # at a time)
            student_file = student_lazy.peek(quick=True)
            s.problems.extend(check_files(part, locate, student_path, student_file,
                                          teacher_path, teacher_lazy.peek(quick=True),
                                          student_unusable))
        cell = RecordCell(student_lazy, teacher_lazy)
        if known:
            kept[sid] = (key, s.problems, cell)
        return s.problems, cell

    # After a change to a few students' files only (the loader says which paths it read
    # again), everybody else's results are reused without looking at them one by one.
    changed = files.changed
    fast = (memo is not None and reuse and part is previous_part and changed is not None
            and memo.cells is not None and memo.folders == files.student_folders)
    if fast and memo is not None and memo.cells is not None and changed is not None:
        cells = dict(memo.cells)
        student_sources.update(memo.student_sources)
        kept.update(previous_students)
        with_problems = set(memo.with_problems)
        now: dict[str, list[Problem]] = {}
        dirty = {path.split("/")[1] for path in changed if path.count("/") == 2}
        for sid in sorted(dirty & files.student_folders.keys()):
            kept.pop(sid, None)
            now[sid], cells[sid] = check_student(sid, files.student_folders[sid])
            if now[sid]:
                with_problems.add(sid)
            else:
                with_problems.discard(sid)
        order = sorted(with_problems)
        for sid in order:
            r.problems.extend(now[sid] if sid in now else kept[sid][1])
    else:
        cells = {}
        order = []
        for sid, folder in sorted(files.student_folders.items()):
            found_problems, cells[sid] = check_student(sid, folder)
            if found_problems:
                r.problems.extend(found_problems)
                order.append(sid)
    sources.update(student_sources)
    if memo is not None:
        memo.students = kept
        memo.cells = cells
        memo.folders = dict(files.student_folders)
        memo.student_sources = student_sources
        memo.with_problems = order
    records = Records(cells)  # (a later build copies memo.cells before changing it)

    data = ClassData(info=info, frameworks=frameworks, playlists=playlists, records=records,
                     sources=sources)
    if memo is not None:
        if memo.data is not None:
            data.carry_over(memo.data)
        memo.data = data
    return data, r.problems


def curriculum(files: ParsedFiles, locate: Locate) -> object:
    """The curriculum (class.toml, frameworks, playlists of ``files``) checked: what
    :func:`check_files` needs, and ``ParsedFiles.part``."""
    return _build_curriculum(files, locate)


def activity_refs(part: object) -> set[str]:
    """Every "PLAYLIST/ACTIVITY" of the curriculum ``part`` that names an activity."""
    assert isinstance(part, _Curriculum)
    return part.checks.valid_refs


def check_files(part: object, locate: Locate, student_path: str, student_file: StudentFile,
                teacher_path: str, teacher_file: TeacherFile, student_unusable: bool
                ) -> list[Problem]:
    """The problems of one student's files with the curriculum ``part``, as
    :func:`build_class` finds them (a missing file is the empty one; ``student_unusable``:
    the student's file exists but could not be used)."""
    assert isinstance(part, _Curriculum)
    s = _Reporter(locate)
    part.checks.student(s, student_path, student_file)
    part.checks.teacher(s, teacher_path, teacher_file,
                        None if student_unusable else student_file)
    return s.problems


def _grew_clean(before: StudentKey, key: StudentKey, growth: Growth | None,
               checks: _StudentChecks) -> bool:
    """Whether a student's checks surely find nothing now, having found nothing for
    ``before`` under the same context: only the student's file changed, by new entries of
    a table checked entry by entry (see _PER_ENTRY), each naming a known activity."""
    if growth is None or before[1:] != key[1:]:
        return False
    token, table, keys = growth
    return (token is not None and token == before[0] and table in _PER_ENTRY
            and keys <= checks.valid_refs)


def _build_curriculum(files: ParsedFiles, locate: Locate) -> _Curriculum:
    r = _Reporter(locate)
    class_file = files.class_file
    if class_file is not None and not (class_file.name or class_file.students
                                       or class_file.teachers):
        r.add(files.class_path, (), "class.toml is empty: missing key 'name' and the roster",
              'add name = "..." and the [[teachers]] and [[students]] (see docs/formats.md)')
        class_file = None  # no roster: do not report every student folder as unknown
    info = class_file or ClassFile(name="(class.toml could not be read)")
    cp = files.class_path
    if class_file is not None and not info.name.strip():
        r.add(cp, ("name",), "missing key 'name': the class has no name",
              'add name = "..." at the top of the file')
    if info.format != FORMAT_VERSION:
        r.add(cp, ("format",), f"this class folder uses format {info.format}; this version "
              f"of playlist-tui reads format {FORMAT_VERSION}",
              "update playlist-tui, or check the format number")

    # ---- roster: people, groups, assignments
    people: dict[str, Loc] = {}
    for kind, items in (("teachers", info.teachers), ("students", info.students)):
        for i, person in enumerate(items):
            loc: Loc = (kind, i, "id")
            if person.id in people:
                r.add(cp, loc, f"duplicate person id {person.id!r}: also defined at "
                      f"{r.where(cp, people[person.id])}",
                      "every teacher and student needs an id of their own")
            else:
                people[person.id] = loc
    student_ids = {s.id for s in info.students}
    teacher_ids = {t.id for t in info.teachers}
    group_locs: dict[str, Loc] = {}
    for i, group in enumerate(info.groups):
        if group.id in group_locs:
            r.add(cp, ("groups", i, "id"), f"duplicate group id {group.id!r}: also defined at "
                  f"{r.where(cp, group_locs[group.id])}", "rename one of the groups")
        else:
            group_locs[group.id] = ("groups", i, "id")
        for j, member in enumerate(group.members):
            if member not in student_ids:
                message, hint = _unknown("student", member, student_ids)
                r.add(cp, ("groups", i, "members", j), f"group {group.id!r}: {message}", hint)

    # ---- frameworks and competencies
    frameworks: dict[str, Framework] = {}
    sources: dict[tuple[str, str], str] = {}
    competency_at: dict[str, tuple[str, Loc]] = {}
    for path, framework in files.frameworks:
        if framework.id in frameworks:
            first = sources[("framework", framework.id)]
            r.add(path, ("id",), f"duplicate framework id {framework.id!r}: also defined at "
                  f"{r.where(first, ('id',))}", "give each framework its own id")
            continue
        frameworks[framework.id] = framework
        sources[("framework", framework.id)] = path
        _check_file_name(r, path, framework.id)
        for i, competency in enumerate(framework.competencies):
            loc = ("competencies", i, "id")
            if competency.id in competency_at:
                first_path, first_loc = competency_at[competency.id]
                r.add(path, loc, f"duplicate competency id {competency.id!r}: also defined at "
                      f"{r.where(first_path, first_loc)}",
                      "competency ids must be unique across all frameworks")
            else:
                competency_at[competency.id] = (path, loc)
    # Ids that a file we could not read seems to define: no knock-on errors for them.
    competency_ids = set(competency_at) | files.maybe_ids
    for path, framework in files.frameworks:
        if sources.get(("framework", framework.id)) != path:
            continue
        for i, competency in enumerate(framework.competencies):
            if competency.parent is not None:
                if competency.parent == competency.id:
                    r.add(path, ("competencies", i, "parent"),
                          f"competency {competency.id!r} is its own parent", "remove parent")
                elif competency.parent not in competency_ids:
                    message, hint = _unknown("competency", competency.parent, competency_ids)
                    r.add(path, ("competencies", i, "parent"), f"parent: {message}", hint)
            for j, pre in enumerate(competency.prerequisites):
                if pre not in competency_ids:
                    message, hint = _unknown("competency", pre, competency_ids)
                    r.add(path, ("competencies", i, "prerequisites", j),
                          f"prerequisite: {message}", hint)
    _check_cycles(r, files, competency_at, "parent")
    _check_cycles(r, files, competency_at, "prerequisites")

    # ---- playlists
    playlists: dict[str, Playlist] = {}
    for path, playlist in files.playlists:
        if playlist.id in playlists:
            first = sources[("playlist", playlist.id)]
            r.add(path, ("id",), f"duplicate playlist id {playlist.id!r}: also defined at "
                  f"{r.where(first, ('id',))}", "give each playlist its own id")
            continue
        playlists[playlist.id] = playlist
        sources[("playlist", playlist.id)] = path
        _check_file_name(r, path, playlist.id)
        _check_playlist(r, path, playlist, competency_ids)

    for i, assignment in enumerate(info.assignments):
        if assignment.playlist not in playlists and assignment.playlist not in files.maybe_ids:
            message, hint = _unknown("playlist", assignment.playlist, playlists)
            r.add(cp, ("assignments", i, "playlist"), message, hint)
        for j, group_id in enumerate(assignment.groups):
            if group_id not in group_locs:
                message, hint = _unknown("group", group_id, group_locs)
                r.add(cp, ("assignments", i, "groups", j), message, hint)
        for j, student_id in enumerate(assignment.students):
            if student_id not in student_ids:
                message, hint = _unknown("student", student_id, student_ids)
                r.add(cp, ("assignments", i, "students", j), message, hint)

    roster_teachers = teacher_ids if class_file is not None else None
    checks = _StudentChecks(playlists, competency_ids, files.maybe_ids, roster_teachers,
                            frameworks)
    return _Curriculum(info, class_file is not None, frameworks, playlists, sources,
                       student_ids, checks, r.problems)


def _check_file_name(r: _Reporter, path: str, item_id: str) -> None:
    stem = path.rsplit("/", 1)[-1].removesuffix(".toml")
    if stem != item_id:
        r.add(path, ("id",), f"the id {item_id!r} differs from the file name {stem + '.toml'!r}",
              f"rename the file to {item_id}.toml (or change the id) so both are easy to find",
              Severity.WARNING)


def _check_cycles(r: _Reporter, files: ParsedFiles, at: dict[str, tuple[str, Loc]],
                  key: str) -> None:
    edges: dict[str, list[str]] = {}
    for _path, framework in files.frameworks:
        for competency in framework.competencies:
            if key == "parent":
                edges.setdefault(competency.id, [])
                if competency.parent and competency.parent != competency.id:
                    edges[competency.id].append(competency.parent)
            else:
                edges.setdefault(competency.id, []).extend(competency.prerequisites)
    what = "parents" if key == "parent" else "prerequisites"
    for cycle in cycles(edges):
        path, loc = at[cycle[0]]
        r.add(path, (*loc[:-1], key),
              f"{what} form a cycle: {' -> '.join([*cycle, cycle[0]])}",
              f"remove one of these {what} links")


# The authoring rules of a playlist's tiers: the check below reports them in a file, the
# playlist editor refuses them in its form (through session/views.py).

def asks_too_many(complete: object, activities: int) -> bool:
    """A tier's ``complete = N`` asks for more activities than the tier has."""
    return isinstance(complete, int) and not isinstance(complete, bool) and complete > activities


def unlocks_after_nothing(index: int, unlock: object) -> bool:
    """The first tier says ``unlock = "previous"``: there is no tier before it."""
    return index == 0 and unlock == "previous"


def _check_playlist(r: _Reporter, path: str, playlist: Playlist,
                    competency_ids: set[str]) -> None:
    tier_at: dict[str, int] = {}
    activity_at: dict[str, Loc] = {}
    for t, tier in enumerate(playlist.tiers):
        if tier.id in tier_at:
            r.add(path, ("tiers", t, "id"), f"duplicate tier id {tier.id!r}: also defined at "
                  f"{r.where(path, ('tiers', tier_at[tier.id], 'id'))}",
                  "tier ids must be unique in a playlist")
        else:
            tier_at[tier.id] = t
        if asks_too_many(tier.complete, len(tier.activities)):
            r.add(path, ("tiers", t, "complete"),
                  f"tier {tier.id!r} asks for {tier.complete} activities but has only "
                  f"{len(tier.activities)}", "lower complete or add activities")
        if unlocks_after_nothing(t, tier.unlock):
            r.add(path, ("tiers", t, "unlock"),
                  "the first tier has no previous tier; it is treated as open",
                  'write unlock = "open"', Severity.WARNING)
        if isinstance(tier.unlock, MasteredUnlock) and tier.unlock.mastered not in competency_ids:
            message, hint = _unknown("competency", tier.unlock.mastered, competency_ids)
            r.add(path, ("tiers", t, "unlock", "mastered"), message, hint)
        for a, activity in enumerate(tier.activities):
            loc: Loc = ("tiers", t, "activities", a, "id")
            if activity.id in activity_at:
                r.add(path, loc, f"duplicate activity id {activity.id!r}: also defined at "
                      f"{r.where(path, activity_at[activity.id])}",
                      "activity ids must be unique in a playlist")
            else:
                activity_at[activity.id] = loc
            for c, competency in enumerate(activity.competencies):
                if competency not in competency_ids:
                    message, hint = _unknown("competency", competency, competency_ids)
                    r.add(path, ("tiers", t, "activities", a, "competencies", c), message, hint)
    for c, competency in enumerate(playlist.check.competencies):
        if competency not in competency_ids:
            message, hint = _unknown("competency", competency, competency_ids)
            r.add(path, ("check", "competencies", c), message, hint)
    ready_after = playlist.check.ready_after
    if ready_after is not None and ready_after not in tier_at:
        message, hint = _unknown("tier", ready_after, tier_at)
        r.add(path, ("check", "ready_after"), message, hint)


class _StudentChecks:
    """The checks of one student's two files, with what they need computed once per build."""

    def __init__(self, playlists: dict[str, Playlist], competency_ids: set[str],
                 maybe_ids: set[str], teacher_ids: set[str] | None,
                 frameworks: dict[str, Framework]) -> None:
        self.playlists = playlists
        self.competency_ids = competency_ids
        self.maybe_ids = maybe_ids
        self.teacher_ids = teacher_ids
        self.frameworks = frameworks
        self._valid_refs: set[str] | None = None
        self._scale_of: dict[str, Scale] | None = None

    @property
    def valid_refs(self) -> set[str]:
        """Every "PLAYLIST/ACTIVITY" that names an existing activity: such a reference is
        never a problem, so most ticks are checked with one set lookup."""
        if self._valid_refs is None:
            self._valid_refs = {f"{pid}/{activity.id}" for pid, playlist in self.playlists.items()
                                for tier in playlist.tiers for activity in tier.activities}
        return self._valid_refs

    @property
    def scale_of(self) -> dict[str, Scale]:
        if self._scale_of is None:
            scale_of: dict[str, Scale] = {}
            for framework in self.frameworks.values():
                for item in framework.competencies:
                    scale_of.setdefault(item.id, framework.scale)
            self._scale_of = scale_of
        return self._scale_of

    def digest(self, class_path: str) -> bytes:
        """Everything the checks of a student's files read, as one digest."""
        h = hashlib.sha256()

        def feed(*parts: Any) -> None:
            h.update(repr(parts).encode())

        feed("class", class_path)
        for pid in sorted(self.playlists):
            playlist = self.playlists[pid]
            feed("playlist", pid, *(a.id for t in playlist.tiers for a in t.activities))
        feed("competencies", *sorted(self.competency_ids))
        feed("maybe", *sorted(self.maybe_ids))
        feed("teachers", None if self.teacher_ids is None else sorted(self.teacher_ids))
        for cid, scale in sorted(self.scale_of.items()):
            feed("scale", cid, scale.levels, scale.mastered_at)
        return h.digest()

    def student(self, r: _Reporter, path: str, student: StudentFile) -> None:
        _check_student(r, path, student, self.playlists, self.competency_ids, self.maybe_ids,
                       self.valid_refs)

    def teacher(self, r: _Reporter, path: str, teacher: TeacherFile,
                student: StudentFile | None) -> None:
        _check_teacher(r, path, teacher, student, self.competency_ids, self.teacher_ids,
                       self.frameworks, self.scale_of if teacher.decisions else {})
        if teacher.adjustments:
            _check_adjustments(r, path, teacher, self.playlists, self.maybe_ids)


def _check_student(r: _Reporter, path: str, student: StudentFile,
                   playlists: dict[str, Playlist], competency_ids: set[str],
                   maybe_ids: set[str], valid_refs: set[str] | None = None) -> None:
    for section, refs in (("ticks", student.ticks), ("notes", student.notes)):
        if valid_refs is not None and refs.keys() <= valid_refs:
            continue  # every reference names an existing activity: nothing to report
        for ref in refs:
            if valid_refs is not None and ref in valid_refs:
                continue
            playlist_id, activity_id = split_ref(ref)
            playlist = playlists.get(playlist_id)
            if playlist is None and playlist_id in maybe_ids:
                continue
            if playlist is None:
                message, hint = _unknown("playlist", playlist_id, playlists)
                r.add(path, (section, ref), message, hint, Severity.WARNING)
            elif playlist.activity(activity_id) is None:
                ids = [a.id for t in playlist.tiers for a in t.activities]
                _, hint = _unknown("activity", activity_id, ids)
                r.add(path, (section, ref),
                      f"unknown activity {activity_id!r} in playlist {playlist_id!r}", hint,
                      Severity.WARNING)
    for rid, request in student.requests.items():
        if request.competency not in competency_ids:
            message, hint = _unknown("competency", request.competency, competency_ids)
            r.add(path, ("requests", rid, "competency"), message, hint)
        if (request.playlist is not None and request.playlist not in playlists
                and request.playlist not in maybe_ids):
            message, hint = _unknown("playlist", request.playlist, playlists)
            r.add(path, ("requests", rid, "playlist"), message, hint, Severity.WARNING)


def _check_teacher(r: _Reporter, path: str, teacher: TeacherFile, student: StudentFile | None,
                   competency_ids: set[str], teacher_ids: set[str] | None,
                   frameworks: dict[str, Framework],
                   scale_of: dict[str, Scale] | None = None) -> None:
    if scale_of is None:
        scale_of = {}
        for framework in frameworks.values():
            for item in framework.competencies:
                scale_of.setdefault(item.id, framework.scale)
    for did, decision in teacher.decisions.items():
        competency = decision.competency
        if decision.supersedes is not None and (decision.supersedes == did or
                                                decision.supersedes not in teacher.decisions):
            message, hint = _unknown("decision", decision.supersedes,
                                     [d for d in teacher.decisions if d != did])
            r.add(path, ("decisions", did, "supersedes"), message,
                  hint + " (supersedes names an earlier decision of this file)")
        if decision.request is not None and student is not None:
            request = student.requests.get(decision.request)
            if request is None:
                message, hint = _unknown("request", decision.request, student.requests)
                r.add(path, ("decisions", did, "request"), message,
                      hint + " (requests are in the student's student.toml)")
            else:
                if competency is not None and competency != request.competency:
                    r.add(path, ("decisions", did, "competency"),
                          f"the decision is about {competency!r} but request "
                          f"{decision.request!r} asked about {request.competency!r}",
                          "make the competency match the request, or leave it out")
                competency = competency or request.competency
        if competency is not None and competency not in competency_ids:
            message, hint = _unknown("competency", competency, competency_ids)
            r.add(path, ("decisions", did, "competency"), message, hint)
        if teacher_ids is not None and decision.by not in teacher_ids:
            message, hint = _unknown("teacher", decision.by, teacher_ids)
            r.add(path, ("decisions", did, "by"), message, hint)
        scale = scale_of.get(competency or "")
        if scale is not None and decision.level is not None:
            if decision.level > len(scale.levels):
                r.add(path, ("decisions", did, "level"),
                      f"level {decision.level} is not on the scale (1 to {len(scale.levels)})",
                      "use a level of the framework's scale")
            elif decision.result == Result.MASTERED and decision.level < scale.mastered_at:
                r.add(path, ("decisions", did, "level"),
                      f"result is mastered but level {decision.level} "
                      f"({scale.name_of(decision.level)}) is below the mastered level "
                      f"{scale.mastered_at} ({scale.name_of(scale.mastered_at)})",
                      'raise the level or write result = "not-yet"')
            elif decision.result == Result.NOT_YET and decision.level >= scale.mastered_at:
                r.add(path, ("decisions", did, "level"),
                      f"result is not-yet but level {decision.level} counts as mastered",
                      'lower the level or write result = "mastered"')


def _check_adjustments(r: _Reporter, path: str, teacher: TeacherFile,
                       playlists: dict[str, Playlist], maybe_ids: set[str]) -> None:
    """``[adjustments]``: each names a playlist, a tier of it (``start``) and activities of
    it (``skip``, ``add``); an ``add`` that changes nothing is a warning."""
    for pid, adjust in teacher.adjustments.items():
        playlist = playlists.get(pid)
        if playlist is None:
            if pid not in maybe_ids:
                message, hint = _unknown("playlist", pid, playlists)
                r.add(path, ("adjustments", pid), message, hint)
            continue
        tier_ids = [t.id for t in playlist.tiers]
        tier_of: dict[str, tuple[int, str, bool]] = {}  # activity -> (tier index, id, all?)
        for index, tier in enumerate(playlist.tiers):
            for activity in tier.activities:
                tier_of.setdefault(activity.id, (index, tier.id, tier.complete == "all"))
        start = -1
        if adjust.start is not None:
            if adjust.start in tier_ids:
                start = tier_ids.index(adjust.start)
            else:
                message, hint = _unknown("tier", adjust.start, tier_ids)
                r.add(path, ("adjustments", pid, "start"), f"{message} in playlist {pid!r}",
                      hint)
        for key, ids in (("skip", adjust.skip), ("add", adjust.add)):
            for j, aid in enumerate(ids):
                if aid not in tier_of:
                    _, hint = _unknown("activity", aid, tier_of)
                    r.add(path, ("adjustments", pid, key, j),
                          f"unknown activity {aid!r} in playlist {pid!r}", hint)
        for j, aid in enumerate(adjust.add):
            if aid not in tier_of:
                continue
            index, tier_id, all_required = tier_of[aid]
            loc: Loc = ("adjustments", pid, "add", j)
            if aid in adjust.skip:
                r.add(path, loc, f"activity {aid!r} is both skipped and added; it counts as "
                      "skipped", "remove it from skip or from add", Severity.WARNING)
            elif index < start:
                r.add(path, loc, f"activity {aid!r} is in tier {tier_id!r}, before the start "
                      f"tier {adjust.start!r}: the student is placed out of it, so it is not "
                      "required", "remove it from add, or start at an earlier tier",
                      Severity.WARNING)
            elif all_required:
                r.add(path, loc, f"activity {aid!r} is already required: tier {tier_id!r} "
                      "asks for all its activities", "remove it from add", Severity.WARNING)
