"""Progress through a playlist: which tiers are unlocked and complete, and why.

Rules (documented in docs/formats.md):
- ``unlock = "open"``: unlocked from the start (the default for the first tier).
- ``unlock = "previous"``: unlocked when the tier before it is unlocked and complete (the
  default for every later tier).
- ``unlock = { mastered = "ID" }``: unlocked once the student's current level for that
  competency counts as mastered.
- A tier is complete when it is unlocked and its rule is met: ``"all"`` activities, at
  least ``N``, or ``"optional"`` (nothing required: complete as soon as it is unlocked).

A teacher's adjustment of the playlist for one student (``[adjustments]`` in the student's
teacher.toml) changes these rules for that student only:
- ``start = "TIER"``: the tiers before it are complete ("placed out by your teacher") and
  require nothing; the start tier itself is unlocked whatever its own rule.
- ``skip = [...]``: those activities are not required: they are left out of the tier's
  count (ticks of them do not count either), so ``"all"`` means every other activity and
  ``N`` is lowered to the number of activities left if that is fewer.
- ``add = [...]``: those activities are required: a ``N`` tier is complete only once they
  are ticked too (and needs at least as many activities as were added); an optional tier
  holding added activities is complete once they are ticked, and is required while it is
  unlocked. A locked optional tier holds nothing back for readiness (an activity added in
  a tier that opens on mastery never stops the student from asking for that check), but
  the playlist is not complete until every added activity is ticked: they count in its
  "done of total". An activity both skipped and added counts as skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from playlist_tui.engine.mastery import State, competency_status
from playlist_tui.engine.words import counted as counted  # (most callers import them here)
from playlist_tui.engine.words import of_total as of_total
from playlist_tui.model.files import Activity, Adjustment, MasteredUnlock, Playlist, Tier
from playlist_tui.model.ids import make_ref
from playlist_tui.model.klass import ClassData


@dataclass(frozen=True)
class TierStatus:
    tier: Tier
    index: int
    unlocked: bool
    complete: bool
    done: int  # activities ticked in this tier (skipped ones do not count)
    needed: int  # how many the rule asks for (0 for optional)
    total: int  # activities of the tier that count for this student (skipped ones do not)
    why: str  # the status in words, with what to do about it
    placed_out: bool = False  # before the student's start tier: complete by placement
    skipped: tuple[str, ...] = ()  # activity ids of this tier the teacher skipped
    added: tuple[str, ...] = ()  # activity ids of this tier the teacher made required
    missing: tuple[str, ...] = ()  # added activities not ticked yet

    @property
    def remaining(self) -> int:
        return max(0, self.needed - self.done, len(self.missing))

    @property
    def optional(self) -> bool:
        """Nothing in it is required (an optional tier, unless it is unlocked and holds
        activities the teacher added for this student)."""
        return self.tier.complete == "optional" and not (self.added and self.unlocked)

    @property
    def adjusted(self) -> bool:
        return self.placed_out or bool(self.skipped or self.added)

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
        """Every required tier is complete and every activity the teacher added for the
        student is ticked (an optional tier without added activities never blocks)."""
        return (all(t.complete for t in self.tiers if not t.optional)
                and not any(t.missing for t in self.tiers))

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


def playlist_competencies(playlist: Playlist) -> list[str]:
    """Every competency a playlist is about, once each, in order: its check's, then those
    its tiers' unlock rules and activities name. (A grid of "the playlist's
    competencies" shows these, not only the check's.)"""
    found: list[str] = list(playlist.check.competencies)
    for index, tier in enumerate(playlist.tiers):
        rule = playlist.unlock_rule(index)
        if not isinstance(rule, str):
            found.append(rule.mastered)
        for activity in tier.activities:
            found.extend(activity.competencies)
    return list(dict.fromkeys(found))


def _activities(n: int) -> str:
    return f"{n} more {'activity' if n == 1 else 'activities'}"


def adjustment(data: ClassData, playlist: Playlist | str, student: str) -> Adjustment | None:
    """The teachers' adjustment of a playlist for one student, if there is one."""
    pid = playlist if isinstance(playlist, str) else playlist.id
    return data.record(student).teacher.adjustments.get(pid)


def _adjusted_words(skipped: int, added: int, locked: bool = False) -> str:
    """' (1 required by your teacher, 2 skipped by your teacher)', or '' without any."""
    parts = []
    if added:
        parts.append(f"{added} required by your teacher")
    if skipped:
        parts.append(f"{skipped} skipped by your teacher")
    if not parts:
        return ""
    return f" ({'in this tier: ' if locked else ''}{', '.join(parts)})"


def tier_statuses(data: ClassData, playlist: Playlist, student: str) -> tuple[TierStatus, ...]:
    record = data.record(student)
    ticks = record.student.ticks
    adjust = record.teacher.adjustments.get(playlist.id)
    skip: frozenset[str] = frozenset(adjust.skip) if adjust else frozenset()
    add: frozenset[str] = frozenset(adjust.add) - skip if adjust else frozenset()
    start = -1
    if adjust is not None and adjust.start is not None:
        start = next((i for i, t in enumerate(playlist.tiers) if t.id == adjust.start), -1)
    out: list[TierStatus] = []
    previous: TierStatus | None = None
    for index, tier in enumerate(playlist.tiers):
        counting: Sequence[Activity] = tier.activities
        skipped: tuple[str, ...] = ()
        added: tuple[str, ...] = ()
        missing: tuple[str, ...] = ()
        if skip or add:
            counting = [a for a in tier.activities if a.id not in skip]
            skipped = tuple(a.id for a in tier.activities if a.id in skip)
            added = tuple(a.id for a in counting if a.id in add)
            ticked = {a.id for a in counting if make_ref(playlist.id, a.id) in ticks}
            done = len(ticked)
            missing = tuple(a for a in added if a not in ticked)
        else:
            done = sum(1 for a in counting if make_ref(playlist.id, a.id) in ticks)
        if index < start:
            status_now = TierStatus(
                tier, index, True, True, done, 0, len(counting),
                f"Tier {tier.title} is complete: placed out by your teacher", placed_out=True,
                skipped=skipped, added=added)
            out.append(status_now)
            previous = status_now
            continue
        rule = playlist.unlock_rule(index)
        if index == start or rule == "open" or (rule == "previous" and previous is None):
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
        if tier.complete == "all":
            need = len(counting)
        elif tier.complete == "optional":
            need = len(added) if unlocked else 0
        else:
            need = max(min(tier.complete, len(counting)), len(added))
        complete = unlocked and done >= need and not missing
        suffix = _adjusted_words(len(skipped), len(added)) if skipped or added else ""
        remaining = max(need - done, len(missing))
        if not unlocked:
            why = locked_why + (_adjusted_words(len(skipped), len(added), locked=True)
                                if skipped or added else "")
        elif complete:
            why = (f"Tier {tier.title} is complete: {done} of {len(counting)} done"
                   + (" (optional)" if tier.complete == "optional" and not added else "")
                   + suffix)
        elif tier.complete == "optional":
            why = (f"Tier {tier.title} is open: your teacher added "
                   f"{len(added)} {'activity' if len(added) == 1 else 'activities'} for you "
                   f"here; finish {_activities(remaining)}")
        elif tier.complete == "all":
            why = (f"Tier {tier.title} is open: {done} of {len(counting)} done; "
                   f"finish {_activities(remaining)}" + suffix)
        else:
            why = (f"Tier {tier.title} is open: choose {need} of {len(counting)}; "
                   f"{done} done, {_activities(remaining)} to go" + suffix)
        status_now = TierStatus(tier, index, unlocked, complete, done, need, len(counting), why,
                                skipped=skipped, added=added, missing=missing)
        out.append(status_now)
        previous = status_now
    return tuple(out)


def _level(name: str) -> str:
    return f" ({name})" if name else ""


def playlist_progress(data: ClassData, playlist: Playlist, student: str) -> PlaylistProgress:
    """Progress as "done of total" over required activities (optional tiers add nothing).

    A tier asking for N activities adds N to the total, and at most N to done; ticks in a
    locked tier do not count, as they do not count toward completing it. With an
    adjustment, a placed-out tier adds nothing, skipped activities add nothing, and an
    activity the teacher added counts once it is ticked (in a locked optional tier too:
    it is required for this student even before the tier opens).
    """
    tiers = tier_statuses(data, playlist, student)
    waiting = [t for t in tiers if t.optional and t.added]  # locked optional, with added
    done = (sum(t.needed - t.remaining for t in tiers if t.unlocked)
            + sum(len(t.added) - len(t.missing) for t in waiting))
    total = sum(t.needed for t in tiers) + sum(len(t.added) for t in waiting)
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
    """What to do next: unticked activities of the first open tier that is not complete.

    Activities the teacher added for this student come first; skipped ones are left out
    (and so are the other activities of a tier when only added ones are still missing)."""
    ticks = data.record(student).student.ticks
    for status in tier_statuses(data, playlist, student):
        if status.unlocked and not status.complete:
            missing = set(status.missing)
            only_missing = status.tier.complete == "optional" or status.done >= status.needed
            todo = [(status.tier, a) for a in status.tier.activities
                    if a.id not in status.skipped and make_ref(playlist.id, a.id) not in ticks
                    and (a.id in missing or not only_missing)]
            todo.sort(key=lambda item: item[1].id not in missing)
            return todo[:limit]
    return []
