"""The fast path of a tick (and of the other one-line edits of keyed tables): the same
text as the fully verified path, or that path itself; never a broken file."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from playlist_tui.store import ops, tomltext
from playlist_tui.store.store import ClassStore, OperationError
from tests.conftest import changes, diff_lines

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
REFS = ["u1/a", "u1/b", "u2/quiz-01", "u2/lab_2", "x/y"]

# ---------------------------------------------------------------- the reference


def reference(text: str, op: ops.Operation) -> str:
    """What the operation must give: the fully verified edit (whole file parsed before and
    after), as it was made before there was a fast path."""
    data = tomllib.loads(text)

    def section(name: str) -> dict[str, Any]:
        found = data.get(name, {})
        return found if isinstance(found, dict) else {}

    if isinstance(op, ops.Tick):
        ref = f"{op.playlist}/{op.activity}"
        if ref in section("ticks"):
            return text
        return tomltext.set_entry(text, ("ticks",), ref, op.at)
    if isinstance(op, ops.Untick):
        ref = f"{op.playlist}/{op.activity}"
        if ref not in section("ticks"):
            return text
        return tomltext.remove_entry(text, ("ticks",), ref)
    if isinstance(op, ops.SetNote):
        ref = f"{op.playlist}/{op.activity}"
        value = {k: v for k, v in (("reflection", op.reflection),
                                   ("evidence", op.evidence)) if v}
        if not value:
            if ref not in section("notes"):
                return text
            return tomltext.remove_entry(text, ("notes",), ref)
        return tomltext.set_entry(text, ("notes",), ref, value)
    assert isinstance(op, ops.MarkFeedbackSeen)
    return tomltext.set_entry(text, ("seen",), "feedback", op.at)


def fast(text: str, op: ops.Operation) -> bool:
    """Whether ``op`` on ``text`` takes the fast path (when it changes something)."""
    data = tomllib.loads(text)
    if isinstance(op, ops.Tick | ops.Untick):
        ref = f"{op.playlist}/{op.activity}"
        remove = isinstance(op, ops.Untick)
        at = op.at if isinstance(op, ops.Tick) else None
        return tomltext._fast_entry(text, data, ("ticks",), ref, at, remove=remove) is not None
    if isinstance(op, ops.SetNote):
        ref = f"{op.playlist}/{op.activity}"
        value = {"reflection": op.reflection} if op.reflection else None
        return tomltext._fast_entry(text, data, ("notes",), ref, value,
                                    remove=value is None) is not None
    assert isinstance(op, ops.MarkFeedbackSeen)
    return tomltext._fast_entry(text, data, ("seen",), "feedback", op.at,
                                remove=False) is not None


def outcome(run: Any) -> tuple[str, Any]:
    try:
        return "ok", run()
    except tomltext.EditError:
        return "refused", None


def check_step(text: str, op: ops.Operation, *, count: bool = False) -> str:
    """Apply ``op`` both ways; they must agree, and the data the fast way gives must be
    what the new text parses to. Gives the new text (or the old one if refused)."""
    data = tomllib.loads(text)
    kept = repr(data)
    want = outcome(lambda: reference(text, op))
    got = outcome(lambda: op.edit_parsed(text, data))
    assert repr(data) == kept  # the caller's data is not changed
    assert got[0] == want[0]
    if want[0] == "refused":
        return text
    new_text, new_data = got[1]
    assert new_text == want[1]
    assert op.edit(text) == new_text
    parsed = tomllib.loads(new_text)
    if new_data is not None:
        assert new_data == parsed
    if count and new_text != text:
        event("fast path" if fast(text, op) else "verified path")
    return str(new_text)


def changed_lines(before: str, after: str) -> int:
    old, new = before.splitlines(), after.splitlines()
    n = 0
    while n < min(len(old), len(new)) and old[n] == new[n]:
        n += 1
    m = 0
    while m < min(len(old), len(new)) - n and old[-1 - m] == new[-1 - m]:
        m += 1
    return max(len(old) - n - m, len(new) - n - m)


# ---------------------------------------------------------------- files of all kinds

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                       timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))
words = st.text(max_size=12)


@st.composite
def tick_line(draw: st.DrawFn, ref: str) -> str:
    moment = draw(moments)
    value = draw(st.sampled_from([
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.strftime("%Y-%m-%d %H:%M:%SZ"),
        (moment + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00"),
    ]))
    key = draw(st.sampled_from([f'"{ref}"', f"'{ref}'"]))
    space = draw(st.sampled_from([(" ", " "), ("", ""), ("   ", "\t"), ("  ", " ")]))
    indent = draw(st.sampled_from(["", "", "  ", "\t"]))
    comment = draw(st.sampled_from(["", "", " # by hand", "  #ok [ { \"'"]))
    return f"{indent}{key}{space[0]}={space[1]}{value}{comment}"


@st.composite
def student_file(draw: st.DrawFn) -> str:
    parts: list[list[str]] = []
    ticked = draw(st.lists(st.sampled_from(REFS), unique=True, max_size=4))
    ticks = ["[ticks]" + draw(st.sampled_from(["", " # ticks", "  "]))]
    for ref in ticked:
        if draw(st.booleans()):
            ticks.append(draw(st.sampled_from(["", "# a comment", "  # [notes] \"x\""])))
        ticks.append(draw(tick_line(ref)))
    ticks += draw(st.lists(st.sampled_from(["", "# trailing", "   "]), max_size=2))
    if draw(st.booleans()) or ticked:
        parts.append(ticks)
    notes = ["[notes]"]
    for n, ref in enumerate(draw(st.lists(st.sampled_from(REFS), unique=True, max_size=2))):
        style = draw(st.integers(0, 3))
        if style == 0:
            notes.append(f'"{ref}" = {{ reflection = {tomltext.format_value(draw(words))} }}')
        elif style == 1:  # a multi-line string that looks like more ticks
            notes.append(f'"{ref}" = """\n[ticks]\n"u1/a" = 2026-01-01T00:00:00Z\n"""')
        elif style == 2:  # a multi-line array
            notes.append(f'"{ref}" = [\n  "a", # [\n  "b",\n]')
        else:
            notes.append(f"'{ref}' = {{ evidence = 'http://e.x/{n}', reflection = \"[{{\" }}")
    if len(notes) > 1 or draw(st.booleans()):
        parts.append(notes)
    if draw(st.booleans()):
        parts.append(["[seen]", "feedback = 2026-09-13T11:29:21Z"])
    if draw(st.booleans()):
        parts.append(["[goals]", 'g-1 = { text = "a = [ b", created = 2026-10-27T09:00:00Z }'])
    if draw(st.booleans()) and any(p[0].startswith("[ticks]") for p in parts):
        parts.append(["[ticks.more]", "x = 1"])
    order = draw(st.permutations(parts))
    head = draw(st.sampled_from(["", "# Ana's record\n", "# Ana's record\n\n",
                                 'name = "Ana"\n\n']))
    gap = draw(st.sampled_from(["\n", "\n\n", "\n# next\n"]))
    body = gap.join("\n".join(part) + "\n" for part in order)
    text = head + body
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return head or "# empty\n"
    return text


def operation(kind: str, ref: str, n: int, words: str) -> ops.Operation:
    playlist, activity = ref.split("/")
    at = AT + timedelta(minutes=n)
    if kind == "tick":
        return ops.Tick("ana", playlist=playlist, activity=activity, at=at)
    if kind == "untick":
        return ops.Untick("ana", playlist=playlist, activity=activity)
    if kind == "note":
        return ops.SetNote("ana", playlist=playlist, activity=activity, reflection=words)
    return ops.MarkFeedbackSeen("ana", at=at)


operations = st.lists(st.builds(
    operation, st.sampled_from(["tick", "tick", "untick", "untick", "note", "seen"]),
    st.sampled_from(REFS), st.integers(0, 10_000), words), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(student_file(), operations)
def test_the_fast_path_gives_what_the_verified_path_gives(text: str,
                                                          steps: list[ops.Operation]) -> None:
    for op in steps:
        text = check_step(text, op, count=True)


# The fast path rests on this: in a file whose lines stand alone, every line starts a
# new statement (so the text up to any line start is a whole TOML file of its own).

FRAGMENTS = [
    'K = 1', 'K = "x#[{"', "K = 'y\"#'", "K = [1, [2]]", "K = { a = 1, b = [1,\n2] }",
    "K = [", "  1,", "]", "],", "  [3, 4", 'K = """', "text ] [ { # ' \"", '"""', "K = '''",
    "'''", '# comment """ [', "[tK]", "[[u]]", 'K = """a"""', "K = '''b'''", 'K = """x\\',
    '  y"""', "K = [ # [", '  "]",', 'K = "\\"\\"\\""', 'K = """ "" """',
    '"K" = 2026-01-01T00:00:00Z', "'K' = 1", 'K = """""""', "K = ''''''",
    'K = { s = """a', 'b""" }', "", "   ", 'K = "a\\\\"', 'K = """a\\\\"""',
    "K = '\\\\'", ' "K"="]"', 'K = [ """', '"""]', 'K."sub#" = 3',
]


@st.composite
def toml_like(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(FRAGMENTS), max_size=25))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(line.replace("K", f"k{n}") for n, line in enumerate(lines))
    return text + draw(st.sampled_from(["", newline]))


@settings(max_examples=1000, deadline=None)
@given(toml_like())
def test_when_lines_stand_alone_every_line_starts_a_statement(text: str) -> None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    if not tomltext._lines_stand_alone(text):
        return
    at = 0
    while at >= 0:
        tomllib.loads(text[:at])  # raises if ``at`` is inside a value
        at = text.find("\n", at)
        at = at + 1 if at >= 0 else -1


# ---------------------------------------------------------------- when it is taken


SIMPLE = [
    "# Ana's record\n\n[ticks]\n\"u1/a\" = 2026-09-01T11:56:14Z\n\n[seen]\nfeedback = "
    "2026-09-13T11:29:21Z\n",
    "[seen]\r\nfeedback = 2026-09-13T11:29:21Z\r\n\r\n[ticks] # mine\r\n"
    "  'u1/a'   =  2026-09-01T11:56:14Z  # first\r\n# end of ticks\r\n",
    "[notes]\n\"u1/a\" = { reflection = \"a ] b\", evidence = 'x' }\n",
    "",
    "[ticks]\n\"u1/a\" = 2026-09-01T11:56:14Z",
]


@pytest.mark.parametrize("text", SIMPLE)
def test_simple_files_take_the_fast_path_and_change_one_line(text: str) -> None:
    data = tomllib.loads(text)
    for op in (ops.Tick("ana", playlist="u2", activity="new", at=AT),
               ops.Untick("ana", playlist="u1", activity="a"),
               ops.SetNote("ana", playlist="u1", activity="a", reflection="so \"so\""),
               ops.MarkFeedbackSeen("ana", at=AT)):
        new_text, new_data = op.edit_parsed(text, data)
        if new_text == text:
            continue
        assert fast(text, op), (op, text)
        assert new_data == tomllib.loads(new_text)
        assert new_text == reference(text, op)
        table = "seen" if isinstance(op, ops.MarkFeedbackSeen) else (
            "notes" if isinstance(op, ops.SetNote) else "ticks")
        if table in data:
            assert changed_lines(text, new_text) == 1
        else:  # a new table at the end
            assert new_text.startswith(text)


@pytest.mark.parametrize(("text", "fast_tick", "fast_untick"), [
    # a multi-line string just above the place of the new line
    ('[ticks]\n"u1/a" = 2026-09-01T11:56:14Z\nodd = """\n[ticks]\n"u2/new" = 1\n"""\n',
     False, False),
    # a multi-line array just above it
    ('[ticks]\n"u1/a" = 2026-09-01T11:56:14Z\nodd = [\n  1,\n  2,\n]\n\n[seen]\n', False, False),
    # the table written as dotted keys, or inline
    ('ticks."u1/a" = 2026-09-01T11:56:14Z\n', False, False),
    ('ticks = { "u1/a" = 2026-09-01T11:56:14Z }\n', False, False),
    # only sub-tables of [ticks]
    ('[ticks.more]\nx = 1\n', False, False),
    # a string that looks like the end of a multi-line one
    ('[ticks]\n"u1/a" = 2026-09-01T11:56:14Z\nodd = "\\"\\"\\""\n', True, True),
    # the key to remove written with an escape (a new line can still be added fast)
    ('[ticks]\n"u1\\u002fa" = 2026-09-01T11:56:14Z\n', True, False),
    # ... or in a sub-table
    ('[ticks]\n[ticks.u1]\n"a" = 1\n', True, False),
])
def test_what_the_fast_path_does_not_understand_gets_the_verified_edit(
        text: str, fast_tick: bool, fast_untick: bool) -> None:
    data = tomllib.loads(text)
    for op in (ops.Tick("ana", playlist="u2", activity="new", at=AT),
               ops.Untick("ana", playlist="u1", activity="a")):
        check_step(text, op)
    tick = tomltext._fast_entry(text, data, ("ticks",), "u2/new", AT, remove=False)
    assert (tick is not None) == fast_tick
    untick = tomltext._fast_entry(text, data, ("ticks",), "u1/a", None, remove=True)
    assert (untick is not None) == fast_untick


def test_ticks_that_are_not_a_table_are_refused() -> None:
    text = '[[ticks]]\n"u1/a" = 2026-09-01T11:56:14Z\n'
    with pytest.raises(tomltext.EditError):
        ops.Tick("ana", playlist="u2", activity="new", at=AT).edit_parsed(
            text, tomllib.loads(text))


def test_a_value_that_does_not_read_back_is_not_written_fast() -> None:
    text = "[seen]\nfeedback = 2026-09-13T11:29:21Z\n"
    naive = datetime(2026, 11, 20, 9, 30)  # no time zone: it would not read back the same
    assert tomltext._fast_entry(text, tomllib.loads(text), ("seen",), "feedback", naive,
                                remove=False) is None


# ---------------------------------------------------------------- through the store


def test_ticks_through_the_store_are_one_line_each(small_class: Path) -> None:
    store = ClassStore(small_class)
    path = small_class / "students/ana/student.toml"
    before = path.read_bytes()
    for n, activity in enumerate(["practice", "tables", "quiz"]):
        store.apply(ops.Tick("ana", playlist="ratios", activity=activity,
                             at=AT + timedelta(minutes=n)))
    assert changes(small_class) == {"students/ana/student.toml": (3, 0)}
    assert sorted(diff_lines(small_class)) == [
        '+"ratios/practice" = 2026-11-20T09:30:00Z', '+"ratios/quiz" = 2026-11-20T09:32:00Z',
        '+"ratios/tables" = 2026-11-20T09:31:00Z']
    for activity in ["quiz", "tables", "practice"]:
        store.apply(ops.Untick("ana", playlist="ratios", activity=activity))
    assert path.read_bytes() == before


def test_the_store_sees_a_file_changed_behind_its_back(small_class: Path) -> None:
    store = ClassStore(small_class)
    path = small_class / "students/ana/student.toml"
    store.apply(ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
    # Another program ticks something too, then the app unticks it: the store must not
    # use what it remembers of the file from before.
    path.write_text(path.read_text().replace(
        '"ratios/practice"', '"ratios/tables" = 2026-11-21T00:00:00Z\n"ratios/practice"'))
    assert store.apply(ops.Untick("ana", playlist="ratios", activity="tables")).changed
    assert "ratios/tables" not in path.read_text()
    assert "ratios/practice" in path.read_text()
    # ... or breaks it: nothing is written.
    broken = path.read_text() + '"ratios/x" = \n'
    path.write_text(broken)
    with pytest.raises(OperationError, match="does not parse"):
        store.apply(ops.Untick("ana", playlist="ratios", activity="practice"))
    assert path.read_text() == broken


def test_conflict_markers_are_refused_also_in_a_remembered_file(small_class: Path) -> None:
    store = ClassStore(small_class)
    path = small_class / "students/ana/student.toml"
    store.apply(ops.Tick("ana", playlist="ratios", activity="practice", at=AT))
    marked = path.read_text() + "<<<<<<< HEAD\n"
    path.write_text(marked)
    with pytest.raises(OperationError, match="unfinished git merge"):
        store.apply(ops.Untick("ana", playlist="ratios", activity="practice"))
    assert path.read_text() == marked
