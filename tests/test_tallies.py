"""The dashboard's count of checks waiting is kept per student from one run to the next,
and used only while both of the student's files are exactly the ones it was counted from
(playlist_tui.session.tallies)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.engine import mastery
from playlist_tui.engine.mastery import pending_requests
from playlist_tui.model.klass import ClassData
from playlist_tui.session.tallies import Tally
from playlist_tui.store import cachefiles, ops
from playlist_tui.store.store import ClassStore, wait_for_cache
from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens import dashboard
from tests.conftest import SMALL, own_cache
from tests.test_student_app import settle

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
DECISION = ('[decisions]\nd-1 = { request = "rq-20261104-100000", result = "not-yet", '
            'level = 2, feedback = "Try again", by = "lee", at = 2026-11-05T10:00:00Z }\n')


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    own_cache(tmp_path, monkeypatch)
    folder = tmp_path / "class"
    shutil.copytree(SMALL, folder)
    return folder


def tally_of(store: ClassStore) -> tuple[Tally, ClassData]:
    result = store.load()
    idents = store.identities_for(result)
    assert idents is not None
    return Tally(store.root, "pending", idents, ("engine/mastery.py",)), result.data


def counts(data: ClassData) -> dict[str, int]:
    return {sid: len(pending_requests(data.record(sid))) for sid in data.records}


def test_numbers_come_back_while_the_files_are_the_same(root: Path) -> None:
    tally, data = tally_of(ClassStore(root))
    truth = counts(data)
    assert truth == {"ana": 0, "ben": 1, "cy": 0}
    assert all(tally.get(sid) is None for sid in truth)  # nothing kept yet
    for sid, n in truth.items():
        tally.put(sid, n)
    tally.save()
    again, _ = tally_of(ClassStore(root))  # (as a new run of the app would)
    assert {sid: again.get(sid) for sid in truth} == truth
    # A decision for Ben: his number is counted again, the others' still come back.
    (root / "students/ben/teacher.toml").write_text(DECISION, "utf-8")
    changed, data = tally_of(ClassStore(root))
    assert changed.get("ben") is None
    assert {sid: changed.get(sid) for sid in ("ana", "cy")} == {"ana": 0, "cy": 0}
    assert counts(data)["ben"] == 0


def test_new_ticks_keep_a_number_and_a_new_request_does_not(root: Path) -> None:
    """A sync that brings a day's ticks: the student's file only grew by entries of a
    table the number does not read, so the number kept is still theirs (the store read
    the new lines only, and says so); a new request is counted again."""
    first = ClassStore(root)
    tally, data = tally_of(first)
    for sid, n in counts(data).items():
        tally.put(sid, n)
    tally.save()
    wait_for_cache()  # (the cache that tomorrow's load starts from)
    when = datetime(2026, 11, 6, 10, tzinfo=UTC)
    ClassStore(root).apply(ops.Tick("ben", "ratios", "rates", at=when))  # (elsewhere)
    ClassStore(root).apply(ops.RequestCheck("cy", competency="RP.1", at=when))
    store = ClassStore(root)
    result = store.load()
    grown = store.growths_for(result)
    assert grown is not None and grown["students/ben/student.toml"][1] == "ticks"
    assert grown["students/cy/student.toml"][1] == "requests"
    idents = store.identities_for(result)
    assert idents is not None
    morning = Tally(root, "pending", idents, ("engine/mastery.py",), grown=grown,
                    unaffected=frozenset({"ticks", "notes"}))
    truth = counts(result.data)
    assert truth == {"ana": 0, "ben": 1, "cy": 1}
    assert morning.get("ben") == 1 and morning.get("ana") == 0
    assert morning.get("cy") is None  # (counted again: 1)
    morning.save()  # Ben's number filed under his grown file
    wait_for_cache()
    later, _ = tally_of(ClassStore(root))
    assert later.get("ben") == 1


def test_no_number_is_filed_under_files_newer_than_its_class(root: Path) -> None:
    store = ClassStore(root)
    old = store.load()
    (root / "students/ben/teacher.toml").write_text(DECISION, "utf-8")
    store.refresh({"students/ben/teacher.toml"})
    assert store.identities_for(old) is None


def test_files_that_were_changing_are_counted_every_time(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playlist_tui.store import loader

    monkeypatch.setattr(loader, "RACY_NS", 3_000_000_000)  # (the files were just copied)
    tally, data = tally_of(ClassStore(root))
    for sid, n in counts(data).items():
        tally.put(sid, n)
    tally.save()
    again, _ = tally_of(ClassStore(root))
    assert all(again.get(sid) is None for sid in data.records)


def test_a_tampered_tally_is_ignored(root: Path) -> None:
    tally, data = tally_of(ClassStore(root))
    for sid, n in counts(data).items():
        tally.put(sid, n)
    tally.save()
    folder = cachefiles.cache_dir(root)
    assert folder is not None
    path = folder / "tally-pending"
    path.write_bytes(path.read_bytes().replace(b'",1]', b'",7]'))
    again, _ = tally_of(ClassStore(root))
    assert all(again.get(sid) is None for sid in data.records)


def counting(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """One item for each student whose requests the dashboard counts from their record."""
    made: list[object] = []
    real: Callable[..., Any] = mastery.pending_requests

    def spy(record: Any) -> Any:
        made.append(record)
        return real(record)

    monkeypatch.setattr(dashboard, "pending_requests", spy)
    return made


async def waiting_shown(folder: Path) -> str:
    app = PlaylistApp(folder, role="teacher", person="lee", watch=False, clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        words = str(app.screen.sub_title)
    wait_for_cache()
    return words


async def test_the_dashboard_counts_only_students_whose_files_changed(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = counting(monkeypatch)
    assert "1 check waiting" in await waiting_shown(root)
    assert len(made) == 3
    made.clear()
    assert "1 check waiting" in await waiting_shown(root)  # the next morning
    assert made == []
    ClassStore(root).apply(ops.Tick("ben", "ratios", "rates",  # (a sync brings a tick)
                                    at=datetime(2026, 11, 6, 10, tzinfo=UTC)))
    assert "1 check waiting" in await waiting_shown(root)
    assert made == []
    (root / "students/ben/teacher.toml").write_text(DECISION, "utf-8")
    assert "0 checks waiting" in await waiting_shown(root)
    assert len(made) == 1  # (Ben's)
