"""The view functions of session/views.py that the editors and the student's page use:
each is the one definition of a rule or a lookup (issue 14), tested without Textual."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from playlist_tui.model.check import ParsedFiles, build_class
from playlist_tui.model.files import ClassFile, Framework, Playlist, StudentFile, TeacherFile
from playlist_tui.model.klass import ClassData
from playlist_tui.session import views

FRAMEWORK = Framework.model_validate({
    "id": "math", "title": "Math",
    "scale": {"levels": ["Beginning", "Developing", "Proficient", "Extending"],
              "mastered_at": 3},
    "competencies": [
        {"id": "ratio", "statement": "I can use ratio language."},
        {"id": "rate", "statement": "I can find unit rates.", "parent": "ratio",
         "prerequisites": ["ratio"]},
        {"id": "speed", "statement": "I can find speeds.", "parent": "rate",
         "prerequisites": ["rate"]},
    ],
})
OTHER = Framework.model_validate({
    "id": "sci", "title": "Science",
    "scale": {"levels": ["No", "Yes"], "mastered_at": 2},
    "competencies": [{"id": "cells", "statement": "I can name cells."}],
})
PLAYLIST = Playlist.model_validate({
    "id": "ratios", "title": "Ratios",
    "tiers": [{"id": "core", "title": "Core", "activities": [
                  {"id": "a1", "title": "One"}, {"id": "a2", "title": "Two"}]},
              {"id": "more", "title": "More", "complete": "optional", "activities": [
                  {"id": "b1", "title": "Three"}]}],
})
CLASS = ClassFile.model_validate({
    "name": "Test", "teachers": [{"id": "lee", "name": "Ms Lee"}],
    "students": [{"id": s, "name": s.title()} for s in ("ana", "ben", "cy")],
    "assignments": [{"playlist": "ratios", "everyone": True}],
})


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 10, tzinfo=UTC)


def build(students: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> ClassData:
    files = ParsedFiles(
        class_file=CLASS,
        frameworks=[("frameworks/math.toml", FRAMEWORK), ("frameworks/sci.toml", OTHER)],
        playlists=[("playlists/ratios.toml", PLAYLIST)],
        student_files={sid: (f"students/{sid}/student.toml", StudentFile.model_validate(s))
                       for sid, (s, _) in students.items()},
        teacher_files={sid: (f"students/{sid}/teacher.toml", TeacherFile.model_validate(t))
                       for sid, (_, t) in students.items()},
        student_folders={sid: f"students/{sid}" for sid in students},
    )
    data, problems = build_class(files, locate=lambda path, loc: (1, 1))
    assert problems == [], problems
    return data


EMPTY = build({})

# ------------------------------------------------------------------ authoring rules


def test_tier_errors_are_the_rules_the_check_reports() -> None:
    assert views.tier_errors(0, "all", "previous", 2) == {
        "unlock": "the first tier has no tier before it: choose open"}
    assert views.tier_errors(1, "all", "previous", 2) == {}
    assert views.tier_errors(1, 3, None, 2) == {"complete": "this tier has 2 activities: at "
                                                            "most 2"}
    assert views.tier_errors(1, 1, None, 1) == {}
    assert views.tier_errors(1, "optional", {"mastered": "ratio"}, 0) == {}


def test_link_errors_refuse_a_loop_of_parents_or_prerequisites() -> None:
    assert views.link_errors(EMPTY, "ratio", "ratio", "ratio", ()) == {
        "parent": "a competency cannot be its own parent"}
    assert views.link_errors(EMPTY, "ratio", "ratio", "speed", ["speed"]) == {
        "parent": "speed is already under ratio: that would be a loop",
        "prerequisites": "ratio is already needed for speed: that would be a loop"}
    # the competency's own links are the ones the form replaces: no loop through them
    assert views.link_errors(EMPTY, "speed", "speed", "ratio", ["ratio"]) == {}
    # a new competency (own None) under another: fine
    assert views.link_errors(EMPTY, None, "new", "speed", ["speed", "ratio"]) == {}
    assert views.prerequisite_loop(EMPTY, "rate", "rate", ["cells", "speed"]) == "speed"


def test_highest_level_used_counts_every_entry_of_the_framework() -> None:
    data = build({
        "ana": ({"requests": {"r1": {"competency": "rate", "at": at(1)}}},
                {"decisions": {"d1": {"result": "mastered", "level": 4, "at": at(2),
                                      "by": "lee", "request": "r1"}}}),
        "ben": ({}, {"decisions": {
            "d1": {"result": "not-yet", "level": 2, "at": at(2), "by": "lee",
                   "competency": "ratio"},
            "d2": {"result": "mastered", "level": 2, "at": at(3), "by": "lee",
                   "competency": "cells"}}}),
    })
    assert views.highest_level_used(data, FRAMEWORK) == 4  # through the request
    assert views.highest_level_used(data, OTHER) == 2
    assert views.highest_level_used(EMPTY, FRAMEWORK) == 0


def test_a_corrected_decision_still_limits_the_scale() -> None:
    """The file keeps a corrected entry and the check reports its level if it leaves the
    scale, so the scale editor counts it (unlike mastery, which counts only the last)."""
    data = build({"ana": ({}, {"decisions": {
        "d1": {"result": "mastered", "level": 4, "at": at(2), "by": "lee",
               "competency": "ratio"},
        "d2": {"result": "not-yet", "level": 1, "at": at(3), "by": "lee",
               "supersedes": "d1"}}})})
    assert views.highest_level_used(data, FRAMEWORK) == 4


# ------------------------------------------------------------------ usage lookups

USES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "ana": ({"ticks": {"ratios/a1": at(1), "ratios/b1": at(2)},
             "requests": {"r1": {"competency": "cells", "at": at(3)}}},
            {"adjustments": {"ratios": {"start": "more"}}}),
    "ben": ({"notes": {"ratios/a1": {"reflection": "hard"}}},
            {"adjustments": {"ratios": {"skip": ["a2"]}},
             "decisions": {"d1": {"result": "not-yet", "at": at(2), "by": "lee",
                                  "competency": "ratio"}}}),
    "cy": ({"ticks": {"ratios/a2": at(1)}}, {}),
}


def lazy_class(students: dict[str, tuple[dict[str, Any], dict[str, Any]]]
               ) -> tuple[ClassData, list[str]]:
    """The class with each student's files made only when asked for (as the store does for
    a large class); the list says which were made and kept."""
    from playlist_tui.model.klass import Lazy, Records

    data = build(students)
    made: list[str] = []
    records = data.records
    assert isinstance(records, Records)
    for sid, cell in records.cells.items():
        student, teacher = records[sid].student, records[sid].teacher

        def make(student: StudentFile = student, sid: str = sid) -> StudentFile:
            made.append(sid)
            return student

        cell.student = Lazy(make=make)
        cell.teacher = Lazy(teacher)
        cell._record = None
    return data, made


def test_usage_lookups_name_the_students_in_class_order() -> None:
    data = build(USES)
    assert views.ticked_by(data, "ratios", "a1") == ["ana", "ben"]  # a note counts too
    assert views.ticked_by(data, "ratios", "b1") == ["ana"]
    assert views.ticks_in(data, "ratios", ["a1", "a2"]) == 3
    assert views.adjusted_by(data, "ratios", "more") == ["ana"]
    assert views.adjusted_by(data, "ratios", "a2") == ["ben"]
    assert views.adjusted_by(data, "ratios", "a1") == []
    assert views.competency_used_by(data, "ratio") == [
        "parent of rate", "prerequisite of rate", "requests or decisions of 1 student(s)"]
    assert views.competency_used_by(data, "cells") == ["requests or decisions of 1 student(s)"]
    assert views.competency_used_by(data, "speed") == []


def test_usage_lookups_keep_no_record() -> None:
    data, made = lazy_class(USES)
    cells = data.records.cells  # type: ignore[attr-defined]
    assert views.ticked_by(data, "ratios", "a1") == ["ana", "ben"]
    views.ticks_in(data, "ratios", ["a1"])
    views.adjusted_by(data, "ratios", "more")
    views.competency_used_by(data, "ratio")
    views.highest_level_used(data, FRAMEWORK)
    assert sorted(set(made)) == ["ana", "ben", "cy"]  # each was read...
    assert all(cell._record is None and not cell.student.ready for cell in cells.values())


# ------------------------------------------------------------------ decisions that count

CORRECTED = {"ana": ({"requests": {"r1": {"competency": "ratio", "at": at(1)}}}, {"decisions": {
    "d1": {"result": "mastered", "level": 3, "at": at(2), "by": "lee", "request": "r1",
           "feedback": "good"},
    "d2": {"result": "not-yet", "level": 2, "at": at(3), "by": "lee", "supersedes": "d1",
           "feedback": "not quite"},
    "d3": {"result": "mastered", "level": 3, "at": at(4), "by": "lee",
           "competency": "rate", "feedback": "yes"},
    "d4": {"withdrawn": True, "at": at(5), "by": "lee", "supersedes": "d3"}}})}


def test_the_student_page_offers_only_decisions_that_count_for_correction() -> None:
    data = build(CORRECTED)
    assert [(did, about) for did, _, about in views.decisions_to_correct(data, "ana")] == [
        ("d2", "ratio")]  # d1 corrected, d3 withdrawn, d4 is the withdrawal


def test_the_student_page_history_says_which_entries_do_not_count() -> None:
    data = build(CORRECTED)
    assert views.decision_history(data, "ana", day=lambda d: f"{d.day} Nov") == {
        "ratio": ["2 Nov mastered: good  [corrected on 3 Nov, does not count]",
                  "3 Nov not yet: not quite (a correction)"],
        "rate": ["4 Nov mastered: yes  [withdrawn on 5 Nov, does not count]",
                 "5 Nov withdrew the decision of 4 Nov"]}


def test_an_adjustment_is_said_with_titles_not_ids() -> None:
    """Issue 15 item 13: the student page said 'adjusted: skips cell-model; adds
    pond-water'."""
    from playlist_tui.model.files import Adjustment

    words = views.adjustment_words(PLAYLIST, Adjustment(start="more", skip=("a1",),
                                                        add=("b1", "gone"), note="Large print"))
    assert words == "starts at More; skips One; adds Three, gone; note: Large print"
