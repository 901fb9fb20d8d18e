"""Suggested groups (engine/grouping.py) on a small class built by hand.

- ``ratios`` ("Ratios"): Must do (all: c1, c2), Should do (choose 1: p1, p2); its check
  covers ratio and rate (ready once both tiers are complete). Assigned to everyone.
- ``rates`` ("Unit Rates"): Lab (all: l1); check on rate. Assigned to ana and ben.

| student | ticks | decisions / requests | next step |
|---|---|---|---|
| ana, ben | - | - | Must do of Ratios, Lab of Unit Rates |
| cai | c1 c2 | not yet on ratio | Should do of Ratios |
| dee | c1 c2 | not yet on ratio, asked again (pending) | Should do of Ratios |
| eve, gil | c1 c2 p1 | - | ready for ratio and rate |
| fay | c1 c2 p2 | ratio mastered; not yet on rate, asked again (pending) | - |
| hal | - | - | Must do of Ratios |
| ivy | - | placed at Should do by the teacher | Should do of Ratios |
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from playlist_tui.engine.grouping import Suggestion, suggest_groups
from playlist_tui.model.check import ParsedFiles, build_class
from playlist_tui.model.files import ClassFile, Framework, Playlist, StudentFile, TeacherFile
from playlist_tui.model.klass import ClassData


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 10, tzinfo=UTC)


FRAMEWORK = Framework.model_validate({
    "id": "math", "title": "Math", "scale": {"levels": ["Not yet", "Yes"], "mastered_at": 2},
    "competencies": [{"id": "ratio", "statement": "Ratios."},
                     {"id": "rate", "statement": "Rates."}],
})


def tier(tid: str, title: str, activities: list[str], **extra: Any) -> dict[str, Any]:
    return {"id": tid, "title": title, **extra,
            "activities": [{"id": a, "title": a} for a in activities]}


RATIOS = Playlist.model_validate({
    "id": "ratios", "title": "Ratios", "check": {"competencies": ["ratio", "rate"]},
    "tiers": [tier("must", "Must do", ["c1", "c2"]),
              tier("should", "Should do", ["p1", "p2"], complete=1)]})
RATES = Playlist.model_validate({
    "id": "rates", "title": "Unit Rates", "check": {"competencies": ["rate"]},
    "tiers": [tier("lab", "Lab", ["l1"])]})

ROSTER = ("ana", "ben", "cai", "dee", "eve", "fay", "gil", "hal", "ivy")
CLASS = ClassFile.model_validate({
    "name": "Groups class",
    "teachers": [{"id": "lee", "name": "Ms Lee"}],
    "students": [{"id": sid, "name": sid.capitalize()} for sid in ROSTER],
    "assignments": [{"playlist": "ratios", "everyone": True},
                    {"playlist": "rates", "students": ["ana", "ben"]}],
})

CORE = ["ratios/c1", "ratios/c2"]


def dec(result: str, day: int, **extra: Any) -> dict[str, Any]:
    return {"result": result, "at": at(day), "by": "lee", **extra}


STUDENTS: dict[str, dict[str, Any]] = {
    "cai": {"ticks": CORE, "decisions": {"d1": dec("not-yet", 3, competency="ratio")}},
    "dee": {"ticks": CORE, "decisions": {"d1": dec("not-yet", 3, competency="ratio")},
            "requests": {"r1": {"competency": "ratio", "at": at(5)}}},
    "eve": {"ticks": [*CORE, "ratios/p1"]},
    "fay": {"ticks": [*CORE, "ratios/p2"],
            "decisions": {"d1": dec("mastered", 3, competency="ratio"),
                          "d2": dec("not-yet", 4, competency="rate")},
            "requests": {"r1": {"competency": "rate", "at": at(6)}}},
    "gil": {"ticks": [*CORE, "ratios/p1"]},
    "ivy": {"adjustments": {"ratios": {"start": "should"}}},
}


def build(students: dict[str, dict[str, Any]] = STUDENTS) -> ClassData:
    files = ParsedFiles(
        class_file=CLASS if set(students) <= set(ROSTER) else CLASS.model_copy(update={
            "students": [*CLASS.students, *(s.model_copy(update={"id": sid, "name": sid})
                                           for sid in students if sid not in ROSTER
                                           for s in CLASS.students[:1])]}),
        frameworks=[("frameworks/math.toml", FRAMEWORK)],
        playlists=[("playlists/ratios.toml", RATIOS), ("playlists/rates.toml", RATES)])
    for sid, own in students.items():
        folder = f"students/{sid}"
        files.student_folders[sid] = folder
        files.student_files[sid] = (f"{folder}/student.toml", StudentFile.model_validate({
            "ticks": dict.fromkeys(own.get("ticks", ()), at(own.get("ticked_on", 2))),
            "requests": own.get("requests", {})}))
        files.teacher_files[sid] = (f"{folder}/teacher.toml", TeacherFile.model_validate({
            "decisions": own.get("decisions", {}),
            "adjustments": own.get("adjustments", {})}))
    data, problems = build_class(files, locate=lambda path, loc: (1, 1))
    assert problems == [], [p.message for p in problems]
    return data


DATA = build()


def rows(found: list[Suggestion]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(s.key, s.reason, s.students) for s in found]


def test_suggestions_for_the_whole_class() -> None:
    assert rows(suggest_groups(DATA)) == [
        # three students each: then by reason ("Must do" before "Should do")
        ("tier:ratios/must", "Working on tier Must do of Ratios",
         ("ana", "ben", "hal")),
        # ivy was placed at Should do by her teacher
        ("tier:ratios/should", "Working on tier Should do of Ratios",
         ("cai", "dee", "ivy")),
        # two students each, by reason. dee asked again, but her latest decision is not yet
        ("not-yet:ratio", "Not yet on ratio: needs re-teaching", ("cai", "dee")),
        ("ready:rate", "Ready for a check on rate, not requested yet",
         ("eve", "gil")),
        ("ready:ratio", "Ready for a check on ratio, not requested yet",
         ("eve", "gil")),
        ("tier:rates/lab", "Working on tier Lab of Unit Rates", ("ana", "ben")),
        # fay alone: not yet on rate (a group of one is not suggested); she mastered ratio
        # and has asked about rate, so she is ready for neither check
    ]


def test_groups_of_one_with_min_size_one() -> None:
    found = rows(suggest_groups(DATA, min_size=1))
    assert found[-1] == ("not-yet:rate", "Not yet on rate: needs re-teaching", ("fay",))
    assert len(found) == 7


def test_min_size_three() -> None:
    assert [s.key for s in suggest_groups(DATA, min_size=3)] == [
        "tier:ratios/must", "tier:ratios/should"]


def test_suggestions_about_one_playlist() -> None:
    # rates: its tier, its competency (rate: only fay, alone) and its check (eve and gil
    # are ready for rate through ratios, not through rates: not assigned to them)
    assert rows(suggest_groups(DATA, playlist="rates")) == [
        ("tier:rates/lab", "Working on tier Lab of Unit Rates", ("ana", "ben"))]
    assert [s.key for s in suggest_groups(DATA, playlist="rates", min_size=1)] == [
        "tier:rates/lab", "not-yet:rate"]
    assert [s.key for s in suggest_groups(DATA, playlist="ratios")] == [
        "tier:ratios/must", "tier:ratios/should", "not-yet:ratio", "ready:rate",
        "ready:ratio"]
    assert suggest_groups(DATA, playlist="ghost") == []


def test_a_student_is_in_one_tier_group_per_playlist() -> None:
    found = suggest_groups(DATA, min_size=1)
    tiers = [s for s in found if s.kind == "tier"]
    for sid in ROSTER:
        per_playlist = [s.key.split("/")[0] for s in tiers if sid in s.students]
        assert len(per_playlist) == len(set(per_playlist))


def test_the_order_is_deterministic() -> None:
    assert suggest_groups(DATA) == suggest_groups(build(dict(reversed(STUDENTS.items()))))


def test_a_class_where_nobody_shares_a_next_step() -> None:
    everyone_done = {sid: {"ticks": [*CORE, "ratios/p1", "rates/l1"],
                           "decisions": {"d1": dec("mastered", 3, competency="ratio"),
                                         "d2": dec("mastered", 3, competency="rate")}}
                     for sid in ROSTER}
    assert suggest_groups(build(everyone_done)) == []


def test_reasons_carry_no_count_the_size_is_apart() -> None:
    # A reason may become a group's name: "(3 students)" in it would go stale.
    for suggestion in suggest_groups(DATA, min_size=1):
        assert "student" not in suggestion.reason
    sizes = {s.key: s.size for s in suggest_groups(DATA, min_size=1)}
    assert sizes["tier:ratios/must"] == "3 students"
    assert sizes["not-yet:rate"] == "1 student"


def test_a_student_who_just_got_not_yet_is_not_ready_not_requested() -> None:
    # kim and lou finished the tiers and got "not yet" on ratio the next day: they need
    # re-teaching, not a reminder to ask. lou ticks again afterwards: ready again.
    students = {**STUDENTS,
                "kim": {"ticks": [*CORE, "ratios/p1"],
                        "decisions": {"d1": dec("not-yet", 3, competency="ratio")}},
                "lou": {"ticks": [*CORE, "ratios/p2"], "ticked_on": 4,
                        "decisions": {"d1": dec("not-yet", 3, competency="ratio")}}}
    found = {s.key: s.students for s in suggest_groups(build(students), min_size=1)}
    assert found["ready:ratio"] == ("eve", "gil", "lou")
    assert found["not-yet:ratio"] == ("cai", "dee", "kim", "lou")


def test_a_withdrawn_not_yet_does_not_count() -> None:
    # The teacher withdrew kim's "not yet" (a slip): she is ready, not requested.
    students = {**STUDENTS,
                "kim": {"ticks": [*CORE, "ratios/p1"],
                        "decisions": {"d1": dec("not-yet", 3, competency="ratio"),
                                      "d2": dec_withdrawn("d1", 3)}}}
    found = {s.key: s.students for s in suggest_groups(build(students), min_size=1)}
    assert found["ready:ratio"] == ("eve", "gil", "kim")
    assert "kim" not in found["not-yet:ratio"]


def dec_withdrawn(supersedes: str, day: int) -> dict[str, Any]:
    return {"supersedes": supersedes, "withdrawn": True, "at": at(day), "by": "lee"}
