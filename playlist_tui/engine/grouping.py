"""Suggested small groups: students whose next step is the same.

Pure: takes a :class:`ClassData`, returns suggestions. Three kinds (documented in
docs/formats.md, section 12.7), over the students of the roster:

- ``tier:PLAYLIST/TIER``: the first tier of an assigned playlist that is unlocked but not
  complete is the same tier ("Working on tier Should do of Unit Rates (3 students)");
- ``not-yet:COMPETENCY``: the latest decision on the competency is "not yet" ("Not yet on
  MATH.6.RP.2: needs re-teaching");
- ``ready:COMPETENCY``: ready to request a check on it through an assigned playlist, not
  mastered and not requested ("Ready for a check on MATH.6.RP.1, not requested yet"). A
  student whose latest decision on it (of those that count:
  :func:`~playlist_tui.engine.mastery.counted_decisions`) is "not yet" is not ready again
  until they tick an activity after that decision: they are in the "not yet" group.

A reason never carries a count: it may become a group's name, and a count in a name goes
stale as soon as a student moves on (screens show the count beside it).

Only suggestions with at least ``min_size`` students are given, largest first, then by
reason and key; the students of a suggestion are in roster order.
"""

from __future__ import annotations

from dataclasses import dataclass

from playlist_tui.engine.mastery import CompetencyStatus, State, statuses
from playlist_tui.engine.progress import tier_statuses
from playlist_tui.engine.readiness import readiness
from playlist_tui.model.files import Playlist
from playlist_tui.model.klass import ClassData


@dataclass(frozen=True)
class Suggestion:
    key: str  # "tier:PLAYLIST/TIER", "not-yet:COMPETENCY" or "ready:COMPETENCY"
    reason: str  # in words, for the teacher (and as the name of a saved group)
    students: tuple[str, ...]

    @property
    def kind(self) -> str:
        return self.key.partition(":")[0]

    @property
    def size(self) -> str:
        """``3 students``: shown beside the reason, never stored in a name."""
        return students_words(len(self.students))


def students_words(n: int) -> str:
    return f"{n} student" if n == 1 else f"{n} students"


def _worked_since(data: ClassData, student: str, status: CompetencyStatus) -> bool:
    """Whether the student ticked an activity after their latest "not yet" decision."""
    if status.state != State.NOT_YET or status.latest is None:
        return True
    since = status.latest.at
    return any(at > since for at in data.record(student).student.ticks.values())


def _competencies_of(playlist: Playlist) -> set[str]:
    found = set(playlist.check.competencies)
    for tier in playlist.tiers:
        for activity in tier.activities:
            found.update(activity.competencies)
    return found


def suggest_groups(data: ClassData, playlist: str | None = None, min_size: int = 2
                   ) -> list[Suggestion]:
    """Groups of students who need the same thing next (only about ``playlist``, if given:
    its tiers, its competencies and its check)."""
    students = list(data.students)
    members: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}

    def add(key: str, reason: str, student: str) -> None:
        reasons.setdefault(key, reason)
        found = members.setdefault(key, [])
        if student not in found:
            found.append(student)

    only = data.playlists.get(playlist) if playlist is not None else None
    wanted_competencies: set[str] | None = None
    if playlist is not None:
        wanted_competencies = _competencies_of(only) if only is not None else set()
    competencies = [c for c in data.competencies
                    if wanted_competencies is None or c in wanted_competencies]

    for sid in students:
        assigned = [p for p in data.assigned_playlists(sid)
                    if playlist is None or p.id == playlist]
        current = statuses(data, sid, competencies)
        # (a) the same open tier
        for item in assigned:
            for tier in tier_statuses(data, item, sid):
                if tier.unlocked and not tier.complete:
                    add(f"tier:{item.id}/{tier.tier.id}",
                        f"Working on tier {tier.tier.title} of {item.title}", sid)
                    break
        # (b) the same competency, not yet
        for competency in competencies:
            if current[competency].state == State.NOT_YET:
                add(f"not-yet:{competency}", f"Not yet on {competency}: needs re-teaching",
                    sid)
        # (c) ready for the same check, not requested
        for item in assigned:
            for competency in item.check.competencies:
                now = current.get(competency)
                if now is None or now.mastered or not _worked_since(data, sid, now):
                    continue
                if readiness(data, sid, item, competency).ready:
                    add(f"ready:{competency}",
                        f"Ready for a check on {competency}, not requested yet", sid)

    out: list[Suggestion] = []
    for key, found in members.items():
        if len(found) < max(1, min_size):
            continue
        out.append(Suggestion(key, reasons[key], tuple(found)))
    out.sort(key=lambda s: (-len(s.students), s.reason, s.key))
    return out
