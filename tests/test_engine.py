"""Unit tests of the engine rules (progress, unlocks, explanations, mastery, readiness).

Every test builds a small hand-made class in memory and states the expected values
explicitly; nothing here reads the demo class or the disk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playlist_tui.engine.mastery import State, competency_status, pending_requests, statuses
from playlist_tui.engine.mastery import states as mastery_states
from playlist_tui.engine.progress import (
    TierStatus,
    can_tick,
    next_activities,
    playlist_progress,
    tier_statuses,
)
from playlist_tui.engine.readiness import readiness
from playlist_tui.model.check import ParsedFiles, build_class
from playlist_tui.model.files import (
    ClassFile,
    Framework,
    Playlist,
    StudentFile,
    TeacherFile,
)
from playlist_tui.model.klass import ClassData

# --------------------------------------------------------------------------- helpers

STUDENT = "ana"

FRAMEWORK = Framework.model_validate({
    "id": "math",
    "title": "Math",
    "scale": {"levels": ["Beginning", "Developing", "Proficient", "Extending"],
              "mastered_at": 3},
    "competencies": [
        {"id": "ratio", "name": "Ratios", "statement": "I can use ratio language."},
        {"id": "rate", "name": "Unit rates", "statement": "I can find unit rates.",
         "prerequisites": ["ratio"]},
        {"id": "units", "statement": "I can convert units.", "prerequisites": ["ratio"]},
    ],
})

CLASS = ClassFile.model_validate({
    "name": "Test class",
    "teachers": [{"id": "lee", "name": "Ms Lee"}],
    "students": [{"id": "ana", "name": "Ana"}, {"id": "ben", "name": "Ben"}],
})


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in November 2026 (UTC)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def tier(tid: str, title: str, activities: list[str], **extra: Any) -> dict[str, Any]:
    return {"id": tid, "title": title, **extra,
            "activities": [{"id": a, "title": f"Activity {a}"} for a in activities]}


def playlist(*tiers: dict[str, Any], pid: str = "ratios", title: str = "Ratios",
             check: dict[str, Any] | None = None) -> Playlist:
    return Playlist.model_validate(
        {"id": pid, "title": title, "tiers": list(tiers), "check": check or {}})


def req(competency: str, when: datetime, **extra: Any) -> dict[str, Any]:
    return {"competency": competency, "at": when, **extra}


def dec(result: str, when: datetime, **extra: Any) -> dict[str, Any]:
    return {"result": result, "at": when, "by": "lee", **extra}


def build(*playlists: Playlist, ticks: list[str] | tuple[str, ...] = (),
          requests: dict[str, Any] | None = None, decisions: dict[str, Any] | None = None,
          class_file: ClassFile = CLASS, clean: bool = True) -> ClassData:
    """A class with FRAMEWORK, the given playlists and the student 'ana''s two files."""
    student = StudentFile.model_validate(
        {"ticks": dict.fromkeys(ticks, at(1)), "requests": requests or {}})
    teacher = TeacherFile.model_validate({"decisions": decisions or {}})
    files = ParsedFiles(
        class_file=class_file,
        frameworks=[("frameworks/math.toml", FRAMEWORK)],
        playlists=[(f"playlists/{p.id}.toml", p) for p in playlists],
        student_files={STUDENT: ("students/ana/student.toml", student)},
        teacher_files={STUDENT: ("students/ana/teacher.toml", teacher)},
        student_folders={STUDENT: "students/ana"},
    )
    data, problems = build_class(files, locate=lambda path, loc: (1, 1))
    if clean:
        assert problems == [], "the hand-made class should be valid"
    return data


def states(data: ClassData, pl: Playlist) -> list[str]:
    """'locked' / 'open' / 'complete' for each tier, in order."""
    return [s.state_word for s in tier_statuses(data, pl, STUDENT)]


def status_of(data: ClassData, pl: Playlist, tier_id: str) -> TierStatus:
    for status in tier_statuses(data, pl, STUDENT):
        if status.tier.id == tier_id:
            return status
    raise AssertionError(f"no tier {tier_id}")


CORE_PRACTICE = playlist(
    tier("core", "Core", ["c1", "c2", "c3"]),
    tier("practice", "Practice", ["p1", "p2"]),
)


# --------------------------------------------------------------------------- tiers


def test_first_tier_open_by_default_and_second_waits_for_it() -> None:
    data = build(CORE_PRACTICE)
    core, practice = tier_statuses(data, CORE_PRACTICE, STUDENT)
    assert (core.unlocked, core.complete, core.done, core.needed, core.total) == (
        True, False, 0, 3, 3)
    assert (practice.unlocked, practice.complete, practice.done, practice.needed) == (
        False, False, 0, 2)
    assert states(data, CORE_PRACTICE) == ["open", "locked"]


def test_previous_tier_unlocks_only_once_the_previous_is_complete() -> None:
    partly = build(CORE_PRACTICE, ticks=["ratios/c1", "ratios/c2"])
    assert states(partly, CORE_PRACTICE) == ["open", "locked"]
    done = build(CORE_PRACTICE, ticks=["ratios/c1", "ratios/c2", "ratios/c3"])
    assert states(done, CORE_PRACTICE) == ["complete", "open"]
    everything = build(CORE_PRACTICE, ticks=["ratios/c1", "ratios/c2", "ratios/c3",
                                             "ratios/p1", "ratios/p2"])
    assert states(everything, CORE_PRACTICE) == ["complete", "complete"]


def test_previous_requires_the_previous_tier_to_be_unlocked_too() -> None:
    # "mid" is mastery-locked; all its activities are ticked, yet it is not complete,
    # so "last" (unlock = "previous" by default) stays locked.
    pl = playlist(
        tier("core", "Core", ["c1"]),
        tier("mid", "Mid", ["m1"], unlock={"mastered": "ratio"}),
        tier("last", "Last", ["l1"]),
    )
    data = build(pl, ticks=["ratios/c1", "ratios/m1"])
    mid = status_of(data, pl, "mid")
    assert (mid.unlocked, mid.complete, mid.done) == (False, False, 1)
    last = status_of(data, pl, "last")
    assert (last.unlocked, last.complete) == (False, False)


CHAIN = playlist(
    tier("a", "A", ["a1", "a2"]),
    tier("b", "B", ["b1"]),
    tier("c", "C", ["c1"]),
)


@pytest.mark.parametrize(("ticks", "expected"), [
    ([], ["open", "locked", "locked"]),
    (["ratios/a1"], ["open", "locked", "locked"]),
    (["ratios/a1", "ratios/a2"], ["complete", "open", "locked"]),
    (["ratios/a1", "ratios/a2", "ratios/b1"], ["complete", "complete", "open"]),
    (["ratios/a1", "ratios/a2", "ratios/b1", "ratios/c1"], ["complete", "complete", "complete"]),
    # C ticked but B not done: C stays locked and incomplete
    (["ratios/a1", "ratios/a2", "ratios/c1"], ["complete", "open", "locked"]),
    # B and C ticked but A not done: both stay locked
    (["ratios/a1", "ratios/b1", "ratios/c1"], ["open", "locked", "locked"]),
])
def test_chain_of_three_tiers(ticks: list[str], expected: list[str]) -> None:
    assert states(build(CHAIN, ticks=ticks), CHAIN) == expected


CHOOSE = playlist(
    tier("core", "Core", ["c1", "c2", "c3"], complete=2),
    tier("next", "Next", ["n1"]),
)


@pytest.mark.parametrize(("ticks", "complete", "next_unlocked"), [
    ([], False, False),
    (["ratios/c3"], False, False),  # exactly N-1 is not enough
    (["ratios/c1", "ratios/c3"], True, True),  # exactly N
    (["ratios/c1", "ratios/c2", "ratios/c3"], True, True),  # more than N
])
def test_complete_n_means_at_least_n(ticks: list[str], complete: bool,
                                     next_unlocked: bool) -> None:
    data = build(CHOOSE, ticks=ticks)
    core = status_of(data, CHOOSE, "core")
    assert core.complete is complete
    assert core.needed == 2
    assert core.done == len(ticks)
    assert status_of(data, CHOOSE, "next").unlocked is next_unlocked


def test_complete_all_needs_every_activity() -> None:
    data = build(CORE_PRACTICE, ticks=["ratios/c1", "ratios/c3"])
    core = status_of(data, CORE_PRACTICE, "core")
    assert (core.complete, core.done, core.needed, core.remaining) == (False, 2, 3, 1)


OPTIONAL = playlist(
    tier("core", "Core", ["c1"]),
    tier("extra", "Extra", ["x1", "x2"], complete="optional"),
    tier("final", "Final", ["f1"]),
)


def test_optional_tier_is_complete_as_soon_as_it_is_unlocked() -> None:
    data = build(OPTIONAL, ticks=["ratios/c1"])
    extra = status_of(data, OPTIONAL, "extra")
    assert (extra.unlocked, extra.complete, extra.done, extra.needed, extra.optional) == (
        True, True, 0, 0, True)
    assert states(data, OPTIONAL) == ["complete", "complete", "open"]


def test_optional_tier_never_blocks_the_next_tier() -> None:
    for ticks in (["ratios/c1"], ["ratios/c1", "ratios/x1"], ["ratios/c1", "ratios/x1",
                                                               "ratios/x2"]):
        data = build(OPTIONAL, ticks=ticks)
        assert status_of(data, OPTIONAL, "final").unlocked is True


def test_locked_optional_tier_is_not_complete() -> None:
    data = build(OPTIONAL)
    extra = status_of(data, OPTIONAL, "extra")
    assert (extra.unlocked, extra.complete) == (False, False)
    assert states(data, OPTIONAL) == ["open", "locked", "locked"]


def test_optional_first_tier_unlocks_the_second() -> None:
    pl = playlist(tier("warm", "Warm-up", ["w1"], complete="optional"),
                  tier("core", "Core", ["c1"]))
    assert states(build(pl), pl) == ["complete", "open"]


def test_unlock_open_on_a_later_tier() -> None:
    pl = playlist(
        tier("core", "Core", ["c1", "c2"]),
        tier("side", "Side quest", ["s1"], unlock="open"),
        tier("after", "After", ["z1"]),
    )
    data = build(pl)
    assert states(data, pl) == ["open", "open", "locked"]
    # "after" follows "side" (its previous tier), not "core"
    data = build(pl, ticks=["ratios/s1"])
    assert states(data, pl) == ["open", "complete", "open"]


def test_explicit_previous_on_the_first_tier_is_open() -> None:
    pl = playlist(tier("core", "Core", ["c1"], unlock="previous"))
    data, problems = build_class(
        ParsedFiles(class_file=CLASS, playlists=[("playlists/ratios.toml", pl)]),
        locate=lambda path, loc: (1, 1))
    assert states(data, pl) == ["open"]
    assert [p.message for p in problems] == [
        "the first tier has no previous tier; it is treated as open"]


MASTERY_GATED = playlist(
    tier("core", "Core", ["c1"]),
    tier("challenge", "Challenge", ["h1"], unlock={"mastered": "ratio"}),
)
LOCKED_WHY = "Tier Challenge is locked until mastery of ratio (Ratios): "


@pytest.mark.parametrize(("requests", "decisions", "unlocked", "why_end"), [
    pytest.param({}, {}, False, "no check yet", id="no decision"),
    pytest.param({"r1": req("ratio", at(2))}, {}, False, "a check is pending",
                 id="request pending"),
    pytest.param({"r1": req("ratio", at(2))},
                 {"d1": dec("not-yet", at(3), request="r1", level=2)},
                 False, "latest check: not yet (Developing)", id="not yet"),
    pytest.param({}, {"d1": dec("not-yet", at(3), competency="ratio")},
                 False, "latest check: not yet", id="not yet without level"),
    pytest.param({"r1": req("ratio", at(2))},
                 {"d1": dec("mastered", at(3), request="r1")}, True, None, id="mastered"),
    pytest.param({}, {"d1": dec("mastered", at(3), competency="ratio", level=4),
                      "d2": dec("not-yet", at(5), competency="ratio", level=2)},
                 False, "latest check: not yet (Developing)", id="mastered then not yet"),
    pytest.param({}, {"d2": dec("mastered", at(5), competency="ratio"),
                      "d1": dec("not-yet", at(3), competency="ratio", level=1)},
                 True, None, id="latest by time, not by file order"),
    pytest.param({"r2": req("ratio", at(6))},
                 {"d1": dec("mastered", at(3), competency="ratio")},
                 True, None, id="mastered with a new request pending"),
])
def test_unlock_on_mastery(requests: dict[str, Any], decisions: dict[str, Any],
                           unlocked: bool, why_end: str | None) -> None:
    # "core" is never completed here: a mastery unlock does not depend on the previous tier
    data = build(MASTERY_GATED, requests=requests, decisions=decisions)
    challenge = status_of(data, MASTERY_GATED, "challenge")
    assert challenge.unlocked is unlocked
    if why_end is not None:
        assert challenge.why == LOCKED_WHY + why_end
        assert challenge.state_word == "locked"
    else:
        assert challenge.why == "Tier Challenge is open: 0 of 1 done; finish 1 more activity"


def test_unlock_on_mastery_of_a_competency_without_a_name_uses_its_id() -> None:
    pl = playlist(tier("core", "Core", ["c1"]),
                  tier("conv", "Conversions", ["v1"], unlock={"mastered": "units"}))
    assert status_of(build(pl), pl, "conv").why == (
        "Tier Conversions is locked until mastery of units (I can convert units.): no check yet")


def test_unlock_on_mastery_applies_to_the_first_tier_too() -> None:
    # Documented: unlock = { mastered = "ID" } unlocks once the competency is mastered;
    # only the *default* for the first tier is "open".
    pl = playlist(tier("gate", "Gate", ["g1"], unlock={"mastered": "ratio"}))
    gate = status_of(build(pl), pl, "gate")
    assert (gate.unlocked, gate.complete) == (False, False)
    assert gate.why == "Tier Gate is locked until mastery of ratio (Ratios): no check yet"
    mastered = build(pl, decisions={"d1": dec("mastered", at(3), competency="ratio")})
    assert status_of(mastered, pl, "gate").unlocked is True


def test_ticks_in_a_locked_tier_do_not_complete_it() -> None:
    data = build(CORE_PRACTICE, ticks=["ratios/c1", "ratios/p1", "ratios/p2"])
    practice = status_of(data, CORE_PRACTICE, "practice")
    assert (practice.unlocked, practice.complete, practice.done) == (False, False, 2)
    assert practice.state_word == "locked"


def test_ticks_of_unknown_activities_are_ignored() -> None:
    other = playlist(tier("core", "Core", ["c1", "c2", "c3"]), pid="other", title="Other")
    data = build(CORE_PRACTICE, other,
                 ticks=["ratios/zzz", "ghost/c1", "other/c1", "other/c2", "other/c3"],
                 clean=False)
    core = status_of(data, CORE_PRACTICE, "core")
    assert (core.done, core.complete) == (0, False)
    assert states(data, CORE_PRACTICE) == ["open", "locked"]


# --------------------------------------------------------------------------- explanations


@pytest.mark.parametrize(("ticks", "why"), [
    ([], "Tier Practice is locked: finish 3 more activities in Core"),
    (["ratios/c1"], "Tier Practice is locked: finish 2 more activities in Core"),
    (["ratios/c1", "ratios/c2"], "Tier Practice is locked: finish 1 more activity in Core"),
])
def test_why_a_tier_waits_for_the_previous_one(ticks: list[str], why: str) -> None:
    assert status_of(build(CORE_PRACTICE, ticks=ticks), CORE_PRACTICE, "practice").why == why


def test_why_counts_what_a_choose_n_tier_still_needs() -> None:
    data = build(CHOOSE, ticks=["ratios/c2"])
    assert status_of(data, CHOOSE, "next").why == (
        "Tier Next is locked: finish 1 more activity in Core")


def test_why_when_the_previous_tier_is_locked_too() -> None:
    data = build(CHAIN)
    assert status_of(data, CHAIN, "c").why == (
        "Tier C is locked until B is complete (B is locked too)")


def test_why_open_and_complete_wording() -> None:
    pl = playlist(
        tier("core", "Core", ["c1", "c2", "c3"]),
        tier("practice", "Practice", ["p1", "p2", "p3"], complete=2),
        tier("extra", "Extra", ["x1", "x2"], complete="optional"),
    )
    data = build(pl, ticks=["ratios/c1"])
    assert status_of(data, pl, "core").why == (
        "Tier Core is open: 1 of 3 done; finish 2 more activities")
    data = build(pl, ticks=["ratios/c1", "ratios/c2"])
    assert status_of(data, pl, "core").why == (
        "Tier Core is open: 2 of 3 done; finish 1 more activity")
    data = build(pl, ticks=["ratios/c1", "ratios/c2", "ratios/c3"])
    assert status_of(data, pl, "core").why == "Tier Core is complete: 3 of 3 done"
    assert status_of(data, pl, "practice").why == (
        "Tier Practice is open: choose 2 of 3; 0 done, 2 more activities to go")
    data = build(pl, ticks=["ratios/c1", "ratios/c2", "ratios/c3", "ratios/p3"])
    assert status_of(data, pl, "practice").why == (
        "Tier Practice is open: choose 2 of 3; 1 done, 1 more activity to go")
    data = build(pl, ticks=["ratios/c1", "ratios/c2", "ratios/c3", "ratios/p1", "ratios/p3"])
    assert status_of(data, pl, "practice").why == "Tier Practice is complete: 2 of 3 done"
    assert status_of(data, pl, "extra").why == "Tier Extra is complete: 0 of 2 done (optional)"
    data = build(pl, ticks=["ratios/c1", "ratios/c2", "ratios/c3", "ratios/p1", "ratios/p3",
                            "ratios/x2"])
    assert status_of(data, pl, "extra").why == "Tier Extra is complete: 1 of 2 done (optional)"


# --------------------------------------------------------------------------- playlist_progress


PROGRESS = playlist(
    tier("core", "Core", ["c1", "c2", "c3"]),
    tier("practice", "Practice", ["p1", "p2", "p3"], complete=2),
    tier("extra", "Extra", ["x1", "x2"], complete="optional"),
)


def test_progress_of_a_fresh_student() -> None:
    progress = playlist_progress(build(PROGRESS), PROGRESS, STUDENT)
    # total = 3 (all of core) + 2 (choose 2 of practice); the optional tier does not count
    assert (progress.done, progress.total, progress.percent) == (0, 5, 0)
    assert progress.complete is False
    assert progress.started is False


def test_progress_counts_required_activities() -> None:
    data = build(PROGRESS, ticks=["ratios/c1", "ratios/c2", "ratios/c3", "ratios/p1"])
    progress = playlist_progress(data, PROGRESS, STUDENT)
    assert (progress.done, progress.total, progress.percent) == (4, 5, 80)
    assert progress.complete is False
    assert progress.started is True


def test_progress_complete() -> None:
    data = build(PROGRESS, ticks=["ratios/c1", "ratios/c2", "ratios/c3", "ratios/p1",
                                  "ratios/p2"])
    progress = playlist_progress(data, PROGRESS, STUDENT)
    assert (progress.done, progress.total, progress.percent) == (5, 5, 100)
    assert progress.complete is True


def test_progress_extra_ticks_in_choose_n_do_not_exceed_the_total() -> None:
    data = build(PROGRESS, ticks=["ratios/c1", "ratios/c2", "ratios/c3", "ratios/p1",
                                  "ratios/p2", "ratios/p3"])
    progress = playlist_progress(data, PROGRESS, STUDENT)
    assert (progress.done, progress.total, progress.percent) == (5, 5, 100)


def test_optional_tiers_do_not_count_toward_the_total() -> None:
    data = build(PROGRESS, ticks=["ratios/c1", "ratios/c2", "ratios/c3", "ratios/x1",
                                  "ratios/x2"])
    progress = playlist_progress(data, PROGRESS, STUDENT)
    assert progress.total == 5
    assert progress.percent <= 100


def test_progress_rounds_the_percent() -> None:
    pl = playlist(tier("core", "Core", ["c1", "c2", "c3"]))
    progress = playlist_progress(build(pl, ticks=["ratios/c1"]), pl, STUDENT)
    assert (progress.done, progress.total, progress.percent) == (1, 3, 33)
    progress = playlist_progress(build(pl, ticks=["ratios/c1", "ratios/c2"]), pl, STUDENT)
    assert progress.percent == 67


def test_progress_of_an_all_optional_playlist() -> None:
    pl = playlist(tier("extra", "Extra", ["x1"], complete="optional"))
    progress = playlist_progress(build(pl), pl, STUDENT)
    assert (progress.done, progress.total, progress.percent, progress.complete) == (
        0, 0, 100, True)


def test_progress_is_incomplete_while_a_tier_is_locked() -> None:
    data = build(MASTERY_GATED, ticks=["ratios/c1"])
    assert playlist_progress(data, MASTERY_GATED, STUDENT).complete is False


# --------------------------------------------------------------------------- can_tick / next


def test_can_tick_an_open_tier() -> None:
    assert can_tick(build(CORE_PRACTICE), CORE_PRACTICE, STUDENT, "c2") == (True, "")


def test_can_tick_refuses_a_locked_tier_with_the_reason() -> None:
    data = build(CORE_PRACTICE, ticks=["ratios/c1"])
    assert can_tick(data, CORE_PRACTICE, STUDENT, "p1") == (
        False, "Tier Practice is locked: finish 2 more activities in Core")


def test_can_tick_refuses_a_mastery_locked_tier_naming_the_competency() -> None:
    data = build(MASTERY_GATED)
    assert can_tick(data, MASTERY_GATED, STUDENT, "h1") == (
        False, "Tier Challenge is locked until mastery of ratio (Ratios): no check yet")


def test_can_tick_a_complete_tier() -> None:
    data = build(CORE_PRACTICE, ticks=["ratios/c1", "ratios/c2", "ratios/c3"])
    assert can_tick(data, CORE_PRACTICE, STUDENT, "c1") == (True, "")
    assert can_tick(data, CORE_PRACTICE, STUDENT, "p1") == (True, "")


def test_can_tick_an_unknown_activity() -> None:
    assert can_tick(build(CORE_PRACTICE), CORE_PRACTICE, STUDENT, "zzz") == (
        False, "'zzz' is not an activity of Ratios")


def ids(items: list[Any]) -> list[tuple[str, str]]:
    return [(t.id, a.id) for t, a in items]


def test_next_activities_are_the_unticked_ones_of_the_first_open_tier() -> None:
    data = build(CORE_PRACTICE, ticks=["ratios/c2"])
    assert ids(next_activities(data, CORE_PRACTICE, STUDENT)) == [
        ("core", "c1"), ("core", "c3")]


def test_next_activities_move_on_when_a_tier_is_complete() -> None:
    data = build(CORE_PRACTICE, ticks=["ratios/c1", "ratios/c2", "ratios/c3", "ratios/p2"])
    assert ids(next_activities(data, CORE_PRACTICE, STUDENT)) == [("practice", "p1")]


def test_next_activities_respect_the_limit() -> None:
    pl = playlist(tier("core", "Core", ["c1", "c2", "c3", "c4", "c5"]))
    data = build(pl, ticks=["ratios/c1"])
    assert ids(next_activities(data, pl, STUDENT)) == [
        ("core", "c2"), ("core", "c3"), ("core", "c4")]
    assert ids(next_activities(data, pl, STUDENT, limit=1)) == [("core", "c2")]


def test_next_activities_skip_optional_tiers() -> None:
    data = build(OPTIONAL, ticks=["ratios/c1"])
    assert ids(next_activities(data, OPTIONAL, STUDENT)) == [("final", "f1")]


def test_next_activities_of_a_choose_n_tier() -> None:
    data = build(CHOOSE, ticks=["ratios/c2"])
    assert ids(next_activities(data, CHOOSE, STUDENT)) == [("core", "c1"), ("core", "c3")]


def test_next_activities_when_everything_is_done_or_locked() -> None:
    done = build(CORE_PRACTICE, ticks=["ratios/c1", "ratios/c2", "ratios/c3", "ratios/p1",
                                       "ratios/p2"])
    assert next_activities(done, CORE_PRACTICE, STUDENT) == []
    gated = build(MASTERY_GATED, ticks=["ratios/c1"])
    assert next_activities(gated, MASTERY_GATED, STUDENT) == []


# --------------------------------------------------------------------------- mastery


def test_pending_requests() -> None:
    data = build(
        requests={
            "r3": req("ratio", at(5)),  # only an earlier decision about ratio: pending
            "r1": req("ratio", at(3)),  # answered by d1, which names it
            "r4": req("units", at(4)),  # a decision about units exists, but earlier
            "r2": req("rate", at(2)),  # answered by d2: same competency, same moment
            "r5": req("rate", at(1)),  # answered by d2: same competency, later decision
            "r6": req("ratio", at(8)),  # named by d3 although d3 is dated before it
        },
        decisions={
            "d1": dec("not-yet", at(4), request="r1", level=2),
            "d2": dec("mastered", at(2), competency="rate"),
            "d3": dec("not-yet", at(2), request="r6", level=1),
            "d4": dec("not-yet", at(3, 9), competency="units", level=1),
        },
    )
    pending = pending_requests(data.record(STUDENT))
    assert [rid for rid, _ in pending] == ["r4", "r3"]  # oldest first
    assert pending[0][1].competency == "units"


def test_a_decision_at_the_same_moment_answers_the_request() -> None:
    same = build(requests={"r1": req("ratio", at(3))},
                 decisions={"d1": dec("mastered", at(3), competency="ratio")})
    assert pending_requests(same.record(STUDENT)) == []
    earlier = build(requests={"r1": req("ratio", at(3))},
                    decisions={"d1": dec("mastered", at(3, 9, 59), competency="ratio")})
    assert [rid for rid, _ in pending_requests(earlier.record(STUDENT))] == ["r1"]


def test_a_decision_through_a_request_answers_later_requests_only_if_dated_after() -> None:
    # d1 names r1 only, but is about ratio (r1's competency) at day 5: it also answers r2
    # (day 4), not r3 (day 6)
    data = build(
        requests={"r1": req("ratio", at(2)), "r2": req("ratio", at(4)),
                  "r3": req("ratio", at(6))},
        decisions={"d1": dec("not-yet", at(5), request="r1")},
    )
    assert [rid for rid, _ in pending_requests(data.record(STUDENT))] == ["r3"]


def test_pending_requests_of_a_student_without_files() -> None:
    data = build()
    assert pending_requests(data.record("ben")) == []


def test_status_not_started() -> None:
    status = competency_status(build(), STUDENT, "ratio")
    assert (status.state, status.level, status.level_name, status.pending, status.latest) == (
        State.NOT_STARTED, None, "", (), None)
    assert status.mastered is False
    assert status.describe() == "not started"
    assert status.history == ()


def test_status_pending() -> None:
    data = build(requests={"r1": req("ratio", at(2))})
    status = competency_status(data, STUDENT, "ratio")
    assert status.state == State.PENDING
    assert [rid for rid, _ in status.pending] == ["r1"]
    assert status.describe() == "pending"
    assert status.mastered is False


def test_status_not_yet_with_level_name() -> None:
    data = build(requests={"r1": req("ratio", at(2))},
                 decisions={"d1": dec("not-yet", at(3), request="r1", level=2)})
    status = competency_status(data, STUDENT, "ratio")
    assert (status.state, status.level, status.level_name, status.pending) == (
        State.NOT_YET, 2, "Developing", ())
    assert status.describe() == "not yet (Developing)"
    assert status.mastered is False


def test_status_mastered_with_level() -> None:
    data = build(decisions={"d1": dec("mastered", at(3), competency="ratio", level=4)})
    status = competency_status(data, STUDENT, "ratio")
    assert (status.state, status.level, status.level_name) == (State.MASTERED, 4, "Extending")
    assert status.describe() == "mastered (Extending)"
    assert status.mastered is True


def test_status_mastered_without_level_uses_mastered_at() -> None:
    data = build(requests={"r1": req("ratio", at(2))},
                 decisions={"d1": dec("mastered", at(3), request="r1")})
    status = competency_status(data, STUDENT, "ratio")
    assert (status.state, status.level, status.level_name) == (State.MASTERED, 3, "Proficient")
    assert status.describe() == "mastered (Proficient)"


def test_status_mastered_without_level_outside_any_framework_uses_the_default_scale() -> None:
    data = build(decisions={"d1": dec("mastered", at(3), competency="loose")}, clean=False)
    status = competency_status(data, STUDENT, "loose")
    assert (status.state, status.level, status.level_name) == (State.MASTERED, 2, "Mastered")


@pytest.mark.parametrize(("decisions", "state", "level"), [
    pytest.param({"late": dec("mastered", at(9), competency="ratio", level=3),
                   "early": dec("not-yet", at(2), competency="ratio", level=2)},
                 State.MASTERED, 3, id="later mastered listed first"),
    pytest.param({"early": dec("mastered", at(2), competency="ratio", level=4),
                   "late": dec("not-yet", at(9), competency="ratio", level=1)},
                 State.NOT_YET, 1, id="later not-yet listed last"),
    pytest.param({"late": dec("not-yet", at(9), competency="ratio", level=2),
                   "early": dec("mastered", at(2), competency="ratio", level=4)},
                 State.NOT_YET, 2, id="later not-yet listed first"),
    pytest.param({"a": dec("not-yet", at(5), competency="ratio", level=2),
                   "b": dec("mastered", at(5), competency="ratio", level=3)},
                 State.MASTERED, 3, id="tie: last in file wins"),
    pytest.param({"a": dec("mastered", at(5), competency="ratio", level=3),
                   "b": dec("not-yet", at(5), competency="ratio", level=2)},
                 State.NOT_YET, 2, id="tie: last in file wins (reversed)"),
])
def test_latest_decision_wins_by_time(decisions: dict[str, Any], state: State,
                                      level: int) -> None:
    status = competency_status(build(decisions=decisions), STUDENT, "ratio")
    assert (status.state, status.level) == (state, level)


def test_history_keeps_every_request_and_decision_in_time_order() -> None:
    data = build(
        requests={"r2": req("ratio", at(6)), "r1": req("ratio", at(2)),
                  "other": req("rate", at(3))},
        decisions={"d2": dec("mastered", at(8), request="r2", level=3),
                   "d1": dec("not-yet", at(4), request="r1", level=2),
                   "d9": dec("mastered", at(5), competency="rate")},
    )
    status = competency_status(data, STUDENT, "ratio")
    assert [(e.at, e.request_id, e.decision_id) for e in status.history] == [
        (at(2), "r1", None),
        (at(4), "r1", "d1"),
        (at(6), "r2", None),
        (at(8), "r2", "d2"),
    ]
    assert status.history[0].request is not None and status.history[0].decision is None
    assert status.history[1].decision is not None and status.history[1].decision.level == 2
    assert status.state == State.MASTERED


def test_re_request_after_not_yet() -> None:
    data = build(
        requests={"r1": req("ratio", at(2)), "r2": req("ratio", at(6))},
        decisions={"d1": dec("not-yet", at(4), request="r1", level=2)},
    )
    status = competency_status(data, STUDENT, "ratio")
    assert status.state == State.NOT_YET
    assert (status.level, status.level_name) == (2, "Developing")
    assert [rid for rid, _ in status.pending] == ["r2"]
    assert status.describe() == "not yet (Developing), check pending"
    assert status.latest is not None and status.latest.at == at(4)


def test_statuses_cover_every_competency_by_default() -> None:
    data = build(decisions={"d1": dec("mastered", at(3), competency="rate")})
    result = statuses(data, STUDENT)
    assert {c: s.state for c, s in result.items()} == {
        "ratio": State.NOT_STARTED, "rate": State.MASTERED, "units": State.NOT_STARTED}


# --------------------------------------------------------------------------- readiness


READY_PL = playlist(
    tier("core", "Core", ["c1", "c2"]),
    tier("practice", "Practice", ["p1", "p2"]),
    check={"competencies": ["ratio"]},
)
ALL_READY_TICKS = ["ratios/c1", "ratios/c2", "ratios/p1", "ratios/p2"]


def test_readiness_competency_not_covered() -> None:
    result = readiness(build(READY_PL, ticks=ALL_READY_TICKS), STUDENT, READY_PL, "rate")
    assert result.ready is False
    assert result.reasons == ("the check of Ratios does not cover rate",)
    assert result.explain() == (
        "Not ready for a check on rate: the check of Ratios does not cover rate.")


def test_readiness_when_every_tier_is_complete() -> None:
    result = readiness(build(READY_PL, ticks=ALL_READY_TICKS), STUDENT, READY_PL, "ratio")
    assert (result.ready, result.reasons) == (True, ())
    assert result.explain() == "Ready to request a check on ratio."


def test_readiness_default_needs_every_non_optional_tier() -> None:
    pl = playlist(
        tier("core", "Core", ["c1"]),
        tier("extra", "Extra", ["x1"], complete="optional"),
        tier("practice", "Practice", ["p1", "p2"]),
        tier("final", "Final", ["f1"]),
        check={"competencies": ["ratio"]},
    )
    result = readiness(build(pl, ticks=["ratios/c1", "ratios/p1"]), STUDENT, pl, "ratio")
    assert result.ready is False
    assert result.reasons == ("finish 1 more in tier Practice", "tier Final is still locked")
    done = build(pl, ticks=["ratios/c1", "ratios/p1", "ratios/p2", "ratios/f1"])
    assert readiness(done, STUDENT, pl, "ratio").ready is True  # x1 never ticked


def test_readiness_ignores_a_locked_optional_tier() -> None:
    pl = playlist(
        tier("core", "Core", ["c1"]),
        tier("bonus", "Bonus", ["b1"], complete="optional", unlock={"mastered": "rate"}),
        check={"competencies": ["ratio"]},
    )
    result = readiness(build(pl, ticks=["ratios/c1"]), STUDENT, pl, "ratio")
    assert (result.ready, result.reasons) == (True, ())


def test_readiness_after_a_named_tier() -> None:
    pl = playlist(
        tier("core", "Core", ["c1", "c2"]),
        tier("practice", "Practice", ["p1", "p2"]),
        check={"competencies": ["ratio"], "ready_after": "core"},
    )
    ready = readiness(build(pl, ticks=["ratios/c1", "ratios/c2"]), STUDENT, pl, "ratio")
    assert (ready.ready, ready.reasons) == (True, ())
    not_yet = readiness(build(pl, ticks=["ratios/c1", "ratios/p1", "ratios/p2"]), STUDENT, pl,
                        "ratio")
    assert (not_yet.ready, not_yet.reasons) == (False, ("finish 1 more in tier Core",))


def test_readiness_after_a_named_tier_that_is_locked() -> None:
    pl = playlist(
        tier("core", "Core", ["c1", "c2"]),
        tier("practice", "Practice", ["p1"]),
        tier("final", "Final", ["f1"]),
        check={"competencies": ["ratio"], "ready_after": "practice"},
    )
    result = readiness(build(pl, ticks=["ratios/c1"]), STUDENT, pl, "ratio")
    assert result.reasons == ("tier Practice is still locked",)


PREREQ_PL = playlist(
    tier("core", "Core", ["c1"]),
    check={"competencies": ["rate"], "require_prerequisites": True},
)


@pytest.mark.parametrize(("decisions", "reasons"), [
    pytest.param({}, ("master the prerequisite ratio first (not started)",), id="not started"),
    pytest.param({"d1": dec("not-yet", at(3), competency="ratio", level=2)},
                 ("master the prerequisite ratio first (not yet (Developing))",), id="not yet"),
    pytest.param({"d1": dec("mastered", at(3), competency="ratio")}, (), id="mastered"),
])
def test_readiness_requires_prerequisites(decisions: dict[str, Any],
                                          reasons: tuple[str, ...]) -> None:
    data = build(PREREQ_PL, ticks=["ratios/c1"], decisions=decisions)
    result = readiness(data, STUDENT, PREREQ_PL, "rate")
    assert (result.ready, result.reasons) == (reasons == (), reasons)


def test_readiness_ignores_prerequisites_unless_required() -> None:
    pl = playlist(tier("core", "Core", ["c1"]), check={"competencies": ["rate"]})
    result = readiness(build(pl, ticks=["ratios/c1"]), STUDENT, pl, "rate")
    assert (result.ready, result.reasons) == (True, ())


def test_readiness_blocked_by_a_pending_request() -> None:
    data = build(READY_PL, ticks=ALL_READY_TICKS, requests={"r1": req("ratio", at(3))})
    result = readiness(data, STUDENT, READY_PL, "ratio")
    assert result.ready is False
    assert result.reasons == (
        "a check on ratio requested on 03 Nov is still waiting for a teacher's decision",)


def test_readiness_pending_request_on_another_competency_does_not_block() -> None:
    data = build(READY_PL, ticks=ALL_READY_TICKS, requests={"r1": req("rate", at(3))})
    assert readiness(data, STUDENT, READY_PL, "ratio").ready is True


def test_ready_again_after_not_yet() -> None:
    data = build(READY_PL, ticks=ALL_READY_TICKS, requests={"r1": req("ratio", at(3))},
                 decisions={"d1": dec("not-yet", at(4), request="r1", level=2)})
    result = readiness(data, STUDENT, READY_PL, "ratio")
    assert (result.ready, result.reasons) == (True, ())


def test_readiness_lists_every_reason_at_once() -> None:
    pl = playlist(
        tier("core", "Core", ["c1", "c2", "c3"]),
        tier("practice", "Practice", ["p1"]),
        check={"competencies": ["rate"], "require_prerequisites": True},
    )
    data = build(pl, ticks=["ratios/c1"], requests={"r1": req("rate", at(12))})
    result = readiness(data, STUDENT, pl, "rate")
    assert result.ready is False
    assert result.reasons == (
        "finish 2 more in tier Core",
        "tier Practice is still locked",
        "master the prerequisite ratio first (not started)",
        "a check on rate requested on 12 Nov is still waiting for a teacher's decision",
    )
    assert result.explain() == "Not ready for a check on rate: " + "; ".join(result.reasons) + "."


# --------------------------------------------------------------------------- assignments


ROSTER = ClassFile.model_validate({
    "name": "Roster",
    "teachers": [{"id": "lee", "name": "Ms Lee"}],
    "students": [{"id": "ben", "name": "Ben"}, {"id": "ana", "name": "Ana"},
                 {"id": "cai", "name": "Cai"}, {"id": "dee", "name": "Dee"}],
    "groups": [{"id": "g1", "name": "Group 1", "members": ["ana", "ben"]},
               {"id": "g2", "name": "Group 2", "members": ["ben"]}],
    "assignments": [
        {"playlist": "p-all", "everyone": True},
        {"playlist": "p-group", "groups": ["g1"]},
        {"playlist": "p-solo", "students": ["cai"]},
        {"playlist": "p-both", "groups": ["g1", "g2"], "students": ["ben"]},
        {"playlist": "p-group", "students": ["ben"]},
        {"playlist": "p-all", "students": ["dee"]},
    ],
})


def roster_class() -> ClassData:
    pls = [playlist(tier("core", "Core", ["c1"]), pid=pid, title=pid)
           for pid in ("p-all", "p-group", "p-solo", "p-both", "p-none")]
    return build(*pls, class_file=ROSTER)


@pytest.mark.parametrize(("student", "expected"), [
    ("ana", ["p-all", "p-group", "p-both"]),
    ("ben", ["p-all", "p-group", "p-both"]),
    ("cai", ["p-all", "p-solo"]),
    ("dee", ["p-all"]),
    ("nobody", ["p-all"]),
])
def test_assigned_playlists(student: str, expected: list[str]) -> None:
    assert [p.id for p in roster_class().assigned_playlists(student)] == expected


@pytest.mark.parametrize(("playlist_id", "expected"), [
    ("p-all", ["ben", "ana", "cai", "dee"]),
    ("p-group", ["ben", "ana"]),
    ("p-solo", ["cai"]),
    ("p-both", ["ben", "ana"]),
    ("p-none", []),
])
def test_assignees_in_roster_order(playlist_id: str, expected: list[str]) -> None:
    assert roster_class().assignees(playlist_id) == expected


def test_assignment_to_an_unknown_playlist_is_ignored() -> None:
    info = ClassFile.model_validate({
        "name": "Roster",
        "students": [{"id": "ana", "name": "Ana"}],
        "assignments": [{"playlist": "ghost", "everyone": True},
                        {"playlist": "ratios", "students": ["ana"]}],
    })
    data = build(CORE_PRACTICE, class_file=info, clean=False)
    assert [p.id for p in data.assigned_playlists("ana")] == ["ratios"]


COMPETENCIES = ["ratio", "rate", "units"]


@st.composite
def _history(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """Random requests and decisions (some through a request, some naming a competency,
    some with no level, ties in time) for Ana."""
    requests = {f"r{i}": req(draw(st.sampled_from(COMPETENCIES)), at(draw(st.integers(1, 9))))
                for i in range(draw(st.integers(0, 5)))}
    decisions: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 6))):
        extra: dict[str, Any] = {}
        through_request: bool = draw(st.booleans())
        if requests and through_request:
            extra["request"] = draw(st.sampled_from(sorted(requests)))
        else:
            extra["competency"] = draw(st.sampled_from(COMPETENCIES))
        level = draw(st.one_of(st.none(), st.integers(1, 4)))
        if level is not None:
            extra["level"] = level
        decisions[f"d{i}"] = dec(draw(st.sampled_from(["mastered", "not-yet"])),
                                 at(draw(st.integers(1, 9))), **extra)
    return requests, decisions


@settings(max_examples=300, deadline=None)
@given(_history(), st.permutations(COMPETENCIES))
def test_states_agree_with_statuses(history: tuple[dict[str, Any], dict[str, Any]],
                                    order: list[str]) -> None:
    """The teacher's grid uses the fast states(); it must say what statuses() says."""
    requests, decisions = history
    data = build(requests=requests, decisions=decisions, clean=False)
    full = statuses(data, STUDENT, order)
    assert mastery_states(data, STUDENT, order) == [
        (full[c].state, full[c].level) for c in order]
