"""Readiness for a mastery check, with every reason that stands in the way.

A student is ready to request a check on competency C through playlist P when:
1. C is one of P's check competencies;
2. the tier named by ``ready_after`` is complete (default: every non-optional tier);
3. with ``require_prerequisites = true``: every prerequisite of C is mastered;
4. no request for C is pending.
"""

from __future__ import annotations

from dataclasses import dataclass

from playlist_tui.engine.mastery import competency_status
from playlist_tui.engine.progress import tier_statuses
from playlist_tui.model.files import Playlist
from playlist_tui.model.klass import ClassData


@dataclass(frozen=True)
class Readiness:
    competency: str
    ready: bool
    reasons: tuple[str, ...]  # what is missing; empty when ready

    def explain(self) -> str:
        if self.ready:
            return f"Ready to request a check on {self.competency}."
        return f"Not ready for a check on {self.competency}: " + "; ".join(self.reasons) + "."


def readiness(data: ClassData, student: str, playlist: Playlist, competency: str) -> Readiness:
    reasons: list[str] = []
    if competency not in playlist.check.competencies:
        reasons.append(f"the check of {playlist.title} does not cover {competency}")
        return Readiness(competency, False, tuple(reasons))
    tiers = tier_statuses(data, playlist, student)
    target = playlist.check.ready_after
    required = [t for t in tiers if t.tier.id == target]
    if not required:  # no ready_after, or one naming a missing tier (reported by validate)
        required = [t for t in tiers if not t.optional]
    for status in required:
        if status.complete:
            continue
        if status.unlocked:
            reasons.append(f"finish {status.remaining} more in tier {status.tier.title}")
        else:
            reasons.append(f"tier {status.tier.title} is still locked")
    if playlist.check.require_prerequisites:
        wanted = data.competencies.get(competency)
        for pre in wanted.prerequisites if wanted else ():
            pre_status = competency_status(data, student, pre)
            if not pre_status.mastered:
                reasons.append(f"master the prerequisite {pre} first ({pre_status.describe()})")
    current = competency_status(data, student, competency)
    if current.pending:
        when = current.pending[0][1].at.strftime("%d %b")
        reasons.append(f"a check on {competency} requested on {when} is still waiting for a "
                       "teacher's decision")
    return Readiness(competency, not reasons, tuple(reasons))


def check_options(data: ClassData, student: str, playlist: Playlist) -> list[Readiness]:
    return [readiness(data, student, playlist, c) for c in playlist.check.competencies]
