"""What the screens show, worked out from the engine (no Textual): the screens draw it.

Each function here is the one definition of a thing a screen shows, so that a screen
holds no rule or count of its own (issue 14):

- :class:`PlaylistTally`: how the assignees of a playlist are doing, counted one student
  at a time (the dashboard counts in a worker, student by student) with the rules of
  :func:`playlist_tui.engine.classstats.playlist_summary`;
- :func:`evidence_lines`: a student's work on a competency, for the reviewer of a request,
  from :func:`playlist_tui.engine.classstats.work_on` (assigned playlists, then any other
  playlist the student ticked something in).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from playlist_tui.engine.classstats import PlaylistSummary, work_on
from playlist_tui.engine.progress import PlaylistProgress
from playlist_tui.model.files import Result
from playlist_tui.model.klass import ClassData


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
