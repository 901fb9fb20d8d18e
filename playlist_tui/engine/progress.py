"""Progress through a playlist: which tiers are unlocked and complete, and why.

Rules (documented in docs/formats.md):
- ``unlock = "open"``: unlocked from the start (the default for the first tier).
- ``unlock = "previous"``: unlocked when the tier before it is unlocked and complete (the
  default for every later tier).
- ``unlock = { mastered = "ID" }``: unlocked once the student's current level for that
  competency counts as mastered.
- A tier is complete when it is unlocked and its rule is met: ``"all"`` activities, at
  least ``N``, or ``"optional"`` (nothing required: complete as soon as it is unlocked).
"""

from __future__ import annotations

from dataclasses import dataclass

from playlist_tui.engine.mastery import State, competency_status
from playlist_tui.model.files import Activity, MasteredUnlock, Playlist, Tier
from playlist_tui.model.ids import make_ref
from playlist_tui.model.klass import ClassData


@dataclass(frozen=True)
class TierStatus:
    tier: Tier
    index: int
    unlocked: bool
    complete: bool
    done: int  # activities ticked in this tier
    needed: int  # how many the rule asks for (0 for optional)
    total: int
    why: str  # the status in words, with what to do about it

    @property
    def remaining(self) -> int:
        return max(0, self.needed - self.done)

    @property
    def optional(self) -> bool:
        return self.tier.complete == "optional"

    @property
    def state_word(self) -> str:
        if not self.unlocked:
            return "locked"
        return "complete" if self.complete else "open"


@dataclass(frozen=True)
class PlaylistProgress:
    playlist: Playlist
    tiers: tuple[TierStatus, ...]
    done: int
    total: int

    @property
    def complete(self) -> bool:
        """Every required tier is complete (an optional tier, even locked, never blocks)."""
        return all(t.complete for t in self.tiers if not t.optional)

    @property
    def started(self) -> bool:
        return self.done > 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    def tier_of(self, activity_id: str) -> TierStatus | None:
        for status in self.tiers:
            if any(a.id == activity_id for a in status.tier.activities):
                return status
        return None


def needed(tier: Tier) -> int:
    if tier.complete == "all":
        return len(tier.activities)
    if tier.complete == "optional":
        return 0
    return min(tier.complete, len(tier.activities))


def rule_words(tier: Tier) -> str:
    if tier.complete == "all":
        return "do all"
    if tier.complete == "optional":
        return "optional"
    return f"choose {tier.complete}"


def _activities(n: int) -> str:
    return f"{n} more {'activity' if n == 1 else 'activities'}"


def tier_statuses(data: ClassData, playlist: Playlist, student: str) -> tuple[TierStatus, ...]:
    ticks = data.record(student).student.ticks
    out: list[TierStatus] = []
    previous: TierStatus | None = None
    for index, tier in enumerate(playlist.tiers):
        done = sum(1 for a in tier.activities if make_ref(playlist.id, a.id) in ticks)
        need = needed(tier)
        rule = playlist.unlock_rule(index)
        if rule == "open" or (rule == "previous" and previous is None):
            unlocked, locked_why = True, ""
        elif rule == "previous":
            assert previous is not None
            unlocked = previous.complete
            if previous.unlocked:
                locked_why = (f"Tier {tier.title} is locked: finish "
                              f"{_activities(previous.remaining)} in {previous.tier.title}")
            else:
                locked_why = (f"Tier {tier.title} is locked until {previous.tier.title} is complete"
                              f" ({previous.tier.title} is locked too)")
        else:
            assert isinstance(rule, MasteredUnlock)
            status = competency_status(data, student, rule.mastered)
            unlocked = status.mastered
            competency = data.competencies.get(rule.mastered)
            label = f"{rule.mastered}" + (f" ({competency.label})" if competency else "")
            now = {State.NOT_STARTED: "no check yet", State.PENDING: "a check is pending",
                   State.NOT_YET: f"latest check: not yet{_level(status.level_name)}",
                   State.MASTERED: "mastered"}[status.state]
            locked_why = f"Tier {tier.title} is locked until mastery of {label}: {now}"
        complete = unlocked and done >= need
        if not unlocked:
            why = locked_why
        elif complete:
            why = (f"Tier {tier.title} is complete: {done} of {len(tier.activities)} done"
                   + (" (optional)" if tier.complete == "optional" else ""))
        elif tier.complete == "all":
            why = (f"Tier {tier.title} is open: {done} of {len(tier.activities)} done; "
                   f"finish {_activities(need - done)}")
        else:
            why = (f"Tier {tier.title} is open: choose {need} of {len(tier.activities)}; "
                   f"{done} done, {_activities(need - done)} to go")
        status_now = TierStatus(tier, index, unlocked, complete, done, need,
                                len(tier.activities), why)
        out.append(status_now)
        previous = status_now
    return tuple(out)


def _level(name: str) -> str:
    return f" ({name})" if name else ""


def playlist_progress(data: ClassData, playlist: Playlist, student: str) -> PlaylistProgress:
    """Progress as "done of total" over required activities (optional tiers add nothing).

    A tier asking for N activities adds N to the total, and at most N to done; ticks in a
    locked tier do not count, as they do not count toward completing it.
    """
    tiers = tier_statuses(data, playlist, student)
    done = sum(min(t.done, t.needed) for t in tiers if t.unlocked)
    total = sum(t.needed for t in tiers)
    return PlaylistProgress(playlist, tiers, done, total)


def can_tick(data: ClassData, playlist: Playlist, student: str, activity_id: str
             ) -> tuple[bool, str]:
    """Whether a student may tick an activity now, and if not, why."""
    for status in tier_statuses(data, playlist, student):
        if any(a.id == activity_id for a in status.tier.activities):
            return (True, "") if status.unlocked else (False, status.why)
    return False, f"{activity_id!r} is not an activity of {playlist.title}"


def next_activities(data: ClassData, playlist: Playlist, student: str, limit: int = 3
                    ) -> list[tuple[Tier, Activity]]:
    """What to do next: unticked activities of the first open tier that is not complete."""
    ticks = data.record(student).student.ticks
    for status in tier_statuses(data, playlist, student):
        if status.unlocked and not status.complete:
            todo = [(status.tier, a) for a in status.tier.activities
                    if make_ref(playlist.id, a.id) not in ticks]
            return todo[:limit]
    return []
