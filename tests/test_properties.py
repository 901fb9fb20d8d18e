"""Property tests: the loader survives any text; saving then loading gives the model back."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlist_tui.model.files import (
    Activity,
    Check,
    Decision,
    Goal,
    Kind,
    MasteredUnlock,
    Note,
    Playlist,
    Request,
    Result,
    StudentFile,
    TeacherFile,
    Tier,
)
from playlist_tui.model.ids import id_error
from playlist_tui.store import ops
from playlist_tui.store.loader import load_class
from playlist_tui.store.reading import parse_text
from playlist_tui.store.render import render_document, render_records
from playlist_tui.store.store import ClassStore
from playlist_tui.store.tomlpos import scan
from tests.conftest import SMALL

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,12}", fullmatch=True).filter(
    lambda s: id_error(s) is None)
texts = st.text(max_size=40)
moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1),
                       timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))
days = st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 1, 1))
refs = st.builds(lambda p, a: f"{p}/{a}", ids, ids)


def _sample_class() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ptui-prop-"))
    shutil.copytree(SMALL, folder, dirs_exist_ok=True)
    return folder


@SETTINGS
@given(st.text(max_size=400), st.sampled_from([
    "class.toml", "frameworks/math6.toml", "playlists/ratios.toml",
    "students/ana/student.toml", "students/cy/teacher.toml"]))
def test_any_text_in_any_file_never_crashes_the_loader(text: str, rel: str) -> None:
    folder = _sample_class()
    try:
        (folder / rel).write_text(text, encoding="utf-8")
        result = load_class(folder)
        for problem in result.problems:
            assert problem.line >= 1 and problem.col >= 1
            assert problem.message
        if rel != "students/ana/student.toml":
            # Ana's ticks live in another file: they always survive.
            assert "ratios/video" in result.data.record("ana").student.ticks
    finally:
        shutil.rmtree(folder)


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_never_crash_the_loader(raw: bytes) -> None:
    folder = _sample_class()
    try:
        (folder / "playlists/ratios.toml").write_bytes(raw)
        result = load_class(folder)
        assert result.data.info.name == "Test class 6B"
    finally:
        shutil.rmtree(folder)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list('[]{}"\'=#.,\n abc123-_\\:')), max_size=300))
def test_the_position_scanner_never_raises_on_toml_like_text(text: str) -> None:
    positions = scan(text)
    lines = text.count("\n") + 1
    for entry in positions.entries.values():
        line, col = positions.line_col(entry.key_start)
        assert 1 <= line <= lines and col >= 1


notes = st.builds(Note, reflection=texts, evidence=texts)
requests = st.builds(Request, competency=ids, playlist=st.none() | ids, at=moments, note=texts)
goals = st.builds(Goal, text=texts, target=st.none() | days, done=st.none() | moments,
                  created=st.none() | moments)
student_files = st.builds(
    StudentFile,
    ticks=st.dictionaries(refs, moments, max_size=6),
    notes=st.dictionaries(refs, notes, max_size=3),
    requests=st.dictionaries(ids, requests, max_size=3),
    goals=st.dictionaries(ids, goals, max_size=3),
)
decisions = st.builds(
    Decision, request=ids, competency=st.none() | ids, result=st.sampled_from(list(Result)),
    level=st.none() | st.integers(1, 6), feedback=texts, next_steps=texts, by=ids, at=moments)
teacher_files = st.builds(TeacherFile, decisions=st.dictionaries(ids, decisions, max_size=4))


@SETTINGS
@given(student_files)
def test_a_saved_student_file_loads_back_equal(model: StudentFile) -> None:
    text = render_records(model, "# a student's record")
    data, problems = parse_text("students/x/student.toml", text)
    assert problems == [] and data is not None
    assert StudentFile.model_validate(data) == model


@SETTINGS
@given(teacher_files)
def test_a_saved_teacher_file_loads_back_equal(model: TeacherFile) -> None:
    data, problems = parse_text("students/x/teacher.toml", render_records(model))
    assert problems == [] and data is not None
    assert TeacherFile.model_validate(data) == model


activities = st.builds(
    Activity, id=ids, title=texts, kind=st.sampled_from(list(Kind)),
    link=st.none() | texts, minutes=st.none() | st.integers(0, 600),
    competencies=st.lists(ids, max_size=3).map(tuple), description=texts)
tiers = st.builds(
    Tier, id=ids, title=texts,
    complete=st.sampled_from(["all", "optional"]) | st.integers(1, 5),
    unlock=st.none() | st.sampled_from(["open", "previous"]) | st.builds(MasteredUnlock,
                                                                           mastered=ids),
    activities=st.lists(activities, max_size=3).map(tuple))
playlists = st.builds(
    Playlist, id=ids, title=texts, summary=texts,
    check=st.builds(Check, competencies=st.lists(ids, max_size=3).map(tuple),
                    ready_after=st.none() | ids, require_prerequisites=st.booleans()),
    tiers=st.lists(tiers, max_size=3).map(tuple))


@SETTINGS
@given(playlists)
def test_a_saved_playlist_loads_back_equal(model: Playlist) -> None:
    data, problems = parse_text("playlists/x.toml", render_document(model, "# a playlist"))
    assert problems == [] and data is not None
    assert Playlist.model_validate(data) == model


actions = st.lists(st.one_of(
    st.tuples(st.just("tick"), ids, moments),
    st.tuples(st.just("untick"), ids, moments),
    st.tuples(st.just("note"), ids, texts),
    st.tuples(st.just("request"), ids, moments),
), max_size=12)


@SETTINGS
@given(actions)
def test_any_sequence_of_operations_gives_the_expected_file(
        sequence: list[tuple[str, str, object]]) -> None:
    folder = _sample_class()
    try:
        store = ClassStore(folder)
        start = store.load().data.record("ana").student
        ticks = dict(start.ticks)
        notes_now = {k: v.reflection for k, v in start.notes.items()}
        n_requests = len(start.requests)
        for kind, activity, value in sequence:
            ref = f"ratios/{activity}"
            if kind == "tick":
                assert isinstance(value, datetime)
                store.apply(ops.Tick("ana", playlist="ratios", activity=activity, at=value))
                ticks.setdefault(ref, value)
            elif kind == "untick":
                store.apply(ops.Untick("ana", playlist="ratios", activity=activity))
                ticks.pop(ref, None)
            elif kind == "note":
                assert isinstance(value, str)
                store.apply(ops.SetNote("ana", playlist="ratios", activity=activity,
                                        reflection=value))
                if value:
                    notes_now[ref] = value
                else:
                    notes_now.pop(ref, None)
            else:
                assert isinstance(value, datetime)
                store.apply(ops.RequestCheck("ana", competency="RP.1", at=value))
                n_requests += 1
        text = (folder / "students/ana/student.toml").read_text()
        data, problems = parse_text("students/ana/student.toml", text)
        assert problems == [] and data is not None
        record = StudentFile.model_validate(data)
        assert record.ticks == ticks
        assert {k: v.reflection for k, v in record.notes.items()} == notes_now
        assert len(record.requests) == n_requests
        assert text.startswith("# Ana Souza's record")
    finally:
        shutil.rmtree(folder)
