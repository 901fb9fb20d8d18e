"""The whole class at a glance, for teachers: a mastery grid, playlist summaries, who may be
stuck, each student's pace, the queue of mastery checks and the work behind one request.

Pure: every function takes a :class:`ClassData` (and, where time matters, ``now``) and
returns plain data. Students are taken in roster order (class.toml) unless a function says
otherwise.

Rules (documented in docs/formats.md, section 12.6):
- *idle*: a student with an unfinished assigned playlist who has ticked nothing and
  requested no check for ``idle_days`` days (or ever);
- *repeated not yet*: ``not_yet_count`` or more "not yet" decisions on one competency since
  the last "mastered" one (decisions in time order, as in :mod:`.mastery`);
- *waiting*: a request pending for ``wait_days`` days or more;
- *pace*: activities ticked per week over the last four weeks (ticks of activities that
  exist, at or after ``now`` minus 28 days and not after ``now``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from playlist_tui.engine.mastery import (
    CompetencyStatus,
    Event,
    counted_decisions,
    decision_competency,
    pending_requests,
    statuses,
)
from playlist_tui.engine.progress import playlist_progress
from playlist_tui.model.files import Activity, Note, Playlist, Request, Result, Tier
from playlist_tui.model.ids import make_ref, split_ref
from playlist_tui.model.klass import ClassData

# --------------------------------------------------------------------------- the grid


def roster(data: ClassData) -> list[str]:
    """Student ids in roster order (the first of each id)."""
    return list(data.students)


def grid(data: ClassData, students: Iterable[str] | None = None,
         competencies: Iterable[str] | None = None
         ) -> dict[tuple[str, str], CompetencyStatus]:
    """(student, competency) -> status, for every student of the roster and every
    competency of the class by default. Keys come student by student, in the order given."""
    wanted = list(data.competencies) if competencies is None else list(competencies)
    out: dict[tuple[str, str], CompetencyStatus] = {}
    for sid in roster(data) if students is None else students:
        for competency, status in statuses(data, sid, wanted).items():
            out[(sid, competency)] = status
    return out


# --------------------------------------------------------------------------- playlists


@dataclass(frozen=True)
class PlaylistSummary:
    """How the students a playlist is assigned to are doing with it."""

    assigned: int
    not_started: int  # nothing ticked that counts, and not complete
    in_progress: int  # something ticked, not complete
    complete: int  # every required tier complete
    average_percent: float  # mean of the students' percents; 0.0 when nobody is assigned
    playlist: str = ""


def playlist_summary(data: ClassData, playlist: Playlist | str,
                     students: Collection[str] | None = None) -> PlaylistSummary:
    """Summary over the playlist's assignees (only those in ``students``, if given)."""
    found = data.playlists.get(playlist) if isinstance(playlist, str) else playlist
    pid = playlist if isinstance(playlist, str) else playlist.id
    if found is None:
        return PlaylistSummary(0, 0, 0, 0, 0.0, pid)
    assigned = [s for s in data.assignees(found.id) if students is None or s in students]
    progress = [playlist_progress(data, found, s) for s in assigned]
    complete = sum(1 for p in progress if p.complete)
    going = sum(1 for p in progress if p.started and not p.complete)
    average = sum(p.percent for p in progress) / len(progress) if progress else 0.0
    return PlaylistSummary(len(assigned), len(assigned) - complete - going, going, complete,
                           average, found.id)


# --------------------------------------------------------------------------- stuck


StuckKind = Literal["idle", "repeated-not-yet", "waiting"]


@dataclass(frozen=True)
class StuckReason:
    student: str
    kind: StuckKind
    words: str  # in words, starting with the student's name
    competency: str | None = None  # repeated-not-yet, waiting
    since: datetime | None = None  # idle: last activity; not yet: latest; waiting: request
    count: int = 0  # idle: unfinished playlists; repeated-not-yet: how many


def _name(data: ClassData, student: str) -> str:
    found = data.students.get(student)
    return found.name if found else student


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def last_activity(data: ClassData, student: str) -> datetime | None:
    """The latest tick or request of a student (None if there is none)."""
    own = data.record(student).student
    moments = [*own.ticks.values(), *(r.at for r in own.requests.values())]
    return max(moments, default=None)


def _not_yet_runs(data: ClassData, student: str) -> dict[str, tuple[int, datetime]]:
    """Competency -> (not-yet decisions since the last mastered one, the latest's time)."""
    record = data.record(student)
    ordered = []
    for order, decision in enumerate(counted_decisions(record).values()):
        competency = decision_competency(record, decision)
        if competency is not None:
            ordered.append((decision.at, order, competency, decision.result))
    ordered.sort(key=lambda item: (item[0], item[1]))
    runs: dict[str, tuple[int, datetime]] = {}
    for moment, _, competency, result in ordered:
        if result == Result.MASTERED:
            runs.pop(competency, None)
        else:
            runs[competency] = (runs.get(competency, (0, moment))[0] + 1, moment)
    return runs


def stuck(data: ClassData, now: datetime, idle_days: int = 7, wait_days: int = 5,
          not_yet_count: int = 2, students: Iterable[str] | None = None
          ) -> list[StuckReason]:
    """Who may be stuck and why, student by student in roster order (or in the order of
    ``students``); for one student: idle first, then repeated not-yet (by competency id),
    then waiting (oldest first)."""
    out: list[StuckReason] = []
    for sid in roster(data) if students is None else students:
        name = _name(data, sid)
        unfinished = [p for p in data.assigned_playlists(sid)
                      if not playlist_progress(data, p, sid).complete]
        if unfinished:
            last = last_activity(data, sid)
            plural = "playlist" if len(unfinished) == 1 else "playlists"
            if last is None:
                out.append(StuckReason(
                    sid, "idle", f"{name} has not ticked an activity or asked for a check "
                    f"yet ({len(unfinished)} unfinished {plural})", count=len(unfinished)))
            elif now - last >= timedelta(days=idle_days):
                days = (now - last).days
                out.append(StuckReason(
                    sid, "idle", f"{name} has ticked nothing and asked for no check for "
                    f"{_days(days)} ({len(unfinished)} unfinished {plural})", since=last,
                    count=len(unfinished)))
        for competency, (count, latest) in sorted(_not_yet_runs(data, sid).items()):
            if count >= not_yet_count:
                out.append(StuckReason(
                    sid, "repeated-not-yet", f"{name} has had {count} 'not yet' decisions on "
                    f"{competency} in a row", competency=competency, since=latest, count=count))
        for _rid, request in pending_requests(data.record(sid)):
            waited = now - request.at
            if waited >= timedelta(days=wait_days):
                out.append(StuckReason(
                    sid, "waiting", f"{name} has waited {_days(waited.days)} for a check on "
                    f"{request.competency}", competency=request.competency, since=request.at))
    return out


# --------------------------------------------------------------------------- pace


def pace(data: ClassData, student: str, now: datetime, weeks: int = 4) -> float:
    """Activities ticked per week over the last ``weeks`` weeks (ticks of activities that
    exist, at or after ``now - weeks`` and not after ``now``)."""
    since = now - timedelta(weeks=weeks)
    count = 0
    for ref, moment in data.record(student).student.ticks.items():
        if not since <= moment <= now:
            continue
        playlist_id, activity_id = split_ref(ref)
        playlist = data.playlists.get(playlist_id)
        if playlist is not None and playlist.activity(activity_id) is not None:
            count += 1
    return count / weeks


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueItem:
    student: str
    request_id: str
    request: Request
    waited: timedelta  # from the request to ``now``


def queue(data: ClassData, now: datetime) -> list[QueueItem]:
    """Every pending request of every student, oldest first (ties: student id, request
    id)."""
    items = [QueueItem(sid, rid, request, now - request.at)
             for sid in data.records for rid, request in pending_requests(data.record(sid))]
    items.sort(key=lambda item: (item.request.at, item.student, item.request_id))
    return items


# --------------------------------------------------------------------------- the work


@dataclass(frozen=True)
class WorkItem:
    """An activity serving the competency, with what the student did in it."""

    playlist: Playlist
    tier: Tier
    activity: Activity
    ticked: datetime | None
    note: Note | None

    @property
    def reflection(self) -> str:
        return self.note.reflection if self.note else ""

    @property
    def evidence(self) -> str:
        return self.note.evidence if self.note else ""


@dataclass(frozen=True)
class Evidence:
    """Everything a reviewer needs to decide on one request: the student's work on the
    competency and the history of their checks on it."""

    student: str
    competency: str
    activities: tuple[WorkItem, ...]  # every activity serving it, ticked or not
    history: tuple[Event, ...]  # requests and decisions, in time order
    status: CompetencyStatus

    @property
    def ticked(self) -> tuple[WorkItem, ...]:
        return tuple(w for w in self.activities if w.ticked is not None)

    @property
    def decisions(self) -> tuple[Event, ...]:
        return tuple(e for e in self.history if e.decision is not None)

    @property
    def requests(self) -> tuple[Event, ...]:
        return tuple(e for e in self.history if e.decision is None)


def work_on(data: ClassData, student: str, competency: str) -> Evidence:
    """The student's work on a competency: the activities serving it in their assigned
    playlists (then in any other playlist they ticked something of), in playlist order,
    with tick times, reflections and evidence links; and every earlier request and
    decision on it with its feedback."""
    own = data.record(student).student
    playlists = list(data.assigned_playlists(student))
    ticked_in = {split_ref(ref)[0] for ref in own.ticks}
    playlists += [data.playlists[p] for p in sorted(ticked_in)
                  if p in data.playlists and data.playlists[p] not in playlists]
    items: list[WorkItem] = []
    for playlist in playlists:
        for tier in playlist.tiers:
            for activity in tier.activities:
                if competency not in activity.competencies:
                    continue
                ref = make_ref(playlist.id, activity.id)
                items.append(WorkItem(playlist, tier, activity, own.ticks.get(ref),
                                      own.notes.get(ref)))
    status = statuses(data, student, [competency])[competency]
    return Evidence(student, competency, tuple(items), status.history, status)
