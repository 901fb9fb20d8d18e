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
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from playlist_tui.engine.classstats import PlaylistSummary, work_on
from playlist_tui.engine.mastery import counted_decisions, decision_competency, superseded_by
from playlist_tui.engine.progress import PlaylistProgress
from playlist_tui.model.check import asks_too_many, unlocks_after_nothing
from playlist_tui.model.files import Adjustment, Decision, Framework, Playlist, Result
from playlist_tui.model.graph import reaches, would_loop
from playlist_tui.model.ids import make_ref
from playlist_tui.model.klass import ClassData, StudentRecord


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
# students one pass is about a second. So a pass answers every question of the same
# kind at once (who ticked each activity of a playlist, who has a request or decision
# on each competency), kept for this version of the class only (a load or refresh makes
# a new ClassData, and the answers are made again from it on the next question).
_memo_lock = threading.Lock()
_memo: tuple[weakref.ref[ClassData], dict[tuple[str, ...], Any]] | None = None


def _memoised(data: ClassData, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
    global _memo
    with _memo_lock:
        if _memo is None or _memo[0]() is not data:
            _memo = (weakref.ref(data), {})
        answers = _memo[1]
        if key not in answers:
            answers[key] = make()
        return answers[key]


def _ticked_in(data: ClassData, playlist: str) -> dict[str, set[str]]:
    """Activity reference of ``playlist`` -> students who ticked it or wrote a note on it."""
    found = data.playlists.get(playlist)
    refs = [make_ref(playlist, a.id) for t in found.tiers for a in t.activities] if found else []
    out: dict[str, set[str]] = {ref: set() for ref in refs}
    passing = data.in_passing().records
    for sid in passing:
        student = passing[sid].student
        ticks, notes = student.ticks, student.notes
        for ref in refs:
            if ref in ticks or ref in notes:
                out[ref].add(sid)
    return out


def ticked_by(data: ClassData, playlist: str, activity: str) -> list[str]:
    """Students who ticked an activity or wrote a note on it."""
    ref = make_ref(playlist, activity)
    index: dict[str, set[str]] = _memoised(data, ("ticked", playlist),
                                           lambda: _ticked_in(data, playlist))
    hits = index.get(ref)
    if hits is None:  # not an activity of the playlist (any more): ask every student
        return _students_where(data, lambda r: ref in r.student.ticks or ref in r.student.notes)
    return _in_class_order(data, hits)


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
    index: dict[str, set[str]] = _memoised(data, ("adjusted", playlist),
                                           lambda: _adjusted_in(data, playlist))
    return _in_class_order(data, index.get(ident, ()))


def _adjusted_in(data: ClassData, playlist: str) -> dict[str, set[str]]:
    """Tier or activity id -> students whose adjustment of ``playlist`` names it."""
    out: dict[str, set[str]] = {}
    passing = data.in_passing().records
    for sid in passing:
        found = passing[sid].teacher.adjustments.get(playlist)
        if found is not None:
            for ident in (found.start, *found.skip, *found.add):
                if ident is not None:
                    out.setdefault(ident, set()).add(sid)
    return out


def _asked_about(data: ClassData) -> dict[str, set[str]]:
    """Competency -> students with a request or a decision naming it."""
    out: dict[str, set[str]] = {}
    passing = data.in_passing().records
    for sid in passing:
        record = passing[sid]
        for q in record.student.requests.values():
            out.setdefault(q.competency, set()).add(sid)
        for d in record.teacher.decisions.values():
            if d.competency is not None:
                out.setdefault(d.competency, set()).add(sid)
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
    students = len(_memoised(data, ("asked",), lambda: _asked_about(data)).get(competency, ()))
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
