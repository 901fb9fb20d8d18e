"""What the screens show, worked out from the engine (no Textual): the screens draw it.

Each function here is the one definition of a thing a screen shows, so that a screen
holds no rule or count of its own (issue 14):

- :class:`PlaylistTally`: how the assignees of a playlist are doing, counted one student
  at a time (the dashboard counts in a worker, student by student) with the rules of
  :func:`playlist_tui.engine.classstats.playlist_summary`;
- :func:`evidence_lines`: a student's work on a competency, for the reviewer of a request,
  from :func:`playlist_tui.engine.classstats.work_on` (assigned playlists, then any other
  playlist the student ticked something in);
- the authoring rules the editors refuse in their forms, the same rules as
  :mod:`playlist_tui.model.check` reports in files (:func:`tier_errors`,
  :func:`link_errors`, :func:`highest_level_used`), loops found by the one graph walk of
  :mod:`playlist_tui.model.graph`;
- the usage lookups of the editors (:func:`ticked_by`, :func:`ticks_in`,
  :func:`adjusted_by`, :func:`competency_used_by`), each one pass over the students
  through :meth:`ClassData.in_passing`;
- a student's decisions for the teacher's page on them (:func:`decision_history`,
  :func:`decisions_to_correct`): what counts is
  :func:`playlist_tui.engine.mastery.counted_decisions` (never a corrected or withdrawn
  entry).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from playlist_tui.engine.classstats import PlaylistSummary, work_on
from playlist_tui.engine.mastery import counted_decisions, decision_competency, superseded_by
from playlist_tui.engine.progress import PlaylistProgress
from playlist_tui.model.check import asks_too_many, unlocks_after_nothing
from playlist_tui.model.files import Adjustment, Decision, Framework, Playlist, Result
from playlist_tui.model.graph import reaches, would_loop
from playlist_tui.model.ids import make_ref
from playlist_tui.model.klass import ClassData, RecordCell, Records, StudentRecord


@dataclass
class PlaylistTally:
    """A :class:`PlaylistSummary` counted one assignee at a time."""

    playlist: str
    assigned: int = 0
    not_started: int = 0
    in_progress: int = 0
    complete: int = 0
    percents: float = 0.0

    def add(self, progress: PlaylistProgress) -> None:
        """Count one assignee (as playlist_summary does: complete first, then started)."""
        self.assigned += 1
        self.percents += progress.percent
        if progress.complete:
            self.complete += 1
        elif progress.started:
            self.in_progress += 1
        else:
            self.not_started += 1

    def summary(self) -> PlaylistSummary:
        average = self.percents / self.assigned if self.assigned else 0.0
        return PlaylistSummary(self.assigned, self.not_started, self.in_progress,
                               self.complete, average, self.playlist)


def _day(moment: datetime | date) -> str:
    return f"{moment.day} {moment:%b %Y}"


NO_WORK = "No activities of the student's playlists serve this competency."


def evidence_lines(data: ClassData, student: str, competency: str,
                   day: Callable[[datetime], str] = _day) -> list[str]:
    """The student's work on a competency, in words, for the reviewer: each activity
    serving it (ticked or not, with reflection and evidence), then the earlier checks."""
    work = work_on(data, student, competency)
    lines: list[str] = []
    for item in work.activities:
        mark = "[x]" if item.ticked else "[ ]"
        lines.append(f"{mark} {item.activity.title} ({item.playlist.title} · "
                     f"{item.tier.title})" + (f", {day(item.ticked)}" if item.ticked else ""))
        if item.reflection:
            lines.append(f"      reflection: {item.reflection}")
        if item.evidence:
            lines.append(f"      evidence: {item.evidence}")
    if work.decisions:
        lines.append("Earlier checks:")
        scale = data.scale_for(competency)
        for event in work.decisions:
            decision = event.decision
            assert decision is not None
            result = "mastered" if decision.result == Result.MASTERED else "not yet"
            level = f" ({scale.name_of(decision.level)})" if decision.level else ""
            who = data.teachers[decision.by].name if decision.by in data.teachers \
                else decision.by
            lines.append(f"  {day(decision.at)} {who}: {result}{level}")
            if decision.feedback:
                lines.append(f"    feedback: {decision.feedback}")
            if decision.next_steps:
                lines.append(f"    next steps: {decision.next_steps}")
    return lines or [NO_WORK]


# ---------------------------------------------------------------- authoring rules


def tier_errors(index: int, complete: object, unlock: object, activities: int
                ) -> dict[str, str]:
    """What the tier form refuses (field -> words): the tier rules of model/check.py.
    ``complete`` and ``unlock`` are the values the form would write."""
    errors: dict[str, str] = {}
    if unlocks_after_nothing(index, unlock):
        errors["unlock"] = "the first tier has no tier before it: choose open"
    if asks_too_many(complete, activities):
        errors["complete"] = (f"this tier has {activities} activit"
                              f"{'y' if activities == 1 else 'ies'}: at most {activities}")
    return errors


def link_errors(data: ClassData, own: str | None, ident: str, parent: str,
                prerequisites: Iterable[str]) -> dict[str, str]:
    """What the competency form refuses in its parent and prerequisites: a loop, which
    model/check.py reports as "parents (prerequisites) form a cycle". ``own`` is the
    competency edited (None: a new one), ``ident`` its id in the form."""
    errors: dict[str, str] = {}
    parents = {cid: (c.parent,) for cid, c in data.competencies.items()
               if c.parent and cid != own}
    if parent and parent == ident:
        errors["parent"] = "a competency cannot be its own parent"
    elif parent and reaches(parent, ident, parents):
        errors["parent"] = f"{parent} is already under {ident}: that would be a loop"
    loop = prerequisite_loop(data, own, ident, prerequisites)
    if loop is not None:
        errors["prerequisites"] = f"{ident} is already needed for {loop}: that would be a loop"
    return errors


def prerequisite_loop(data: ClassData, own: str | None, ident: str,
                      prerequisites: Iterable[str]) -> str | None:
    """The first of ``prerequisites`` that already needs ``ident`` (or is it), or None."""
    edges = {cid: c.prerequisites for cid, c in data.competencies.items() if cid != own}
    return would_loop(ident, prerequisites, edges)


def highest_level_used(data: ClassData, framework: Framework) -> int:
    """The highest level any decision entry about a competency of ``framework`` gives (0:
    none), so that the scale keeps that many levels. Every entry of a teacher's file
    counts, corrected and withdrawn ones too: the file keeps them, and model/check.py
    reports a level off the scale in any of them. Read in passing (no record is kept)."""
    mine = {c.id for c in framework.competencies}
    highest = 0
    passing = data.in_passing().records
    for sid in passing:
        record = passing[sid]
        for decision in record.teacher.decisions.values():
            if decision.level is not None and decision.level > highest and \
                    decision_competency(record, decision) in mine:
                highest = decision.level
    return highest


# ---------------------------------------------------------------- usage lookups
# Each goes over every student once, through ClassData.in_passing(): a record not made
# yet is made for the lookup and dropped, so an editor's question does not keep the
# whole class's records in memory (at 5,000 students, hundreds of MiB).


def _students_where(data: ClassData, found: Callable[[StudentRecord], bool]) -> list[str]:
    passing = data.in_passing().records
    hits = {sid for sid in passing if found(passing[sid])}
    return _in_class_order(data, hits)


def _in_class_order(data: ClassData, hits: Collection[str]) -> list[str]:
    return [sid for sid in data.records if sid in hits] if hits else []


# The editors ask these on every move of the cursor in their details pane; at 5,000
# students one pass over the class takes seconds. So one pass answers every question of
# the same kind (who ticked each activity of a playlist, whose adjustment names each of
# its tiers and activities, who has a request or decision on each competency), and the
# answer is kept with the students' records it was made from: for the next version of
# the class (a load or refresh), only the students whose records are not the same
# objects any more (their files changed) are looked at again.


class _Index:
    """Key -> students whose record names it (``names``), kept up to date by students."""

    def __init__(self, names: Callable[[StudentRecord], Iterable[str]]) -> None:
        self.names = names
        self.data: weakref.ref[ClassData] | None = None
        self.units: dict[str, object] = {}  # student -> the cell or record looked at
        self.by_student: dict[str, tuple[str, ...]] = {}
        self.index: dict[str, set[str]] = {}

    def of(self, data: ClassData) -> dict[str, set[str]]:
        if self.data is not None and self.data() is data:
            return self.index
        units = _units(data)
        old = self.units
        changed = [sid for sid, unit in units.items() if old.get(sid) is not unit]
        gone = [sid for sid in old if sid not in units]
        if self.data is None or len(changed) + len(gone) > len(units) // 4:
            self.by_student, self.index = {}, {}
            passing = data.in_passing().records  # (in the cheapest order)
            for sid in passing:
                self._add(sid, passing[sid])
        else:
            for sid in (*changed, *gone):
                for key in self.by_student.pop(sid, ()):
                    self.index[key].discard(sid)
            for sid in changed:
                unit = units[sid]
                self._add(sid, unit.peek() if isinstance(unit, RecordCell)
                          else cast(StudentRecord, unit))
        self.data, self.units = weakref.ref(data), dict(units)
        return self.index

    def _add(self, sid: str, record: StudentRecord) -> None:
        keys = tuple(dict.fromkeys(self.names(record)))
        if keys:
            self.by_student[sid] = keys
            for key in keys:
                self.index.setdefault(key, set()).add(sid)


def _units(data: ClassData) -> Mapping[str, object]:
    """Each student's cell (or record): the same object while their files are the same."""
    records = data.records
    return records.cells if isinstance(records, Records) else records


_INDEXES_KEPT = 8
_indexes: dict[tuple[object, ...], _Index] = {}
_indexes_lock = threading.Lock()


def _students_naming(data: ClassData, key: tuple[object, ...],
                     names: Callable[[StudentRecord], Iterable[str]]) -> dict[str, set[str]]:
    with _indexes_lock:
        index = _indexes.pop(key, None) or _Index(names)
        _indexes[key] = index  # (the most recently asked last)
        while len(_indexes) > _INDEXES_KEPT:
            del _indexes[next(iter(_indexes))]
        return index.of(data)


def _ticked_index(data: ClassData, playlist: str) -> tuple[tuple[str, ...], dict[str, set[str]]]:
    """The references of the playlist's activities, and who ticked or noted each."""
    found = data.playlists.get(playlist)
    refs = tuple(make_ref(playlist, a.id) for t in found.tiers for a in t.activities
                 ) if found else ()

    def names(record: StudentRecord) -> Iterable[str]:
        ticks, notes = record.student.ticks, record.student.notes
        return [r for r in refs if r in ticks or r in notes]

    return refs, _students_naming(data, ("ticked", refs), names)


def ticked_by(data: ClassData, playlist: str, activity: str) -> list[str]:
    """Students who ticked an activity or wrote a note on it."""
    ref = make_ref(playlist, activity)
    refs, index = _ticked_index(data, playlist)
    if ref not in refs:  # not an activity of the playlist (any more): ask every student
        return _students_where(data, lambda r: ref in r.student.ticks or ref in r.student.notes)
    return _in_class_order(data, index.get(ref, ()))


def prepare_usage(data: ClassData, playlist: str | None = None) -> None:
    """Make the answers of the usage lookups for this class (and, with ``playlist``, for
    that playlist) now: an editor can call this in a worker thread when it opens, so that
    not even its first cursor move waits for a pass over every student."""
    if playlist is not None:
        _ticked_index(data, playlist)
        adjusted_by(data, playlist, "")
    competency_used_by(data, "")


def ticks_in(data: ClassData, playlist: str, activities: Iterable[str]) -> int:
    """How many ticks and notes of students name one of ``activities`` (one per student
    and activity): what removing them leaves in students' files."""
    refs = [make_ref(playlist, a) for a in activities]
    passing = data.in_passing().records
    total = 0
    for sid in passing:
        student = passing[sid].student
        total += sum(1 for ref in refs if ref in student.ticks or ref in student.notes)
    return total


def adjusted_by(data: ClassData, playlist: str, ident: str) -> list[str]:
    """Students whose adjustment of ``playlist`` names a tier or an activity ``ident``
    (starts at it, skips it or adds it)."""
    def names(record: StudentRecord) -> Iterable[str]:
        found = record.teacher.adjustments.get(playlist)
        if found is None:
            return ()
        return [i for i in (found.start, *found.skip, *found.add) if i is not None]

    return _in_class_order(data, _students_naming(data, ("adjusted", playlist), names)
                           .get(ident, ()))


def _competencies_asked(record: StudentRecord) -> Iterable[str]:
    """Competencies named by a student's requests and decisions."""
    out = [q.competency for q in record.student.requests.values()]
    out += [d.competency for d in record.teacher.decisions.values() if d.competency is not None]
    return out


def competency_used_by(data: ClassData, competency: str) -> list[str]:
    """Where a competency is named, in words: other competencies, playlists, and how many
    students have a request or a decision about it."""
    out: list[str] = []
    for framework in data.frameworks.values():
        for other in framework.competencies:
            if other.parent == competency:
                out.append(f"parent of {other.id}")
            if competency in other.prerequisites:
                out.append(f"prerequisite of {other.id}")
    for playlist in data.playlists.values():
        named = competency in playlist.check.competencies or any(
            competency in a.competencies for t in playlist.tiers for a in t.activities) or any(
            getattr(t.unlock, "mastered", None) == competency for t in playlist.tiers)
        if named:
            out.append(f"playlist {playlist.id}")
    students = len(_students_naming(data, ("asked",), _competencies_asked).get(competency, ()))
    if students:
        out.append(f"requests or decisions of {students} student(s)")
    return out


# ---------------------------------------------------------------- decisions


def result_words(decision: Decision) -> str:
    if decision.withdrawn:
        return "withdrawn"
    return "mastered" if decision.result == Result.MASTERED else "not yet"


def decision_history(data: ClassData, student: str,
                     day: Callable[[datetime], str] = _day) -> dict[str, list[str]]:
    """Every decision entry about the student, by competency, oldest first, in words (the
    file keeps them all); an entry that does not count (:func:`counted_decisions`: it was
    corrected or withdrawn since) says so."""
    record = data.record(student)
    counts = counted_decisions(record)
    later = superseded_by(record)
    out: dict[str, list[str]] = {}
    for did, decision in sorted(record.teacher.decisions.items(), key=lambda i: i[1].at):
        competency = decision_competency(record, decision)
        if competency is None:
            continue
        if decision.withdrawn:
            earlier = record.teacher.decisions.get(decision.supersedes or "")
            text = f"{day(decision.at)} withdrew the decision of " \
                   f"{day(earlier.at) if earlier else decision.supersedes}"
        else:
            text = f"{day(decision.at)} {result_words(decision)}: {decision.feedback}"
            if decision.supersedes:
                text += " (a correction)"
        if did not in counts and did in later:
            how = "withdrawn" if later[did][1].withdrawn else "corrected"
            text = f"{text}  [{how} on {day(later[did][1].at)}, does not count]"
        out.setdefault(competency, []).append(text)
    return out


def decisions_to_correct(data: ClassData, student: str) -> list[tuple[str, Decision, str]]:
    """The decisions about the student that count, newest first, as (id, decision,
    competency): a corrected or withdrawn one cannot be corrected again."""
    record = data.record(student)
    counted = sorted(counted_decisions(record).items(), key=lambda item: item[1].at,
                     reverse=True)
    return [(did, decision, decision_competency(record, decision) or "?")
            for did, decision in counted]


def adjustment_words(playlist: Playlist, adjustment: Adjustment) -> str:
    """A student's adjustment of a playlist as a teacher reads it: tiers and activities
    by title, not id ('starts at Practice; skips Watch: the video; adds Pond lab; note:
    ...'). An id the playlist no longer has is shown as it is written."""
    def activity(ref: str) -> str:
        found = playlist.activity(ref)
        return found[1].title if found is not None else ref

    tiers = {tier.id: tier.title for tier in playlist.tiers}
    parts = []
    if adjustment.start:
        parts.append(f"starts at {tiers.get(adjustment.start, adjustment.start)}")
    if adjustment.skip:
        parts.append("skips " + ", ".join(activity(a) for a in adjustment.skip))
    if adjustment.add:
        parts.append("adds " + ", ".join(activity(a) for a in adjustment.add))
    if adjustment.note:
        parts.append(f"note: {adjustment.note}")
    return "; ".join(parts)
