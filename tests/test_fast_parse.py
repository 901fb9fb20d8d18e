"""The fast TOML path (rtoml) gives exactly what tomllib gives, or the very same error.

:func:`playlist_tui.model.tomlparse.loads` parses with ``rtoml`` when it is installed and
the text surely means the same to both parsers (rtoml reads TOML 1.1, tomllib 1.0), and
falls back to ``tomllib`` on any doubt or error. These tests compare it with the
``tomllib``-only path, type for type (dict order, ``datetime`` zones, floats' signs), over
the TOML 1.1 additions and the cases where the two parsers are known to differ (taken from
toml-test, github.com/toml-lang/toml-test), the bad-input catalogue of
tests/test_bad_inputs.py, and random documents, valid and broken.
"""

from __future__ import annotations

import math
import re
import sys
import tomllib
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from playlist_tui.model import tomlparse
from playlist_tui.store.reading import decode, parse_text
from tests.test_bad_inputs import CASES, VALID

HAS_RTOML = getattr(tomlparse, "_rtoml", None) is not None
needs_rtoml = pytest.mark.skipif(not HAS_RTOML, reason="rtoml is not installed")

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def shape(value: Any) -> Any:
    """``value`` with every type, key order, zone and float sign spelled out, so that two
    results compare equal only when they are the same in every way a reader can see."""
    if type(value) is dict:
        return ("dict", [(k, shape(v)) for k, v in value.items()])
    if type(value) is list:
        return ("list", [shape(v) for v in value])
    if type(value) is float:
        return ("float", "nan" if math.isnan(value) else value.hex())
    if type(value) in (datetime, time):
        zone = value.tzinfo
        return (type(value).__name__, repr(value), type(zone).__name__,
                zone is UTC, None if zone is None else zone.utcoffset(None))
    return (type(value).__name__, repr(value))


def outcome(text: str, fast: bool, intern: bool = False) -> Any:
    """What tomlparse.loads gives for ``text``: the data's shape, or the error's type and
    message; with the fast path on or off, interning or not."""
    saved = tomlparse.FAST
    tomlparse.FAST = fast
    try:
        return ("data", shape(tomlparse.loads(text, intern=intern)))
    except tomllib.TOMLDecodeError as exc:
        return ("error", type(exc).__name__, str(exc))
    finally:
        tomlparse.FAST = saved


def assert_same(text: str) -> None:
    slow = outcome(text, fast=False)
    assert outcome(text, fast=True) == slow, repr(text)
    assert outcome(text, fast=True, intern=True) == slow, repr(text)
    assert outcome(text, fast=False, intern=True) == slow, repr(text)
    if slow[0] == "data":  # and the slow path is tomllib itself
        assert shape(tomllib.loads(text)) == slow[1]


# --------------------------------------------------------------------------- known differences

# What rtoml 0.14 reads and tomllib refuses (TOML 1.1), or reads differently; each must
# come out as tomllib has it. From toml-test's tests/{valid,invalid} where rtoml and
# tomllib disagree, and a few more.
DIFFERENT = {
    "time without seconds": "a = 1979-05-27T07:32Z",
    "local datetime without seconds": "a = 1979-05-27T07:32",
    "local time without seconds": "a = 07:32",
    "offset without seconds": "odt6 = 1979-05-27 07:32-07:00",
    "time without seconds in an array": "a = [07:32:00, 07:32]",
    "newline in an inline table": "a = {\n b = 1\n}",
    "newline in a nested inline table": 'a = { b = { c = "}" ,\n d = 1 } }',
    "comment in an inline table": "a = { b = 1, # c\n}",
    "trailing comma in an inline table": "a = {b = 1,}",
    "trailing comma, spaces": "a = {b = 1 ,  }",
    "escape \\e": 'a = "\\e"',
    "escape \\x": 'a = "\\x1b"',
    "escape \\x in a multi-line string": 'a = """\\xE9"""',
    "byte order mark": "\ufeffa = 1",
    "CRLF in a multi-line string": 'a = """x\r\ny"""\r\n',
    "CRLF in a multi-line literal string": "a = '''x\r\ny'''\r\n",
    "empty keys in multi-line tables": 'tbl-1 = {\n\t"" = 1,\n}\n',
    "spec 1.1 example": ('contact = {\n    personal = {\n        name = "Donald Duck",\n'
                         '    },\n}\n'),
    "big integer": "a = 99999999999999999999",
    "seconds 60": "a = 1979-05-27T07:32:60Z",
    "Z and +00:00 and -00:00": ("a = 1979-05-27T07:32:00Z\nb = 1979-05-27T07:32:00+00:00\n"
                                "c = 1979-05-27T07:32:00-00:00\nd = 1979-05-27t07:32:00z"),
    "nanoseconds": "a = 1979-05-27T07:32:00.9999999+05:30\nb = 07:32:00.9999999",
    "control character in a comment": "a = 1 # \x7f",
    "duplicate key": "a = 1\na = 2",
    "table twice": "[a]\n[a]",
    "dotted key into an inline table": "a = {b = 1}\na.c = 2",
    "lone CR": "a = 1\r",
    "infinity and -0.0": "a = 1e1000\nb = -0.0\nc = -nan\nd = +inf",
}


@needs_rtoml
@pytest.mark.parametrize("text", DIFFERENT.values(), ids=list(DIFFERENT))
def test_where_rtoml_differs_the_result_is_tomllibs(text: str) -> None:
    assert_same(text)


@needs_rtoml
def test_the_usual_class_files_take_the_fast_path() -> None:
    """(Else nothing would be faster.) Every file of the valid class, as written."""
    for rel, text in VALID.items():
        assert tomlparse._fast(text) is not None, rel
        assert_same(text)


@needs_rtoml
@pytest.mark.parametrize("text", [
    "a = 1979-05-27T07:32:00+05:30", 'a = { b = 1, c = { d = [1, 2] } }',
    "a = [\n  { b = 1 },\n  { c = 2 },\n]", 'a = "10:15 is not a time here"',
    "# 07:32 in a comment\na = 1", "a = 07:32:00.5"])
def test_plain_toml10_texts_take_the_fast_path(text: str) -> None:
    assert tomlparse._fast(text) is not None
    assert_same(text)


def test_without_rtoml_tomllib_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tomlparse, "_rtoml", None)
    assert tomlparse._fast("a = 1") is None
    assert tomlparse.loads("a = 1979-05-27T07:32:00Z") == tomllib.loads(
        "a = 1979-05-27T07:32:00Z")
    with pytest.raises(tomllib.TOMLDecodeError, match="line 1, column 6"):
        tomlparse.loads("a = 07:32")


@needs_rtoml
def test_too_deep_is_refused_the_same_way() -> None:
    for text in ("a = " + "[" * 70 + "]" * 70, "a" + ".a" * 70 + " = 1",
                 "a = " + "{b = " * 70 + "1" + "}" * 70):
        assert_same(text)
        assert outcome(text, fast=True)[1] == "TooDeep"


# --------------------------------------------------------------------------- the catalogue


def _catalogue() -> list[tuple[str, str]]:
    out = []
    for case in CASES:
        for rel, content in case.files.items():
            if isinstance(content, bytes | str):
                raw = content.encode("utf-8") if isinstance(content, str) else content
                text = decode(rel, raw, max(len(raw), 1))[0]
                if text is not None:
                    out.append((f"{case.name}:{rel}", text))
    return out


CATALOGUE = _catalogue()


@needs_rtoml
@pytest.mark.parametrize("text", [t for _, t in CATALOGUE], ids=[n for n, _ in CATALOGUE])
def test_the_bad_input_catalogue_gives_the_same_data_and_problems(text: str) -> None:
    assert_same(text)
    saved = tomlparse.FAST
    try:
        tomlparse.FAST = False
        slow = parse_text("f.toml", text)
        tomlparse.FAST = True
        fast = parse_text("f.toml", text)
    finally:
        tomlparse.FAST = saved
    assert fast[1] == slow[1]  # the problems, path:line:col and wording
    assert shape(fast[0]) == shape(slow[0])


# --------------------------------------------------------------------------- random documents

PIECES = ['a = ', 'b.c = ', '"k" = ', "'k' = ", '=', '{', '}', '[', ']', '[t]', '[[t]]', ',',
          ' ', '\t', '\n', '\r\n', '\r', '#', '# x\n', '"', "'", '"""', "'''", '\\', '\\e',
          '\\x1b', '\\u00e9', '\\n', '1', '-1', '0x1f', '1.5', '1e9', 'nan', '-inf', 'true',
          '07:32', ':00', ':00.123', '1979-05-27', 'T', ' ', 'Z', '+05:30', '-00:00', '.',
          'é', '\ufeff', '\x7f', '\x00', '\x08', '_', 'x']


@needs_rtoml
@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_random_pieces_give_the_same_result(text: str) -> None:
    assert_same(text)


def _zones() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.just(UTC), st.integers(-23 * 60, 23 * 60).map(
        lambda m: timezone(timedelta(minutes=m))))


SCALARS = st.one_of(
    st.text(max_size=20), st.integers(-(2**63), 2**63 - 1), st.booleans(),
    st.floats(allow_nan=False), st.dates(),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                 timezones=_zones()),
    st.times())
KEYS = st.text(alphabet=st.sampled_from(list("ab-_1 .\"é")), min_size=0, max_size=6)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=12)
DOCUMENTS = st.dictionaries(KEYS, VALUES, max_size=6)


@needs_rtoml
@SETTINGS
@given(DOCUMENTS, st.booleans())
def test_random_valid_documents_give_the_same_data(doc: dict[str, Any], multiline: bool
                                                   ) -> None:
    text = tomli_w.dumps(doc, multiline_strings=multiline)
    assert_same(text)


@needs_rtoml
@SETTINGS
@given(DOCUMENTS, st.data())
def test_random_documents_with_a_change_give_the_same_result(doc: dict[str, Any],
                                                             data: st.DataObject) -> None:
    text = tomli_w.dumps(doc)
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 3))
    piece = data.draw(st.sampled_from(PIECES))
    assert_same(text[:at] + piece + text[at + cut:])


@needs_rtoml
def test_values_of_every_kind_are_tomllibs() -> None:
    text = tomli_w.dumps({
        "s": "x", "i": 1, "f": -0.0, "b": True, "d": date(2026, 1, 2),
        "t": time(7, 32, 1, 5), "l": datetime(2026, 1, 2, 3, 4, 5),
        "z": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "o": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-5))),
        "a": [{"x": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1)))}]})
    assert_same(text)
    data = tomlparse.loads(text)
    assert data["z"].tzinfo is UTC
    assert type(data["o"].tzinfo) is timezone
    assert type(data["a"][0]["x"].tzinfo) is timezone


@pytest.mark.parametrize("fast", [True, False])
def test_interned_keys_and_short_strings(fast: bool) -> None:
    saved = tomlparse.FAST
    tomlparse.FAST = fast
    try:
        long = "y" * 65
        data = tomlparse.loads("".join(["[t]\n", '"a/b" = "x-1"\n', f'c = ["x-1", "{long}"]\n']),
                               intern=True)
    finally:
        tomlparse.FAST = saved
    key = next(iter(data["t"]))
    assert key is sys.intern("a/b")
    assert data["t"]["a/b"] is sys.intern("x-1")
    assert data["t"]["c"][0] is sys.intern("x-1")
    assert data["t"]["c"][1] == "y" * 65


# --------------------------------------------------------------------------- the cheaper scans

# A time without seconds is told from rtoml's data (a time with no seconds and no
# fraction) and then looked for in the text; inline tables are checked on the lines that
# hold a "{" when there is no multi-line string. Each text: (tomllib's result, whether the
# fast path is taken).
CHEAPER = {
    "zero seconds, written with them": ("a = 1979-05-27T07:32:00Z", True),
    "zero seconds, a local time": ("a = 07:32:00\nb = 1979-05-27T07:32:00", True),
    "minutes and seconds equal to a short time": (
        "a = 1979-05-27T12:07:32Z\nb = 1979-05-27T07:32:00Z", True),
    "an offset equal to a short time": ("a = 1979-05-27T07:32:00-07:32", True),
    "a fraction of zero": ("a = 1979-05-27T07:32:00.000+05:30", True),
    "a short time after a whole one": ("a = 07:32:00\nb = 1979-05-27T07:32", False),
    "a short time in an array after whole ones": ("a = [07:32:00, 08:15:00, 07:32]", False),
    "a short local time with an offset, zero seconds elsewhere": (
        "a = 07:32:00\nb = 1979-05-27 07:32-07:00", False),
    "a short time in a string, zero seconds in a value": (
        'a = "at 07:32"\nb = 1979-05-27T07:32:00Z', False),
    "a short time in a string, no zero seconds": ('a = "at 07:32"\nb = 07:32:01', True),
    "braces in strings over lines": ('a = "{"\nb = "}"\nc = { d = "{", e = 1 }', True),
    "a table over lines, a brace in a string first": ('a = "}"\nb = { c = 1,\n}', False),
    "a table over lines, braces closed in a string": ('b = { c = "}",\nd = 1 }', False),
    "a trailing comma after a string with a comma": ('b = { c = ",}", }', False),
    "a comment with a brace": ("a = 1 # {\nb = { c = 1 }", True),
    "a multi-line string, then a table over lines": ('a = """\n{\n"""\nb = {\nc = 1 }', False),
    "a multi-line string with a brace, one-line tables": ('a = """\n{\n"""\nb = { c = 1 }',
                                                          True),
    "an array in a table's line, and outside": ('a = { b = [1] }\nc = [\n2]', True),
    # plain tables, one a line (a key and a table of plain values: told by one pattern)
    "plain tables": ('r-1 = { c = "x", at = 2026-01-02T10:00:00Z, n = 3, w = true }\n'
                     '"u/a" = { reflection = "r" }\n', True),
    "plain tables, then one over lines": ('r-1 = { c = "x" }\nr-2 = { c = "y",\nd = 1 }', False),
    "plain tables, then a trailing comma": ('r-1 = { c = "x" }\nr-2 = { c = "y", }', False),
    "a plain table, an escape of TOML 1.1 in it": ('r-1 = { c = "\\e" }', False),
    "a plain table, a short time in it": ("r-1 = { at = 07:32 }\nr-2 = { at = 07:32:00 }",
                                          False),
    "a plain table with CRLF": ('r-1 = { c = "x" }\r\nr-2 = { c = "y" }\r\n', True),
    "a plain table, then an array over lines": ('r-1 = { c = "x" }\nd = [\n1]\n', True),
    "a plain table, then an array over lines in a table": ('r-1 = { c = "x" }\nd = { e = [\n1] }',
                                                          False),
}


@needs_rtoml
@pytest.mark.parametrize(("text", "fast"), CHEAPER.values(), ids=list(CHEAPER))
def test_the_cheaper_scans_send_to_tomllib_what_they_must(text: str, fast: bool) -> None:
    assert_same(text)
    assert (tomlparse._fast(text) is not None) is fast


@needs_rtoml
def test_zones_learnt_by_their_seconds_are_tomllibs() -> None:
    """rtoml's zones are mapped to tomllib's by their offset in seconds, learnt from
    utcoffset once: every later use gives the same zone object tomllib gives."""
    text = "\n".join(f"k{n} = 1979-05-27T07:32:0{n % 10}{zone}" for n, zone in enumerate(
        ["Z", "+00:00", "-00:00", "+05:30", "-07:00", "z", "+05:30", "-07:00", "+23:59"]))
    for _ in range(3):
        assert_same(text)
        for intern in (False, True):
            data = tomlparse.loads(text, intern=intern)
            assert data["k0"].tzinfo is data["k1"].tzinfo is data["k2"].tzinfo is UTC
            assert data["k3"].tzinfo is data["k6"].tzinfo
            assert data["k3"].tzinfo == timezone(timedelta(hours=5, minutes=30))
            assert data["k8"].utcoffset() == timedelta(hours=23, minutes=59)


# --------------------------------------------------------------------------- runs of stamps

def _ticks(n: int, start: int = 0) -> str:
    return "".join(f'"unit-{k % 7}/act-{k:03d}" = 2026-09-{1 + k % 28:02d}T12:{k % 60:02d}:'
                   f'{(k * 7) % 60:02d}Z\n' for k in range(start, start + n))


RUN = _ticks(20)
RUNS = {
    "a student's file": ('# x\n\n[ticks]\n' + RUN + '\n[notes]\n"a/b" = { reflection = "c" }\n'
                         '\n[seen]\nfeedback = 2026-09-13T15:54:30Z\n', True),
    "the header first": ("[ticks]\n" + RUN, True),
    "no newline at the end": ("[ticks]\n" + RUN.rstrip("\n"), False),
    "two runs": ("[a]\n" + RUN + "[b]\n" + _ticks(18, 40), True),
    "a short run": ("[ticks]\n" + _ticks(5), False),
    "in a multi-line string": ('a = """\n[ticks]\n' + RUN + '"""\n', False),
    "in a multi-line string, an empty table of that name": (
        'ticks = {}\na = """\n[ticks]\n' + RUN + '"""\n', False),
    "in an array, an empty table of that name": (
        '"123" = {}\na = [\n[123]\n' + RUN + "]\n", False),
    "a key twice": ("[ticks]\n" + RUN + RUN.splitlines(keepends=True)[0], False),
    "a key twice in the run": ("[ticks]\n" + RUN + _ticks(16), False),
    "30 February": ("[ticks]\n" + RUN + '"x/y" = 2026-02-30T12:00:00Z\n' + RUN.replace("act", "b"),
                    False),
    "second 60": ("[ticks]\n" + RUN.replace(":07Z", ":60Z"), False),
    "another key of the table after it": ("[ticks]\n" + RUN + '"x/y" = 2026-02-03T12:00:00+01:00\n',
                                          False),
    "a sub-table of it": ("[ticks]\n" + RUN + "[ticks.more]\na = 1\n", False),
    "a dotted key of it above": ("ticks.x = 1\n[ticks]\n" + RUN, False),
    "the header twice": ("[ticks]\n" + RUN + "[ticks]\n", False),
    "an inline table of that name": ("ticks = {}\n[ticks]\n" + RUN, False),
    "an array of tables": ("[[ticks]]\n" + RUN, False),
    "CRLF": ("[ticks]\r\n" + RUN.replace("\n", "\r\n"), False),
    "an array over lines elsewhere": ("a = [\n1]\n[ticks]\n" + RUN, False),
    "a time without seconds elsewhere": ("a = 07:32\nb = 08:00:00\n[ticks]\n" + RUN, False),
    "a trailing comma elsewhere": ("a = { b = 1, }\n[ticks]\n" + RUN, False),
}


@needs_rtoml
@pytest.mark.parametrize(("text", "runs"), RUNS.values(), ids=list(RUNS))
def test_runs_of_stamps_read_apart_give_tomllibs_result(text: str, runs: bool) -> None:
    """A student's ticks (lines "KEY" = YYYY-MM-DDTHH:MM:SSZ right under a plain header)
    are read without rtoml: only when that surely gives what tomllib gives."""
    assert_same(text)
    assert (tomlparse._with_runs(text, tomlparse.MAX_DEPTH) is not None) is runs
    # (and without interning, as the pool's workers read: the same data, same way)
    assert (tomlparse._with_runs(text, tomlparse.MAX_DEPTH, intern=False) is not None) is runs
    if runs:
        data = tomlparse.loads(text, intern=True)
        table = data["ticks" if "[ticks]" in text else "a"]
        assert all(key is sys.intern(key) for key in table)
        assert lines_alone_both_ways(text)


def lines_alone_both_ways(text: str) -> bool:
    shared = tomlparse.lines_stand_alone(text)
    tomlparse._last_bare = None
    return shared == tomlparse.lines_stand_alone(text)


STAMP = st.builds("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}".format,
                  st.sampled_from([1, 2026, 9999]), st.integers(0, 13), st.integers(0, 32),
                  st.integers(0, 24), st.integers(0, 60), st.integers(0, 60),
                  st.sampled_from(["Z", "Z", "z", "+01:00", ""]))
TICK = st.builds('"{}/{}" = {}\n'.format, st.sampled_from(["u", "v.w", "x-1"]),
                 st.integers(0, 40), STAMP)
AROUND = st.sampled_from(["", "[t]\n", "[ticks]\n", "[[ticks]]\n", "ticks = {}\n", "a = [\n",
                          "]\n", "[ticks.x]\n", '"u/1" = 1\n', "# c\n", "\n", 'a = """\n'])


@needs_rtoml
@SETTINGS
@given(st.lists(st.one_of(AROUND, st.lists(TICK, min_size=14, max_size=40).map("".join)),
                max_size=6).map("".join))
def test_random_runs_of_stamps_give_the_same_result(text: str) -> None:
    assert_same(text)


# ------------------------------------------------------- runs of stamps as numbers (workers)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stamped_outcome(text: str) -> Any:
    """What ``loads_stamped`` gives, made data again (each run's stamps as the
    ``datetime`` its days and seconds name, in the run's table), in the shape of
    :func:`outcome`; None when it gives None."""
    made = tomlparse.loads_stamped(text)
    if made is None:
        return None
    data, rest, runs = made
    for name, (keys, days, seconds) in runs.items():
        assert data[name] == {}, name
        assert len(keys) == len(days) == len(seconds)
        assert all(0 <= s < 86400 for s in seconds)
        data[name] = {key: EPOCH + timedelta(d, s)
                      for key, d, s in zip(keys, days, seconds, strict=True)}
    assert len(rest) < len(text)
    return ("data", shape(data))


def assert_stamped_same(text: str) -> Any:
    """``loads_stamped`` gives tomllib's data or None: never other data, never data for a
    text tomllib refuses."""
    made = stamped_outcome(text)
    if made is not None:
        assert made == outcome(text, fast=False), repr(text)
        assert made == outcome(text, fast=True), repr(text)
    return made


@needs_rtoml
@pytest.mark.parametrize(("text", "runs"), RUNS.values(), ids=list(RUNS))
def test_runs_of_stamps_as_numbers_give_tomllibs_data(text: str, runs: bool) -> None:
    """The same runs as the datetimes' way takes, on the same conditions."""
    assert (assert_stamped_same(text) is not None) is runs


ODD_STAMPS = {
    # (stamp, valid as tomllib reads it)
    "2000-02-29T12:00:00Z": True,  # a leap day
    "1900-02-29T12:00:00Z": False,  # not one (a century)
    "2026-02-29T12:00:00Z": False,
    "2026-04-31T12:00:00Z": False,
    "2026-13-01T12:00:00Z": False,
    "2026-00-10T12:00:00Z": False,
    "2026-01-00T12:00:00Z": False,
    "0000-01-01T00:00:00Z": False,  # year 0
    "0001-01-01T00:00:00Z": True,  # the first day a datetime has
    "9999-12-31T23:59:59Z": True,  # and the last second
    "1969-12-31T23:59:59Z": True,  # before 1970: days below 0
    "1970-01-01T00:00:00Z": True,
    "2026-06-30T23:59:60Z": False,  # a leap second, as written
    "2026-06-30T24:00:00Z": False,
    "2026-06-30T23:60:00Z": False,
    "2026-06-30T23:59:59Z": True,
    "2026-0\u0669-01T12:00:00Z": False,  # an Arabic-Indic digit (\d takes it)
    "\uff12026-09-01T12:00:00Z": False,  # a fullwidth digit
    "2026-09-01T1\u0662:00:00Z": False,
}


@needs_rtoml
@pytest.mark.parametrize("stamp", list(ODD_STAMPS))
def test_odd_stamps_in_a_run_give_tomllibs_data_or_error(stamp: str) -> None:
    """A run with a far date, a leap day, a leap second, a day that does not exist, digits
    that are not ASCII: numbers only when tomllib reads the same date-time, else the
    usual way gives tomllib's error."""
    for at in (0, 9, 20):
        lines = RUN.splitlines(keepends=True)
        lines.insert(at, f'"odd/one" = {stamp}\n')
        text = "[ticks]\n" + "".join(lines) + '[seen]\nfeedback = 2026-09-13T15:54:30Z\n'
        assert_same(text)
        made = assert_stamped_same(text)
        assert (made is not None) is ODD_STAMPS[stamp], (stamp, at)
        if not ODD_STAMPS[stamp]:
            assert outcome(text, fast=False)[0] == "error"


@needs_rtoml
def test_stamps_learnt_once_are_read_the_same_next_time() -> None:
    """The dates and times learnt (each checked once) give the same numbers again, and a
    bad one is never learnt."""
    text = "[ticks]\n" + RUN
    first = tomlparse.loads_stamped(text)
    again = tomlparse.loads_stamped(text)
    assert first is not None and again is not None
    assert first[2] == again[2]
    bad = "[ticks]\n" + RUN.replace("2026-09-01", "2026-02-30")
    assert tomlparse.loads_stamped(bad) is None
    assert tomlparse.loads_stamped(bad) is None
    assert "2026-02-30" not in tomlparse._DAYS


ODD_STAMP = st.builds("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format,
                      st.sampled_from([0, 1, 1900, 1969, 1970, 2000, 2026, 9999]),
                      st.integers(0, 13), st.integers(0, 32), st.integers(0, 24),
                      st.integers(0, 60), st.integers(0, 60),
                      st.sampled_from(["", "", "", ".5", ".000001"]),
                      st.sampled_from(["Z", "Z", "Z", "z", "+01:00", "-00:30", ""]))
ODD_TICK = st.builds('"{}/{}" = {}\n'.format, st.sampled_from(["u", "v.w", "x-1"]),
                     st.integers(0, 40), ODD_STAMP)


@needs_rtoml
@SETTINGS
@given(st.lists(st.one_of(AROUND, st.lists(st.one_of(TICK, ODD_TICK), min_size=14,
                                           max_size=40).map("".join)),
                max_size=6).map("".join))
def test_random_runs_of_stamps_as_numbers_give_tomllibs_data(text: str) -> None:
    """Random runs of random stamps (far dates, bad days, hour 24, second 60, fractions,
    offsets, local times) among random headers: numbers only for tomllib's data."""
    assert_stamped_same(text)


PLAIN_PIECE = st.sampled_from([
    "r-1", '"u/a"', "x", " = ", "{ ", " }", "{", "}", ", ", ",", '"s"', '"{"', '"}"', '"a,}"',
    '"\\e"', '"\\x41"', "1", "2026-01-02T10:00:00Z", "07:32", "07:32:00", "true", "[1]", "[",
    "]", " # c", "\n", "\r\n", "  "])

PLAIN_VALUE = st.sampled_from(['"s"', '"{"', '"}"', '"a,}"', '"\\e"', '"#"', "1", "-1",
                               "2026-01-02T10:00:00Z", "2026-01-02", "07:32", "07:32:00",
                               "1979-05-27T07:32", "true", "false", "[1]", "{ a = 1 }", "nan",
                               "1 # c", '"a" "b"', "'s'", '"\\u0041"', "truex", "1}"])
PLAIN_KEY = st.sampled_from(["r-1", '"u/a"', "x", "r-2", '"a b"', "a.b", "\u00e9"])
PLAIN_LINE = st.builds("{} = {{ {} }}{}".format, PLAIN_KEY,
                       st.lists(st.builds("{} = {}".format, PLAIN_KEY, PLAIN_VALUE),
                                min_size=1, max_size=4).map(", ".join),
                       st.sampled_from(["", "", ",", " # c", "\r", " "]))


@needs_rtoml
@SETTINGS
@example('x = { x = 1 # c }')  # (a comment that hides the "}": not one line)
@example('x = { x = 1 # c }\nr-1 = { x = "s" }')
@example('x = { x = "s", }')
@example('x = { x = [1,\n2] }')
@example('x = { x = "\\"" }')
@given(st.one_of(
    st.lists(PLAIN_LINE, min_size=1, max_size=3).map("\n".join),
    st.lists(st.one_of(PLAIN_LINE, st.lists(PLAIN_PIECE, max_size=14).map("".join)),
             max_size=5).map("\n".join)))
def test_plain_table_lines_told_by_the_pattern_are_those_the_blanking_finds(text: str) -> None:
    """The lines of plain inline tables are told by one pattern instead of blanking their
    strings: wherever the pattern answers, the blanking gives the same answer (and the
    result stays tomllib's)."""
    assert_same(text)
    fast = tomlparse._plain_toml10(text)
    alone = tomlparse._last_bare
    saved = tomlparse._SIMPLE_TABLE_LINE
    tomlparse._SIMPLE_TABLE_LINE = re.compile(r"(?!)")  # (never: the blanking decides)
    try:
        assert tomlparse._plain_toml10(text) == fast
        assert tomlparse._last_bare == alone
    finally:
        tomlparse._SIMPLE_TABLE_LINE = saved
