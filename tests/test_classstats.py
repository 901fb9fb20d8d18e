"""The teacher's view of the whole class (engine/classstats.py), against a small class
built by hand. Every expected number below is worked out in the comments.

The class (NOW is 20 Nov 2026, 12:00 UTC):

- ``ratios``: Core (all: c1, c2), Practice (choose 1: p1, p2), Extra (optional: x1);
  a student's total is 3. Assigned to everyone.
- ``rates``: Lab (all: l1, l2); total 2. Assigned to ana and ben.

- ana: ticks c1 (1 Nov), c2 (2 Nov), p1 (3 Nov): ratios 3/3, 100%, complete; rates/l1
  (18 Nov): rates 1/2, 50%. Asked about ratio 4 Nov, mastered 5 Nov; asked about rate
  19 Nov 10:00 (pending).
- ben: ticks c1 (10 Nov): ratios 1/3, 33%; rates 0/2, 0%. Asked about rate 12 Nov 10:00
  (pending).
- cai: ticks c1, c2 (30 Oct): ratios 2/3, 67%. Asked about ratio 2 Nov, not yet 3 Nov;
  asked again 9 Nov, not yet 10 Nov.
- dee: nothing: ratios 0/3, 0%.
- eve: ticks c1 (15 Nov), c2 (16 Nov), p2 (17 Nov): ratios 3/3, 100%; also a tick of a
  removed activity (19 Nov) and rates/l1 (1 Oct; rates is not assigned to her). Asked
  about ratio 19 Nov 10:00 (pending); rate: not yet 20 Oct, not yet 25 Oct, mastered
  30 Oct; units: not yet 1 Nov.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from playlist_tui.engine.classstats import (
    PlaylistSummary,
    QueueItem,
    StuckReason,
    grid,
    last_activity,
    pace,
    playlist_summary,
    queue,
    stuck,
    work_on,
)
from playlist_tui.engine.mastery import State
from playlist_tui.model.check import ParsedFiles, build_class
from playlist_tui.model.files import ClassFile, Framework, Playlist, StudentFile, TeacherFile
from playlist_tui.model.klass import ClassData


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

FRAMEWORK = Framework.model_validate({
    "id": "math", "title": "Math",
    "scale": {"levels": ["Beginning", "Developing", "Proficient", "Extending"],
              "mastered_at": 3},
    "competencies": [{"id": "ratio", "statement": "I can use ratios."},
                     {"id": "rate", "statement": "I can find unit rates."},
                     {"id": "units", "statement": "I can convert units."}],
})


def activity(aid: str, *competencies: str) -> dict[str, Any]:
    return {"id": aid, "title": f"Activity {aid}", "competencies": list(competencies)}


RATIOS = Playlist.model_validate({
    "id": "ratios", "title": "Ratios", "check": {"competencies": ["ratio"]},
    "tiers": [
        {"id": "core", "title": "Core", "activities": [
            activity("c1", "ratio"), activity("c2", "ratio", "rate")]},
        {"id": "practice", "title": "Practice", "complete": 1, "activities": [
            activity("p1", "ratio"), activity("p2", "units")]},
        {"id": "extra", "title": "Extra", "complete": "optional", "activities": [
            activity("x1", "ratio")]},
    ]})
RATES = Playlist.model_validate({
    "id": "rates", "title": "Unit rates", "check": {"competencies": ["rate"]},
    "tiers": [{"id": "lab", "title": "Lab", "activities": [
        activity("l1", "rate"), activity("l2", "rate", "units")]}]})

CLASS = ClassFile.model_validate({
    "name": "Stats class",
    "teachers": [{"id": "lee", "name": "Ms Lee"}],
    "students": [{"id": sid, "name": sid.capitalize()}
                 for sid in ("ana", "ben", "cai", "dee", "eve")],
    "assignments": [{"playlist": "ratios", "everyone": True},
                    {"playlist": "rates", "students": ["ana", "ben"]}],
})


def dec(result: str, when: datetime, **extra: Any) -> dict[str, Any]:
    return {"result": result, "at": when, "by": "lee", **extra}


STUDENTS: dict[str, dict[str, Any]] = {
    "ana": {
        "ticks": {"ratios/c1": at(11, 1), "ratios/c2": at(11, 2), "ratios/p1": at(11, 3),
                  "rates/l1": at(11, 18)},
        "requests": {"r1": {"competency": "ratio", "at": at(11, 4)},
                     "r2": {"competency": "rate", "at": at(11, 19)}},
        "decisions": {"d1": dec("mastered", at(11, 5), request="r1", level=3)},
    },
    "ben": {
        "ticks": {"ratios/c1": at(11, 10)},
        "requests": {"r1": {"competency": "rate", "at": at(11, 12)}},
    },
    "cai": {
        "ticks": {"ratios/c1": at(10, 30), "ratios/c2": at(10, 30)},
        "notes": {"ratios/c1": {"reflection": "I compared apples and pears.",
                                "evidence": "https://example.org/cai/c1"}},
        "requests": {"r1": {"competency": "ratio", "at": at(11, 2), "note": "Ready!"},
                     "r2": {"competency": "ratio", "at": at(11, 9)}},
        "decisions": {
            "d1": dec("not-yet", at(11, 3), request="r1", level=2, feedback="Mixed up a:b.",
                      next_steps="Redo the table."),
            "d2": dec("not-yet", at(11, 10), request="r2", level=2),
        },
    },
    "dee": {},
    "eve": {
        "ticks": {"ratios/c1": at(11, 15), "ratios/c2": at(11, 16), "ratios/p2": at(11, 17),
                  "ratios/gone": at(11, 19), "rates/l1": at(10, 1)},
        "requests": {"r1": {"competency": "ratio", "at": at(11, 19)}},
        "decisions": {
            "d1": dec("not-yet", at(10, 20), competency="rate", level=1),
            "d2": dec("not-yet", at(10, 25), competency="rate", level=2),
            "d3": dec("mastered", at(10, 30), competency="rate"),
            "d4": dec("not-yet", at(11, 1), competency="units", level=1),
        },
    },
}


def build(students: dict[str, dict[str, Any]] = STUDENTS) -> ClassData:
    files = ParsedFiles(
        class_file=CLASS, frameworks=[("frameworks/math.toml", FRAMEWORK)],
        playlists=[("playlists/ratios.toml", RATIOS), ("playlists/rates.toml", RATES)])
    for sid, own in students.items():
        folder = f"students/{sid}"
        files.student_folders[sid] = folder
        files.student_files[sid] = (f"{folder}/student.toml", StudentFile.model_validate(
            {k: v for k, v in own.items() if k != "decisions"}))
        files.teacher_files[sid] = (f"{folder}/teacher.toml", TeacherFile.model_validate(
            {"decisions": own.get("decisions", {})}))
    data, problems = build_class(files, locate=lambda path, loc: (1, 1))
    # the only problem: eve's tick of an activity that no longer exists
    assert [p.message for p in problems] == ["unknown activity 'gone' in playlist 'ratios'"]
    return data


DATA = build()


# --------------------------------------------------------------------------- grid


def test_grid_covers_every_student_and_competency_in_order() -> None:
    found = grid(DATA)
    assert list(found) == [(s, c) for s in ("ana", "ben", "cai", "dee", "eve")
                           for c in ("ratio", "rate", "units")]
    states = {key: status.state for key, status in found.items()}
    assert states == {
        ("ana", "ratio"): State.MASTERED, ("ana", "rate"): State.PENDING,
        ("ana", "units"): State.NOT_STARTED,
        ("ben", "ratio"): State.NOT_STARTED, ("ben", "rate"): State.PENDING,
        ("ben", "units"): State.NOT_STARTED,
        ("cai", "ratio"): State.NOT_YET, ("cai", "rate"): State.NOT_STARTED,
        ("cai", "units"): State.NOT_STARTED,
        ("dee", "ratio"): State.NOT_STARTED, ("dee", "rate"): State.NOT_STARTED,
        ("dee", "units"): State.NOT_STARTED,
        # eve: asked again about ratio (pending, no decision yet); rate mastered last
        ("eve", "ratio"): State.PENDING, ("eve", "rate"): State.MASTERED,
        ("eve", "units"): State.NOT_YET,
    }
    assert (found[("ana", "ratio")].level, found[("ana", "ratio")].level_name) == (
        3, "Proficient")
    assert found[("eve", "rate")].level == 3  # mastered without a level: mastered_at


def test_grid_for_some_students_and_competencies() -> None:
    found = grid(DATA, students=["eve", "cai"], competencies=["units", "ratio"])
    assert [(key, s.state) for key, s in found.items()] == [
        (("eve", "units"), State.NOT_YET), (("eve", "ratio"), State.PENDING),
        (("cai", "units"), State.NOT_STARTED), (("cai", "ratio"), State.NOT_YET)]
    assert grid(DATA, students=[]) == {}


# --------------------------------------------------------------------------- playlists


def test_playlist_summary_of_ratios() -> None:
    # ana 100 and eve 100 complete; ben 33 and cai 67 in progress; dee 0 not started.
    # Average: (100 + 33 + 67 + 0 + 100) / 5 = 60
    assert playlist_summary(DATA, "ratios") == PlaylistSummary(
        assigned=5, not_started=1, in_progress=2, complete=2, average_percent=60.0,
        playlist="ratios")
    assert playlist_summary(DATA, RATIOS) == playlist_summary(DATA, "ratios")


def test_playlist_summary_of_rates() -> None:
    # ana 1 of 2 (50, in progress); ben nothing (0, not started). eve's old tick does not
    # count: rates is not assigned to her.
    assert playlist_summary(DATA, "rates") == PlaylistSummary(2, 1, 1, 0, 25.0, "rates")


def test_playlist_summary_for_some_students() -> None:
    assert playlist_summary(DATA, "ratios", students={"ben", "cai"}) == PlaylistSummary(
        2, 0, 2, 0, 50.0, "ratios")
    assert playlist_summary(DATA, "ratios", students=set()) == PlaylistSummary(
        0, 0, 0, 0, 0.0, "ratios")


def test_playlist_summary_of_an_unknown_playlist() -> None:
    assert playlist_summary(DATA, "ghost") == PlaylistSummary(0, 0, 0, 0, 0.0, "ghost")


# --------------------------------------------------------------------------- stuck


def test_who_may_be_stuck() -> None:
    assert [(r.student, r.kind, r.words) for r in stuck(DATA, NOW)] == [
        # ben: last activity his request of 12 Nov 10:00, 8 days 2 hours ago; ratios and
        # rates unfinished. The request itself has waited 8 days (5 or more).
        ("ben", "idle", "Ben has ticked nothing and asked for no check for 8 days "
                        "(2 unfinished playlists)"),
        ("ben", "waiting", "Ben has waited 8 days for a check on rate"),
        # cai: last activity the request of 9 Nov, 11 days ago; two not-yets on ratio
        ("cai", "idle", "Cai has ticked nothing and asked for no check for 11 days "
                        "(1 unfinished playlist)"),
        ("cai", "repeated-not-yet", "Cai has had 2 'not yet' decisions on ratio in a row"),
        # dee: nothing at all
        ("dee", "idle", "Dee has not ticked an activity or asked for a check yet "
                        "(1 unfinished playlist)"),
        # ana: active 2 days ago, her request 1 day old. eve: nothing unfinished; her two
        # not-yets on rate are followed by a mastered; one not-yet on units; request 1 day.
    ]


def test_stuck_reasons_carry_the_details() -> None:
    reasons = {(r.student, r.kind): r for r in stuck(DATA, NOW)}
    assert reasons[("ben", "idle")] == StuckReason(
        "ben", "idle", reasons[("ben", "idle")].words, since=at(11, 12), count=2)
    assert reasons[("ben", "waiting")].competency == "rate"
    assert reasons[("ben", "waiting")].since == at(11, 12)
    not_yet = reasons[("cai", "repeated-not-yet")]
    assert (not_yet.competency, not_yet.since, not_yet.count) == ("ratio", at(11, 10), 2)
    assert reasons[("dee", "idle")].since is None


def test_stuck_thresholds() -> None:
    # idle for 12 days or more: only dee (never active); 3 not-yets: nobody;
    # waiting 9 days or more: nobody
    found = stuck(DATA, NOW, idle_days=12, wait_days=9, not_yet_count=3)
    assert [(r.student, r.kind) for r in found] == [("dee", "idle")]
    # one not-yet is enough: eve's units too (her rate run ended with a mastered)
    found = stuck(DATA, NOW, not_yet_count=1)
    assert [(r.student, r.competency) for r in found if r.kind == "repeated-not-yet"] == [
        ("cai", "ratio"), ("eve", "units")]


def test_idle_and_waiting_start_exactly_at_the_threshold() -> None:
    # ben's last activity and his request: 12 Nov 10:00
    just = at(11, 19)  # 7 days later to the second
    assert [r.kind for r in stuck(DATA, just) if r.student == "ben"] == ["idle", "waiting"]
    before = just - timedelta(seconds=1)
    assert [r.kind for r in stuck(DATA, before, wait_days=7) if r.student == "ben"] == []
    assert [r.kind for r in stuck(DATA, before, wait_days=6) if r.student == "ben"] == [
        "waiting"]


def test_only_students_with_unfinished_playlists_can_be_idle() -> None:
    lively = build({sid: own for sid, own in STUDENTS.items() if sid in ("ana", "eve")}
                   | {"ben": {}, "cai": {}, "dee": {}})
    assert [(r.student, r.kind) for r in stuck(lively, at(11, 20, 9))] == [
        ("ben", "idle"), ("cai", "idle"), ("dee", "idle")]
    # with every playlist complete, nobody is idle
    assert [r for r in stuck(lively, at(11, 20, 9)) if r.student in ("ana", "eve")] == []


def test_last_activity() -> None:
    assert last_activity(DATA, "ana") == at(11, 19)  # her request, after her last tick
    assert last_activity(DATA, "cai") == at(11, 9)
    assert last_activity(DATA, "dee") is None


# --------------------------------------------------------------------------- pace


@pytest.mark.parametrize(("student", "expected"), [
    ("ana", 1.0),  # c1, c2, p1, l1: all since 23 Oct 12:00 -> 4 / 4 weeks
    ("ben", 0.25),  # c1
    ("cai", 0.5),  # c1 and c2 on 30 Oct
    ("dee", 0.0),
    ("eve", 0.75),  # c1, c2, p2; not the removed activity, not rates/l1 of 1 Oct
])
def test_pace_over_four_weeks(student: str, expected: float) -> None:
    assert pace(DATA, student, NOW) == expected


def test_pace_counts_nothing_after_now_and_follows_the_window() -> None:
    # on 2 Nov 12:00: ana's c1 (1 Nov) and c2 (2 Nov 10:00) count, p1 (3 Nov) not yet
    assert pace(DATA, "ana", at(11, 2, 12)) == 0.5
    # the last week only: l1 of 18 Nov
    assert pace(DATA, "ana", NOW, weeks=1) == 1.0
    # exactly four weeks before: included (cai's ticks of 30 Oct 10:00)
    assert pace(DATA, "cai", at(11, 27)) == 0.5
    assert pace(DATA, "cai", at(11, 27) + timedelta(seconds=1)) == 0.0


# --------------------------------------------------------------------------- the queue


def test_queue_is_oldest_first_across_students() -> None:
    found = queue(DATA, NOW)
    assert [(q.student, q.request_id, q.request.competency, q.waited) for q in found] == [
        ("ben", "r1", "rate", timedelta(days=8, hours=2)),
        # ana and eve asked at the same moment: by student id
        ("ana", "r2", "rate", timedelta(days=1, hours=2)),
        ("eve", "r1", "ratio", timedelta(days=1, hours=2)),
    ]
    assert isinstance(found[0], QueueItem)


def test_queue_of_a_class_without_requests() -> None:
    assert queue(build({"ana": {}, "ben": {}, "cai": {}, "dee": {}, "eve": {
        "ticks": {"ratios/gone": at(11, 1)}}}), NOW) == []


# --------------------------------------------------------------------------- work on


def test_work_on_shows_activities_notes_and_history() -> None:
    evidence = work_on(DATA, "cai", "ratio")
    assert (evidence.student, evidence.competency) == ("cai", "ratio")
    # every activity of cai's playlists (ratios) serving ratio, in playlist order
    assert [(w.playlist.id, w.tier.id, w.activity.id, w.ticked) for w in evidence.activities] == [
        ("ratios", "core", "c1", at(10, 30)), ("ratios", "core", "c2", at(10, 30)),
        ("ratios", "practice", "p1", None), ("ratios", "extra", "x1", None)]
    assert [w.activity.id for w in evidence.ticked] == ["c1", "c2"]
    first = evidence.activities[0]
    assert (first.reflection, first.evidence) == ("I compared apples and pears.",
                                                  "https://example.org/cai/c1")
    assert (evidence.activities[1].reflection, evidence.activities[1].evidence) == ("", "")
    assert [(e.at, e.request_id, e.decision_id) for e in evidence.history] == [
        (at(11, 2), "r1", None), (at(11, 3), "r1", "d1"),
        (at(11, 9), "r2", None), (at(11, 10), "r2", "d2")]
    assert [e.request.note for e in evidence.requests if e.request] == ["Ready!", ""]
    decision = evidence.decisions[0].decision
    assert decision is not None
    assert (decision.feedback, decision.next_steps) == ("Mixed up a:b.", "Redo the table.")
    assert evidence.status.state == State.NOT_YET


def test_work_on_includes_playlists_ticked_but_not_assigned() -> None:
    evidence = work_on(DATA, "eve", "rate")
    # ratios (assigned): c2; rates (not assigned, but eve ticked l1 there): l1, l2
    assert [(w.playlist.id, w.activity.id, w.ticked) for w in evidence.activities] == [
        ("ratios", "c2", at(11, 16)), ("rates", "l1", at(10, 1)), ("rates", "l2", None)]
    assert [e.decision_id for e in evidence.decisions] == ["d1", "d2", "d3"]
    assert evidence.requests == ()


def test_work_on_with_nothing_to_show() -> None:
    evidence = work_on(DATA, "dee", "units")
    assert [w.activity.id for w in evidence.activities] == ["p2"]
    assert (evidence.ticked, evidence.history) == ((), ())
    assert evidence.status.state == State.NOT_STARTED
