"""A catalogue of bad inputs: each case breaks ONE file (or folder) of a valid class.

For every case the loader must (1) report a problem at the right path, line (and column
where it means something) with a helpful message, (2) keep loading everything else, and
(3) never raise. The expectations describe the behaviour we want, not necessarily the
behaviour we have: a failing case here is a bug report.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from playlist_tui.model.problems import Problem, Severity
from playlist_tui.store.layout import MAX_FILE_BYTES
from playlist_tui.store.loader import LoadResult, load_class

# --------------------------------------------------------------------------- the valid class

CLASS_TOML = """\
format = 1
name = "Grade 6 Math"

[[teachers]]
id = "t-rivera"
name = "Ms. Rivera"

[[students]]
id = "ana"
name = "Ana"

[[students]]
id = "ben"
name = "Ben"

[[groups]]
id = "blue"
name = "Blue group"
members = ["ana", "ben"]

[[assignments]]
playlist = "ratios"
groups = ["blue"]
"""

FRAMEWORK_TOML = """\
id = "grade6"
title = "Math 6"

[scale]
levels = ["Beginning", "Developing", "Proficient", "Advanced"]
mastered_at = 3

[[competencies]]
id = "RP"
statement = "Ratios and proportional relationships"

[[competencies]]
id = "RP.1"
statement = "I can describe a ratio relationship"
parent = "RP"

[[competencies]]
id = "RP.2"
statement = "I can find a unit rate"
parent = "RP"
prerequisites = ["RP.1"]
"""

PLAYLIST_TOML = """\
id = "ratios"
title = "Ratios"
summary = "What a ratio is, and how to use one"

[check]
competencies = ["RP.1", "RP.2"]
ready_after = "core"

[[tiers]]
id = "core"
title = "Core"
complete = "all"

[[tiers.activities]]
id = "video"
title = "Watch the ratio video"
kind = "video"
minutes = 10
competencies = ["RP.1"]

[[tiers.activities]]
id = "practice"
title = "Ratio tables"
kind = "practice"
minutes = 20
competencies = ["RP.1"]

[[tiers]]
id = "stretch"
title = "Stretch"
complete = 1
unlock = { mastered = "RP.1" }

[[tiers.activities]]
id = "rates"
title = "Unit rates"
kind = "reading"
competencies = ["RP.2"]

[[tiers.activities]]
id = "project"
title = "Recipe project"
kind = "project"
competencies = ["RP.2"]
"""

ANA_STUDENT_TOML = """\
[ticks]
"ratios/video" = 2026-11-03T10:15:00Z
"ratios/practice" = 2026-11-04T10:15:00Z

[notes."ratios/video"]
reflection = "A ratio compares two amounts."

[requests.r1]
competency = "RP.1"
playlist = "ratios"
at = 2026-11-05T09:00:00Z
note = "Ready for the check"
"""

ANA_TEACHER_TOML = """\
[decisions.d1]
request = "r1"
result = "mastered"
level = 3
by = "t-rivera"
at = 2026-11-06T09:00:00Z
feedback = "Clear explanation."
"""

BEN_STUDENT_TOML = """\
[ticks]
"ratios/video" = 2026-11-03T11:00:00Z
"""

CLASS = "class.toml"
FRAMEWORK = "frameworks/grade6.toml"
PLAYLIST = "playlists/ratios.toml"
ANA = "students/ana/student.toml"
ANA_T = "students/ana/teacher.toml"
BEN = "students/ben/student.toml"

VALID: dict[str, str] = {
    CLASS: CLASS_TOML,
    FRAMEWORK: FRAMEWORK_TOML,
    PLAYLIST: PLAYLIST_TOML,
    ANA: ANA_STUDENT_TOML,
    ANA_T: ANA_TEACHER_TOML,
    BEN: BEN_STUDENT_TOML,
}


class _Folder:
    """Marker: create a folder at this path (instead of a file)."""


FOLDER = _Folder()
Content = str | bytes | _Folder | None  # None: delete the file


def write_class(root: Path, changes: Mapping[str, Content] | None = None) -> None:
    files: dict[str, Content] = {**VALID, **(changes or {})}
    for rel, content in files.items():
        target = root / rel
        if content is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, _Folder):
            target.mkdir(parents=True, exist_ok=True)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_bytes(content.encode("utf-8"))


@pytest.fixture
def valid_class(tmp_path: Path) -> Path:
    write_class(tmp_path)
    return tmp_path


def listing(result: LoadResult) -> str:
    return "\n".join(f"  {p} [{p.severity}]" for p in result.problems) or "  (no problems)"


def test_the_valid_class_loads_without_problems(valid_class: Path) -> None:
    result = load_class(valid_class)
    assert result.problems == [], listing(result)
    data = result.data
    assert data.info.name == "Grade 6 Math"
    assert [t.id for t in data.info.teachers] == ["t-rivera"]
    assert [s.id for s in data.info.students] == ["ana", "ben"]
    assert [g.id for g in data.info.groups] == ["blue"]
    assert [a.playlist for a in data.info.assignments] == ["ratios"]
    assert list(data.frameworks) == ["grade6"]
    assert data.frameworks["grade6"].scale.mastered_at == 3
    assert list(data.competencies) == ["RP", "RP.1", "RP.2"]
    assert data.competencies["RP.2"].parent == "RP"
    assert data.competencies["RP.2"].prerequisites == ("RP.1",)
    playlist = data.playlists["ratios"]
    assert [t.id for t in playlist.tiers] == ["core", "stretch"]
    assert [[a.id for a in t.activities] for t in playlist.tiers] == [
        ["video", "practice"], ["rates", "project"]]
    assert playlist.check.ready_after == "core"
    ana = data.record("ana")
    assert set(ana.student.ticks) == {"ratios/video", "ratios/practice"}
    assert set(ana.student.notes) == {"ratios/video"}
    assert set(ana.student.requests) == {"r1"}
    assert set(ana.teacher.decisions) == {"d1"}
    assert set(data.record("ben").student.ticks) == {"ratios/video"}
    assert data.assigned_playlists("ben") == [playlist]


# --------------------------------------------------------------------------- case helpers


def edit(path: str, *pairs: tuple[str, str]) -> dict[str, Content]:
    """The valid file at ``path`` with each ``old`` (which must occur once) replaced."""
    text = VALID[path]
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
        text = text.replace(old, new)
    return {path: text}


@dataclass(frozen=True)
class Expect:
    """A problem that must be reported.

    ``at`` is where: a ``(line, col)`` pair, a line alone (the column is not meaningful), or
    a snippet of the file's final text whose first character is the expected position.
    ``hint``: None, not checked; "" must be non-empty; otherwise a fragment it must contain.
    """

    path: str
    at: tuple[int, int] | int | str
    fragment: str
    hint: str | None = ""
    severity: Severity | None = None
    # For duplicates: the other place, (path, snippet), that the message must name.
    also: tuple[str, str] | None = None


Check = Callable[[LoadResult], None]


@dataclass(frozen=True)
class Case:
    name: str
    files: Mapping[str, Content]
    expect: tuple[Expect, ...]
    still: tuple[Check, ...] = ()
    # Untouched files that may also get errors (a consequence the case accepts).
    noisy: tuple[str, ...] = ()
    # Paths that must have no problem at all.
    clean: tuple[str, ...] = ()


def final_text(case: Case, path: str) -> str:
    content = case.files[path] if path in case.files else VALID.get(path)
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    assert isinstance(content, str), f"no text for {path}"
    return content.removeprefix("\ufeff")


def position(case: Case, expect: Expect) -> tuple[int, int | None]:
    if isinstance(expect.at, tuple):
        return expect.at
    if isinstance(expect.at, int):
        return expect.at, None
    return snippet_at(case, expect.path, expect.at)


def snippet_at(case: Case, path: str, snippet: str) -> tuple[int, int]:
    text = final_text(case, path)
    assert text.count(snippet) == 1, f"snippet {snippet!r} is not unique in {path}"
    offset = text.index(snippet)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def check_expect(case: Case, result: LoadResult, expect: Expect) -> Problem:
    found = [p for p in result.problems
             if p.path == expect.path and expect.fragment in p.message]
    assert found, (f"no problem in {expect.path} whose message contains {expect.fragment!r};"
                   f" problems:\n{listing(result)}")
    line, col = position(case, expect)
    placed = [p for p in found if p.line == line and (col is None or p.col == col)]
    want = f"{line}:{col}" if col is not None else f"line {line}"
    assert placed, (f"{expect.fragment!r} reported at "
                    f"{', '.join(f'{p.line}:{p.col}' for p in found)}, expected at {want}"
                    f"\nproblems:\n{listing(result)}")
    problem = placed[0]
    if expect.hint is not None:
        assert problem.hint.strip(), f"no hint for: {problem}"
        assert expect.hint.lower() in problem.hint.lower(), (
            f"hint {problem.hint!r} should contain {expect.hint!r}")
    if expect.severity is not None:
        assert problem.severity == expect.severity, str(problem)
    if expect.also is not None:
        other_line, other_col = snippet_at(case, *expect.also)
        other = f"{expect.also[0]}:{other_line}:{other_col}"
        # shown as "path:line:col: message": this place, then the other one in the message
        assert other in problem.message, (
            f"a duplicate must name both places as path:line:col; got {problem}, "
            f"expected {other} in the message")
    return problem


# --------------------------------------------------------------------------- checks


def playlists(*ids: str) -> Check:
    def check(result: LoadResult) -> None:
        missing = [i for i in ids if i not in result.data.playlists]
        assert not missing, f"playlists not loaded: {missing}"
    return check


def no_playlist(pid: str) -> Check:
    def check(result: LoadResult) -> None:
        assert pid not in result.data.playlists
    return check


def activities(pid: str, *ids: str) -> Check:
    def check(result: LoadResult) -> None:
        playlist = result.data.playlists.get(pid)
        assert playlist is not None, f"playlist {pid!r} not loaded"
        have = [a.id for t in playlist.tiers for a in t.activities]
        assert all(i in have for i in ids), f"activities of {pid}: {have}, want {ids}"
    return check


def frameworks(*ids: str) -> Check:
    def check(result: LoadResult) -> None:
        assert all(i in result.data.frameworks for i in ids), list(result.data.frameworks)
    return check


def competencies(*ids: str) -> Check:
    def check(result: LoadResult) -> None:
        have = list(result.data.competencies)
        assert all(i in have for i in ids), f"competencies: {have}, want {ids}"
    return check


def roster(*ids: str) -> Check:
    def check(result: LoadResult) -> None:
        have = [s.id for s in result.data.info.students]
        assert all(i in have for i in ids), f"students: {have}, want {ids}"
    return check


def ticks(sid: str, *refs: str) -> Check:
    def check(result: LoadResult) -> None:
        have = set(result.data.record(sid).student.ticks)
        assert set(refs) <= have, f"ticks of {sid}: {sorted(have)}, want {refs}"
    return check


def requests(sid: str, *ids: str) -> Check:
    def check(result: LoadResult) -> None:
        have = set(result.data.record(sid).student.requests)
        assert set(ids) <= have, f"requests of {sid}: {sorted(have)}"
    return check


def decisions(sid: str, *ids: str) -> Check:
    def check(result: LoadResult) -> None:
        have = set(result.data.record(sid).teacher.decisions)
        assert set(ids) <= have, f"decisions about {sid}: {sorted(have)}"
    return check


def records(*sids: str) -> Check:
    def check(result: LoadResult) -> None:
        assert all(s in result.data.records for s in sids), list(result.data.records)
    return check


def holds(what: str, predicate: Callable[[LoadResult], bool]) -> Check:
    def check(result: LoadResult) -> None:
        assert predicate(result), what
    return check


# What "the rest of the class" means when a case breaks a file of a given kind.
REST_AFTER_PLAYLIST = (frameworks("grade6"), competencies("RP", "RP.1", "RP.2"),
                       roster("ana", "ben"), ticks("ana", "ratios/video", "ratios/practice"),
                       decisions("ana", "d1"), ticks("ben", "ratios/video"))
REST_AFTER_STUDENT = (playlists("ratios"), frameworks("grade6"), roster("ana", "ben"),
                      activities("ratios", "video", "practice", "rates", "project"))
REST = (*REST_AFTER_STUDENT, ticks("ana", "ratios/video", "ratios/practice"),
        requests("ana", "r1"), decisions("ana", "d1"), ticks("ben", "ratios/video"))


# --------------------------------------------------------------------------- the catalogue

EXTRA_PLAYLIST = "playlists/extra.toml"


def extra_playlist(pid: str) -> dict[str, Content]:
    return {EXTRA_PLAYLIST: f'id = "{pid}"\ntitle = "Extra"\n'}


BIG = "# " + "x" * 78 + "\n"
HUGE_TEXT = 'id = "huge"\ntitle = "Huge"\n' + BIG * (MAX_FILE_BYTES // len(BIG) + 2)
CONFLICTED = """\
[ticks]
"ratios/video" = 2026-11-03T10:15:00Z
<<<<<<< HEAD
"ratios/practice" = 2026-11-04T10:15:00Z
=======
"ratios/practice" = 2026-11-04T11:30:00Z
>>>>>>> laptop

[requests.r1]
competency = "RP.1"
at = 2026-11-05T09:00:00Z
"""
DUPLICATE_PLAYLIST = """\
# A copy of ratios.toml made by mistake:
# it keeps the same id.
id = "ratios"
title = "Ratios (copy)"
"""
SCIENCE = """\
id = "science"
title = "Science 6"

[scale]
levels = ["Not yet", "Yes"]
mastered_at = 2

[[competencies]]
id = "SCI.1"
statement = "I can plan an investigation"

[[competencies]]
id = "RP.1"
statement = "A ratio, again"
"""

P = PLAYLIST
CASES: list[Case] = [
    # ---------------------------------------------------------------- TOML syntax
    # tomllib says "Illegal character '\\n'": the hint must say what to do (close the quote).
    Case("toml_unclosed_string",
         edit(P, ('title = "Ratios"', 'title = "Ratios')),
         (Expect(P, 2, "not valid TOML", hint="quote"),),
         REST_AFTER_PLAYLIST, noisy=(CLASS,)),
    Case("toml_missing_equals",
         edit(BEN, ('"ratios/video" = ', '"ratios/video" ')),
         (Expect(BEN, (2, 16), "'='", hint="'='"),),
         (*REST_AFTER_STUDENT, ticks("ana", "ratios/video", "ratios/practice"))),
    # The usual cause of "Unclosed array" is a missing comma: the hint should say so.
    Case("toml_bad_array_missing_comma",
         edit(P, ('["RP.1", "RP.2"]', '["RP.1" "RP.2"]')),
         (Expect(P, (6, 24), "array", hint="comma"),),
         REST_AFTER_PLAYLIST, noisy=(CLASS,)),
    # An array that is never closed is reported where it opens (like Python's "'[' was
    # never closed"), not at the next table header.
    Case("toml_unclosed_array",
         edit(CLASS, ('members = ["ana", "ben"]', 'members = ["ana", "ben"\n')),
         (Expect(CLASS, 19, "not valid TOML", hint="close it with ']'"),),
         (playlists("ratios"), frameworks("grade6"), ticks("ana", "ratios/video"))),
    Case("toml_duplicate_key",
         edit(P, ('summary = "What', 'title = "Ratios again"\nsummary = "What')),
         (Expect(P, 3, "not valid TOML", hint="twice"),),
         REST_AFTER_PLAYLIST, noisy=(CLASS,)),
    # ---------------------------------------------------------------- wrong types
    Case("minutes_is_a_string",
         edit(P, ("minutes = 10", 'minutes = "10"')),
         (Expect(P, 'minutes = "10"', "expected an integer", hint=""),),
         (*REST, holds("the activity is kept without minutes",
                       lambda r: r.data.playlists["ratios"].tiers[0].activities[0].minutes
                       is None))),
    Case("activity_title_is_an_integer",
         edit(P, ('title = "Ratio tables"', "title = 5")),
         (Expect(P, "title = 5", "expected a string", hint="quotes"),),
         (activities("ratios", "video", "rates", "project"), frameworks("grade6"),
          ticks("ana", "ratios/video"))),
    Case("playlist_title_is_an_integer",
         {EXTRA_PLAYLIST: 'id = "extra"\ntitle = 2026\n'},
         (Expect(EXTRA_PLAYLIST, "title = 2026", "expected a string", hint="quotes"),),
         REST),
    Case("tick_time_is_a_quoted_string",
         edit(ANA, ('"ratios/practice" = 2026-11-04T10:15:00Z',
                    '"ratios/practice" = "2026-11-04T10:15:00Z"')),
         (Expect(ANA, '"ratios/practice"', "without quotes", hint=None),),
         (*REST_AFTER_STUDENT, ticks("ana", "ratios/video"), requests("ana", "r1"),
          decisions("ana", "d1"))),
    Case("table_where_an_array_is_expected",
         edit(P, ('competencies = ["RP.1", "RP.2"]', 'competencies = { main = "RP.1" }')),
         (Expect(P, "competencies = { main", "expected an array", hint=""),),
         (*REST, holds("the rest of [check] is kept",
                       lambda r: r.data.playlists["ratios"].check.ready_after == "core"))),
    Case("format_is_a_string",
         edit(CLASS, ("format = 1", 'format = "1"')),
         (Expect(CLASS, 'format = "1"', "expected an integer", hint=""),),
         REST),
    Case("decision_level_is_a_string",
         edit(ANA_T, ("level = 3", 'level = "3"')),
         (Expect(ANA_T, 'level = "3"', "expected an integer", hint=""),),
         REST),
    # ---------------------------------------------------------------- unknown keys
    Case("unknown_key_typo_titel",
         edit(P, ('title = "Ratio tables"', 'titel = "Ratio tables"')),
         (Expect(P, "titel", "unknown key 'titel'", hint="did you mean 'title'"),
          Expect(P, '[[tiers.activities]]\nid = "practice"', "missing key 'title'",
                 hint="title")),
         (activities("ratios", "video", "rates", "project"), frameworks("grade6"))),
    Case("unknown_top_level_key",
         edit(CLASS, ('name = "Grade 6 Math"\n', 'name = "Grade 6 Math"\ncolour = "blue"\n')),
         (Expect(CLASS, "colour", "unknown key 'colour'", hint="Keys allowed here"),),
         REST),
    Case("unknown_key_in_a_note",
         edit(ANA, ("reflection = ", "reflexion = ")),
         (Expect(ANA, "reflexion", "unknown key 'reflexion'", hint="did you mean 'reflection'"),),
         (*REST, holds("the note is kept", lambda r: "ratios/video" in
                       r.data.record("ana").student.notes))),
    Case("unknown_table_header_typo",
         edit(P, ("[check]", "[chek]")),
         (Expect(P, "[chek]", "unknown key 'chek'", hint="did you mean 'check'"),),
         (*REST, activities("ratios", "video"))),
    # An unknown [[header]] is reported on its own line, not at 1:1.
    Case("unknown_array_of_tables_typo",
         edit(CLASS, ("[[assignments]]", "[[assignment]]")),
         (Expect(CLASS, "[[assignment]]", "unknown key 'assignment'",
                 hint="did you mean 'assignments'"),),
         REST),
    # ---------------------------------------------------------------- missing keys
    Case("playlist_without_title",
         {EXTRA_PLAYLIST: '# no title\nid = "extra"\n'},
         (Expect(EXTRA_PLAYLIST, 1, "missing key 'title'", hint="title"),),
         (*REST, no_playlist("extra"))),
    Case("activity_without_id",
         edit(P, ('id = "practice"\n', "")),
         (Expect(P, '[[tiers.activities]]\ntitle = "Ratio tables"', "missing key 'id'",
                 hint="id"),),
         (activities("ratios", "video", "rates", "project"), frameworks("grade6"),
          ticks("ana", "ratios/video"))),
    # A missing class name must not throw away the whole roster.
    Case("class_without_name",
         edit(CLASS, ('name = "Grade 6 Math"\n', "")),
         (Expect(CLASS, 1, "missing key 'name'", hint="name"),),
         REST_AFTER_STUDENT),
    Case("assignment_without_target",
         edit(CLASS, ('groups = ["blue"]\n', "")),
         (Expect(CLASS, "[[assignments]]", "needs a target", hint=None),),
         REST),
    # ---------------------------------------------------------------- missing references
    Case("unknown_competency_in_an_activity",
         edit(P, ('minutes = 10\ncompetencies = ["RP.1"]',
                  'minutes = 10\ncompetencies = ["RP.9"]')),
         (Expect(P, '"RP.9"', "unknown competency 'RP.9'", hint="did you mean"),),
         REST),
    Case("unknown_playlist_in_an_assignment",
         edit(CLASS, ('playlist = "ratios"', 'playlist = "ratio"')),
         (Expect(CLASS, 'playlist = "ratio"', "unknown playlist 'ratio'",
                 hint="did you mean 'ratios'"),),
         REST),
    Case("unknown_group_in_an_assignment",
         edit(CLASS, ('groups = ["blue"]', 'groups = ["blu"]')),
         (Expect(CLASS, '"blu"', "unknown group 'blu'", hint="did you mean 'blue'"),),
         REST),
    Case("unknown_student_in_a_group",
         edit(CLASS, ('members = ["ana", "ben"]', 'members = ["ana", "bob"]')),
         (Expect(CLASS, '"bob"', "unknown student 'bob'", hint=""),),
         REST),
    Case("tick_of_an_unknown_activity",
         edit(ANA, ('"ratios/practice" =', '"ratios/vidoe" =')),
         (Expect(ANA, '"ratios/vidoe"', "unknown activity 'vidoe'",
                 hint="did you mean 'video'"),),
         (*REST_AFTER_STUDENT, ticks("ana", "ratios/video", "ratios/vidoe"))),
    Case("tick_of_an_unknown_playlist",
         edit(BEN, ('"ratios/video"', '"fractions/video"')),
         (Expect(BEN, '"fractions/video"', "unknown playlist 'fractions'", hint=""),),
         REST_AFTER_STUDENT),
    Case("request_for_an_unknown_competency",
         edit(ANA, ('competency = "RP.1"', 'competency = "RP.3"')),
         (Expect(ANA, 'competency = "RP.3"', "unknown competency 'RP.3'", hint=""),),
         (*REST_AFTER_STUDENT, requests("ana", "r1")), noisy=(ANA_T,)),
    Case("decision_for_an_unknown_request",
         edit(ANA_T, ('request = "r1"', 'request = "r2"')),
         (Expect(ANA_T, 'request = "r2"', "unknown request 'r2'", hint="student.toml"),),
         REST),
    Case("decision_by_an_unknown_teacher",
         edit(ANA_T, ('by = "t-rivera"', 'by = "t-rivero"')),
         (Expect(ANA_T, 'by = "t-rivero"', "unknown teacher 't-rivero'",
                 hint="did you mean 't-rivera'"),),
         REST),
    Case("check_ready_after_an_unknown_tier",
         edit(P, ('ready_after = "core"', 'ready_after = "cor"')),
         (Expect(P, 'ready_after = "cor"', "unknown tier 'cor'", hint="did you mean 'core'"),),
         REST),
    Case("unlock_mastered_an_unknown_competency",
         edit(P, ('unlock = { mastered = "RP.1" }', 'unlock = { mastered = "RP.7" }')),
         (Expect(P, 'mastered = "RP.7"', "unknown competency 'RP.7'", hint=""),),
         REST),
    Case("unknown_competency_in_the_check",
         edit(P, ('competencies = ["RP.1", "RP.2"]', 'competencies = ["RP.1", "RP2"]')),
         (Expect(P, '"RP2"', "unknown competency 'RP2'", hint="did you mean 'RP.2'"),),
         REST),
    Case("unknown_prerequisite",
         edit(FRAMEWORK, ('prerequisites = ["RP.1"]', 'prerequisites = ["RP.0"]')),
         (Expect(FRAMEWORK, '"RP.0"', "unknown competency 'RP.0'", hint=""),),
         (*REST, competencies("RP", "RP.1", "RP.2"))),
    # ---------------------------------------------------------------- duplicates
    Case("duplicate_playlist_id_in_two_files",
         {"playlists/ratios2.toml": DUPLICATE_PLAYLIST},
         (Expect("playlists/ratios2.toml", 'id = "ratios"', "duplicate playlist id 'ratios'",
                 also=(P, 'id = "ratios"')),),
         (*REST, holds("the first definition is kept",
                       lambda r: r.data.playlists["ratios"].title == "Ratios"))),
    Case("duplicate_activity_id_in_a_playlist",
         edit(P, ('id = "practice"', 'id = "video"')),
         (Expect(P, 'id = "video"\ntitle = "Ratio tables"', "duplicate activity id 'video'",
                 also=(P, 'id = "video"\ntitle = "Watch')),),
         (activities("ratios", "video", "rates", "project"), frameworks("grade6"))),
    # The first definition wins everywhere: decisions are checked against its scale too.
    Case("duplicate_competency_in_two_frameworks",
         {"frameworks/science.toml": SCIENCE},
         (Expect("frameworks/science.toml", 'id = "RP.1"', "duplicate competency id 'RP.1'",
                 also=(FRAMEWORK, 'id = "RP.1"')),),
         (*REST, frameworks("grade6", "science"), competencies("SCI.1", "RP.1"),
          holds("the first RP.1 is kept", lambda r: r.data.competencies["RP.1"].statement
                == "I can describe a ratio relationship"))),
    Case("duplicate_student_id_in_the_roster",
         {CLASS: CLASS_TOML + '\n[[students]]\nid = "ana"\nname = "Ana Two"\n'},
         (Expect(CLASS, 'id = "ana"\nname = "Ana Two"', "duplicate person id 'ana'",
                 also=(CLASS, 'id = "ana"\nname = "Ana"\n')),),
         (*REST, holds("the first ana is kept",
                       lambda r: r.data.students["ana"].name == "Ana"))),
    Case("duplicate_tier_id",
         edit(P, ('id = "stretch"', 'id = "core"')),
         (Expect(P, 'id = "core"\ntitle = "Stretch"', "duplicate tier id 'core'",
                 also=(P, 'id = "core"\ntitle = "Core"')),),
         REST),
    # ---------------------------------------------------------------- cycles
    Case("prerequisite_cycle",
         edit(FRAMEWORK, ('parent = "RP"\n\n', 'parent = "RP"\nprerequisites = ["RP.2"]\n\n')),
         (Expect(FRAMEWORK, 'prerequisites = ["RP.2"]', "prerequisites form a cycle",
                 hint=""),),
         (*REST, competencies("RP", "RP.1", "RP.2"))),
    Case("parent_cycle",
         edit(FRAMEWORK, ('id = "RP"\n', 'id = "RP"\nparent = "RP.2"\n')),
         (Expect(FRAMEWORK, 'parent = "RP.2"', "parents form a cycle", hint=""),),
         (*REST, competencies("RP", "RP.1", "RP.2"))),
    Case("competency_is_its_own_parent",
         edit(FRAMEWORK, ('parent = "RP"\n\n', 'parent = "RP.1"\n\n')),
         (Expect(FRAMEWORK, 'parent = "RP.1"', "is its own parent", hint="parent"),),
         (*REST, competencies("RP", "RP.1", "RP.2"))),
    # ---------------------------------------------------------------- ids like paths
    Case("playlist_id_with_dotdot",
         extra_playlist("../x"),
         (Expect(EXTRA_PLAYLIST, (1, 1), "contains '..'", hint=None),),
         REST),
    Case("playlist_id_with_a_slash",
         extra_playlist("a/b"),
         (Expect(EXTRA_PLAYLIST, (1, 1), "path separator", hint=None),),
         REST),
    Case("playlist_id_empty",
         extra_playlist(""),
         (Expect(EXTRA_PLAYLIST, (1, 1), "the id is empty", hint=None),),
         REST),
    Case("playlist_id_with_spaces",
         extra_playlist("my list"),
         (Expect(EXTRA_PLAYLIST, (1, 1), "not allowed", hint=None),),
         REST),
    Case("student_folder_name_with_invalid_characters",
         {"students/ana smith/student.toml": BEN_STUDENT_TOML},
         (Expect("students/ana smith", (1, 1), "student folder name", hint="folder"),),
         (*REST, records("ana", "ben"),
          holds("the bad folder is not a student", lambda r: "ana smith" not in r.data.records))),
    Case("student_folder_not_in_the_roster",
         {"students/carl/student.toml": BEN_STUDENT_TOML},
         (Expect("students/carl/student.toml", (1, 1), "belongs to no student",
                 hint='id = "carl"'),),
         REST),
    Case("unexpected_file_in_a_student_folder",
         {"students/ana/notes.toml": 'x = 1\n'},
         (Expect("students/ana/notes.toml", (1, 1), "unexpected file",
                 severity=Severity.WARNING),),
         REST),
    # ---------------------------------------------------------------- git, encodings, sizes
    Case("git_conflict_markers_in_a_student_file",
         {ANA: CONFLICTED},
         (Expect(ANA, "<<<<<<<", "unfinished git merge", hint="git merge --abort"),),
         REST_AFTER_STUDENT, noisy=(ANA_T,)),
    Case("unreadable_student_file_does_not_make_its_requests_unknown",
         {ANA: CONFLICTED},
         (Expect(ANA, "<<<<<<<", "unfinished git merge", hint=""),),
         (*REST_AFTER_STUDENT, decisions("ana", "d1")), clean=(ANA_T,)),
    Case("empty_class_toml",
         {CLASS: ""},
         (Expect(CLASS, (1, 1), "missing key 'name'", hint="name"),),
         (playlists("ratios"), frameworks("grade6"), records("ana", "ben"),
          ticks("ana", "ratios/video"))),
    Case("empty_student_toml_is_valid",
         {BEN: ""},
         (),
         (*REST_AFTER_STUDENT, records("ben"), decisions("ana", "d1")),
         clean=(BEN,)),
    Case("huge_file",
         {"playlists/huge.toml": HUGE_TEXT},
         (Expect("playlists/huge.toml", (1, 1), f"limit of {MAX_FILE_BYTES:,}", hint=""),),
         (*REST, no_playlist("huge"))),
    Case("non_utf8_byte",
         {BEN: BEN_STUDENT_TOML.encode() + b'# caf\xff\n'},
         (Expect(BEN, (3, 6), "not UTF-8", hint="UTF-8"),),
         (*REST_AFTER_STUDENT, ticks("ana", "ratios/video"))),
    # Columns count characters (as editors and every other problem do), not bytes.
    Case("non_utf8_byte_after_an_accented_letter",
         {BEN: BEN_STUDENT_TOML.encode() + "# café ".encode() + b"\xff\n"},
         (Expect(BEN, (3, 8), "not UTF-8", hint="UTF-8"),),
         (*REST_AFTER_STUDENT, ticks("ana", "ratios/video"))),
    Case("bom_prefixed_valid_file",
         {CLASS: "\ufeff" + CLASS_TOML, ANA: "\ufeff" + ANA_STUDENT_TOML},
         (),
         REST, clean=(CLASS, ANA)),
    Case("bom_prefixed_file_with_an_error",
         {CLASS: "\ufeff" + CLASS_TOML.replace('"ben"]', '"bob"]')},
         (Expect(CLASS, '"bob"', "unknown student 'bob'", hint=""),),
         REST),
    Case("crlf_line_endings_valid_file",
         {P: PLAYLIST_TOML.replace("\n", "\r\n"), ANA: ANA_STUDENT_TOML.replace("\n", "\r\n")},
         (),
         REST, clean=(P, ANA)),
    Case("crlf_line_endings_with_an_error",
         {P: PLAYLIST_TOML.replace('id = "rates"\ntitle = "Unit rates"\nkind = "reading"\n'
                                   'competencies = ["RP.2"]',
                                   'id = "rates"\ntitle = "Unit rates"\nkind = "reading"\n'
                                   'competencies = ["RP.1", "RP.8"]').replace("\n", "\r\n")},
         (Expect(P, '"RP.8"', "unknown competency 'RP.8'", hint=""),),
         REST),
    Case("missing_class_toml",
         {CLASS: None},
         (Expect(CLASS, (1, 1), "there is no class.toml", hint="class.toml"),),
         (playlists("ratios"), frameworks("grade6"), records("ana", "ben"),
          ticks("ana", "ratios/video", "ratios/practice"), decisions("ana", "d1"))),
    Case("class_toml_is_a_folder",
         {CLASS: FOLDER},
         (Expect(CLASS, (1, 1), "class.toml is a folder", hint="cannot be a folder"),),
         (playlists("ratios"), frameworks("grade6"), records("ana", "ben"))),
    # ---------------------------------------------------------------- rules and values
    Case("mastered_decision_below_mastered_at",
         edit(ANA_T, ("level = 3", "level = 2")),
         (Expect(ANA_T, "level = 2", "below the mastered level 3", hint="not-yet"),),
         REST),
    Case("decision_level_not_on_the_scale",
         edit(ANA_T, ("level = 3", "level = 7")),
         (Expect(ANA_T, "level = 7", "not on the scale", hint=""),),
         REST),
    Case("decision_result_typo",
         edit(ANA_T, ('result = "mastered"', 'result = "mastred"')),
         (Expect(ANA_T, 'result = "mastred"', "'mastred' is not allowed",
                 hint="did you mean 'mastered'"),),
         REST_AFTER_STUDENT),
    Case("complete_larger_than_the_number_of_activities",
         edit(P, ('complete = "all"', "complete = 5")),
         (Expect(P, "complete = 5", "asks for 5 activities but has only 2", hint=""),),
         REST),
    Case("bad_completion_rule_al",
         edit(P, ('complete = "all"', 'complete = "al"')),
         (Expect(P, 'complete = "al"', "complete must be", hint="all"),),
         (*REST, holds("the tier is kept", lambda r: r.data.playlists["ratios"].tiers[0].id
                       == "core"))),
    Case("invalid_unlock_value",
         edit(P, ('unlock = { mastered = "RP.1" }', 'unlock = "later"')),
         (Expect(P, 'unlock = "later"', "unlock must be", hint="previous"),),
         (*REST, holds("the tier is kept", lambda r: len(r.data.playlists["ratios"].tiers)
                       == 2))),
    Case("first_tier_unlocked_by_previous",
         edit(P, ('complete = "all"\n', 'complete = "all"\nunlock = "previous"\n')),
         (Expect(P, 'unlock = "previous"', "no previous tier", hint="open",
                 severity=Severity.WARNING),),
         REST),
    Case("activity_kind_typo",
         edit(P, ('kind = "video"', 'kind = "vidoe"')),
         (Expect(P, 'kind = "vidoe"', "'vidoe' is not allowed", hint="did you mean 'video'"),),
         REST),
    Case("tick_key_without_a_playlist",
         edit(ANA, ('"ratios/practice" =', '"practice" =')),
         (Expect(ANA, '"practice" =', "not an activity reference", hint="rename"),),
         (*REST_AFTER_STUDENT, ticks("ana", "ratios/video"), requests("ana", "r1"))),
    Case("mastered_at_outside_the_scale",
         edit(FRAMEWORK, ("mastered_at = 3", "mastered_at = 5")),
         (Expect(FRAMEWORK, "[scale]", "not a level of the scale", hint=None),),
         (playlists("ratios"), roster("ana", "ben")),
         noisy=(P, ANA, ANA_T)),
    # ---------------------------------------------------------------- more places and shapes
    Case("unknown_competency_in_a_multiline_array",
         edit(P, ('competencies = ["RP.1", "RP.2"]',
                  'competencies = [\n  "RP.1",\n  "RP.9",  # typo\n]')),
         (Expect(P, '"RP.9"', "unknown competency 'RP.9'", hint=""),),
         REST),
    Case("unknown_tier_in_a_dotted_key",
         edit(P, ('[check]\ncompetencies = ["RP.1", "RP.2"]\nready_after = "core"\n',
                  'check.competencies = ["RP.1", "RP.2"]\ncheck.ready_after = "cor"\n')),
         (Expect(P, 'check.ready_after = "cor"', "unknown tier 'cor'", hint=""),),
         REST),
    Case("problem_after_a_multiline_string_that_looks_like_toml",
         edit(P, ('summary = "What a ratio is, and how to use one"',
                  'summary = """\n[check]\nready_after = "x"\n"""'),
                 ('ready_after = "core"', 'ready_after = "cor"')),
         (Expect(P, 'ready_after = "cor"', "unknown tier 'cor'", hint=""),),
         REST),
    # An unknown key is a warning and is ignored; it must not discard the whole rule.
    Case("unknown_key_inside_the_unlock_table",
         edit(P, ('unlock = { mastered = "RP.1" }', 'unlock = { mastered = "RP.1", soon = 1 }')),
         (Expect(P, "soon = 1", "unknown key 'soon'", hint="mastered",
                 severity=Severity.WARNING),),
         (*REST,
          holds("the unlock rule is kept (an unknown key is only ignored)",
                lambda r: getattr(r.data.playlists["ratios"].tiers[1].unlock, "mastered", None)
                == "RP.1"),
          holds("an unknown key is a warning, not an error",
                lambda r: not [p for p in r.errors if p.path == P]))),
    Case("integer_in_an_array_of_ids",
         edit(CLASS, ('members = ["ana", "ben"]', 'members = ["ana", 7]')),
         (Expect(CLASS, "7]", "expected a string", hint="quotes"),),
         REST, noisy=(BEN,)),
    Case("float_minutes",
         edit(P, ("minutes = 10", "minutes = 10.5")),
         (Expect(P, "minutes = 10.5", "expected an integer", hint=""),),
         REST),
    Case("negative_minutes",
         edit(P, ("minutes = 10", "minutes = -5")),
         (Expect(P, "minutes = -5", "too small", hint=">= 0"),),
         REST),
    Case("goal_target_is_a_quoted_date",
         {BEN: BEN_STUDENT_TOML + '\n[goals.g1]\ntext = "Finish ratios"\ntarget = "2026-12-01"\n'},
         (Expect(BEN, 'target = "2026-12-01"', "without quotes", hint=None),),
         (*REST, holds("the goal is kept without a target",
                       lambda r: r.data.record("ben").student.goals["g1"].target is None))),
    Case("request_id_with_a_space",
         {BEN: BEN_STUDENT_TOML + '\n[requests."my request"]\ncompetency = "RP.1"\n'
          'at = 2026-11-05T09:00:00Z\n'},
         (Expect(BEN, '[requests."my request"]', "bad key", hint="rename"),),
         (*REST, ticks("ben", "ratios/video"))),
    Case("decision_names_neither_request_nor_competency",
         edit(ANA_T, ('request = "r1"\n', "")),
         (Expect(ANA_T, "[decisions.d1]", "names the request it answers", hint=None),),
         REST_AFTER_STUDENT),
    Case("array_where_a_table_is_expected",
         {BEN: 'ticks = ["ratios/video"]\n'},
         (Expect(BEN, "ticks", "expected a table", hint=""),),
         (*REST_AFTER_STUDENT, records("ben"))),
    Case("duplicate_group_id",
         {CLASS: CLASS_TOML + '\n[[groups]]\nid = "blue"\nname = "Blue again"\n'},
         (Expect(CLASS, 'id = "blue"\nname = "Blue again"', "duplicate group id 'blue'",
                 also=(CLASS, 'id = "blue"\nname = "Blue group"')),),
         REST),
    Case("duplicate_framework_id",
         {"frameworks/zz.toml": 'title = "Copy"\nid = "grade6"\n\n[scale]\n'
          'levels = ["No", "Yes"]\nmastered_at = 2\n'},
         (Expect("frameworks/zz.toml", 'id = "grade6"', "duplicate framework id 'grade6'",
                 also=(FRAMEWORK, 'id = "grade6"')),),
         (*REST, holds("the first framework is kept",
                       lambda r: r.data.frameworks["grade6"].title == "Math 6"))),
    Case("playlist_id_longer_than_64_characters",
         extra_playlist("p" * 65),
         (Expect(EXTRA_PLAYLIST, (1, 1), "longer than 64 characters", hint=None),),
         REST),
    # The playlist exists but could not be read: "unknown playlist" in class.toml misleads.
    Case("unreadable_playlist_is_not_reported_as_unknown_elsewhere",
         edit(P, ('title = "Ratios"', 'title = "Ratios')),
         (Expect(P, 2, "not valid TOML"),),
         REST_AFTER_PLAYLIST, clean=(CLASS,)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    write_class(tmp_path, case.files)
    result = load_class(tmp_path)  # (3) must never raise

    # (1) the expected problems, at the expected places
    for expect in case.expect:
        check_expect(case, result, expect)

    for problem in result.problems:
        assert problem.line >= 1 and problem.col >= 1, str(problem)
        assert problem.message.strip(), str(problem)

    # (2) the rest of the class still loads ...
    for check in case.still:
        check(result)
    # ... and files the case did not touch are not blamed
    touched = {*case.files, *case.noisy}
    stray = [p for p in result.errors if not any(
        p.path == t or p.path.startswith(t + "/") or t.startswith(p.path + "/")
        for t in touched)]
    assert not stray, "errors in files this case did not touch:\n" + "\n".join(map(str, stray))
    for path in case.clean:
        blamed = [p for p in result.problems if p.path == path]
        assert not blamed, f"{path} should have no problem:\n" + "\n".join(map(str, blamed))


def test_the_catalogue_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


def test_a_missing_class_folder_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    result = load_class(tmp_path / "nowhere")
    assert [p.message for p in result.problems] == ["this class folder does not exist"]
    assert result.data.playlists == {}


@pytest.mark.parametrize("path", list(VALID))
def test_every_truncation_of_a_file_loads_without_raising(path: str, tmp_path: Path) -> None:
    """Cut each file after every line and in the middle of every line: never an exception,
    and every problem points inside the file it names."""
    text = VALID[path]
    cuts = sorted({i for i, ch in enumerate(text) if ch == "\n"}
                  | {i + (text.find("\n", i) - i) // 2 for i in range(len(text))
                     if i == 0 or text[i - 1] == "\n"})
    for n, cut in enumerate(cuts):
        root = tmp_path / str(n)
        partial = text[:cut]
        write_class(root, {path: partial})
        result = load_class(root)
        lines = partial.count("\n") + 1
        for problem in result.problems:
            assert problem.line >= 1 and problem.col >= 1, str(problem)
            if problem.path == path:
                assert problem.line <= lines, f"cut at {cut}: {problem} is past the end"


# --------------------------------------------------------------------------- hostile files

DEEP_CASES = [
    # (name, text put first in ana's student.toml, line, col of the problem, depth)
    ("arrays_600_deep", "deep = " + "[" * 600 + "]" * 600 + "\n", 1, 72, 600),
    ("inline_tables_3000_deep", "deep = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n", 1, 200,
     3000),
    ("dotted_key_3000_parts", "a." * 2999 + "a = 1\n", 1, 130, 2999),
    ("table_header_3000_parts", "[" + ".".join(["a"] * 3000) + "]\nx = 1\n", 1, 129, 3000),
]


@pytest.mark.parametrize("name, text, line, col, depth", DEEP_CASES,
                         ids=[c[0] for c in DEEP_CASES])
def test_deep_nesting_is_a_problem_at_its_place(name: str, text: str, line: int, col: int,
                                                depth: int, tmp_path: Path) -> None:
    write_class(tmp_path, {ANA: text + ANA_STUDENT_TOML if not text.startswith("[") else
                           ANA_STUDENT_TOML + text})
    result = load_class(tmp_path)
    found = [p for p in result.problems if p.path == ANA]
    assert len(found) == 1, listing(result)
    shift = 0 if not text.startswith("[") else ANA_STUDENT_TOML.count("\n")
    assert (found[0].line, found[0].col) == (line + shift, col), str(found[0])
    assert found[0].message == f"values nested {depth:,} deep; the limit is 64"
    assert found[0].hint
    assert not [p for p in result.errors if p.path != ANA], listing(result)
    assert set(result.data.record("ben").student.ticks) == {"ratios/video"}


@pytest.mark.parametrize("name, text, line, col, depth", DEEP_CASES[:2],
                         ids=[c[0] for c in DEEP_CASES[:2]])
def test_deep_nesting_through_validate_report_log_and_the_app(
        name: str, text: str, line: int, col: int, depth: int, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from playlist_tui.cli import main
    from playlist_tui.ui.app import PlaylistApp
    from tests.conftest import git, init_repo

    write_class(tmp_path)
    init_repo(tmp_path)
    (tmp_path / ANA).write_text(text + ANA_STUDENT_TOML)
    git(tmp_path, "commit", "-qam", "deep")
    where = f"{tmp_path}/{ANA}:{line}:{col}: error: values nested {depth:,} deep"
    for argv in (["validate", str(tmp_path)], ["validate", str(tmp_path), "--no-cache"]):
        assert main(argv) == 1
        assert where in capsys.readouterr().out
    assert main(["report", str(tmp_path), "--format", "csv"]) == 0
    assert "Ben" in capsys.readouterr().out
    assert main(["log", str(tmp_path)]) == 0
    assert "which does not parse" in capsys.readouterr().out

    async def app_load() -> list[Problem]:
        app = PlaylistApp(tmp_path, role="teacher", person="t-rivera", watch=False)
        async with app.run_test() as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if app.result is not None:
                    break
            assert app.result is not None
            await app.workers.wait_for_complete()  # let the screen finish opening
            await pilot.pause()
            return app.result.problems

    problems = asyncio.run(app_load())  # the app's load: the same problem, no crash
    assert [(p.line, p.col) for p in problems if p.path == ANA] == [(line, col)]


@pytest.mark.parametrize("kind", ["symlink_to_a_file_outside", "symlink_to_dev_stdin",
                                  "fifo", "socket", "folder_link"])
def test_what_is_not_a_regular_file_is_never_read(kind: str, tmp_path: Path) -> None:
    import socket

    root = tmp_path / "class"
    write_class(root)
    outside = tmp_path / "outside.toml"
    outside.write_text('[goals.g1]\ntext = "read from outside"\n')
    target = root / BEN
    target.unlink()
    if kind == "symlink_to_a_file_outside":
        os.symlink(outside, target)
    elif kind == "symlink_to_dev_stdin":
        os.symlink("/dev/stdin", target)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(target))
    else:
        (tmp_path / "elsewhere").mkdir()
        os.replace(outside, tmp_path / "elsewhere/student.toml")
        os.rmdir(root / "students/ben")
        os.symlink(tmp_path / "elsewhere", root / "students/ben")
    result = load_class(root)  # never opens the FIFO (it would block) nor follows a link
    what = {"fifo": "a named pipe (FIFO)", "socket": "a socket"}.get(kind, "a symbolic link")
    if kind == "folder_link":
        expect = Problem("students/ben", 1, 1, "students/ben is a symbolic link; class "
                         "folders must be real folders", "")
    else:
        expect = Problem(BEN, 1, 1, f"{BEN} is {what}; class files must be regular files", "")
    found = [p for p in result.problems if (p.path, p.message) == (expect.path, expect.message)]
    assert found and found[0].hint, listing(result)
    assert "read from outside" not in repr(result.data.record("ben"))
    assert set(result.data.record("ana").student.ticks) == {"ratios/video", "ratios/practice"}
