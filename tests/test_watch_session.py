"""Changes on disk reach the session whole: a burst's batches, changes within the quiet
period, and batches that arrive while a refresh runs (issue 19: a change shown fast)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets import Static

from playlist_tui.session.events import Changed, Event
from playlist_tui.session.session import ClassSession
from playlist_tui.store import loader, watch
from playlist_tui.ui.widgets import PageText, set_text
from tests.test_session import until

END = object()


def test_batches_that_come_while_a_refresh_runs_become_one_refresh_and_none_is_lost(
        small_class: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A git pull seen as several batches: the first is refreshed at once; those that come
    while it runs are refreshed together after it, every path of every batch included."""
    batches: queue.Queue[object] = queue.Queue()

    def fake_changes(root: Path, stop: threading.Event, debounce_ms: int = 150,
                     step_ms: int = 2) -> Iterator[set[str]]:
        while (batch := batches.get()) is not END:
            assert isinstance(batch, set)
            yield batch

    monkeypatch.setattr(watch, "changes_blocking", fake_changes)
    session = ClassSession(small_class, commit_after=3600)
    events: list[Event] = []
    session.subscribe(events.append)
    session.load()
    refreshed: list[set[str]] = []
    release = threading.Event()
    real_refresh = session.store.refresh

    def slow_refresh(paths: set[str]) -> object:
        refreshed.append(set(paths))
        if len(refreshed) == 1:
            release.wait(10)  # the first refresh runs while the next batches come
        return real_refresh(paths)

    monkeypatch.setattr(session.store, "refresh", slow_refresh)
    session.start_watching()

    def written(*paths: str) -> set[str]:
        for path in paths:  # changed after the load (else the session knows it has them)
            with open(small_class / path, "a") as handle:
                handle.write("\n# by hand\n")
        return set(paths)

    try:
        batches.put(written("students/ana/student.toml"))
        until(lambda: len(refreshed) == 1)
        batches.put(written("students/ben/student.toml"))
        batches.put(written("students/cy/student.toml", "students/ben/student.toml"))
        batches.put(written("students/cy/teacher.toml"))
        until(lambda: batches.empty())
        time.sleep(0.1)  # the watcher thread has handed the last batch over
        release.set()
        until(lambda: len([e for e in events if isinstance(e, Changed)]) == 2)
        assert session.wait_idle()
    finally:
        batches.put(END)
        session.close()
    assert refreshed == [{"students/ana/student.toml"},
                         {"students/ben/student.toml", "students/cy/student.toml",
                          "students/cy/teacher.toml"}]
    assert [e.cause for e in events if isinstance(e, Changed)] == ["disk", "disk"]


def test_two_files_changed_within_the_quiet_period_both_reach_the_class(
        small_class: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The watcher's quiet period is short (a save is seen in milliseconds); two changes
    close together, or a burst with pauses, still all reach the class shown."""
    monkeypatch.setattr(loader, "RACY_NS", 0)
    monkeypatch.setenv("PLAYLIST_TUI_CACHE", "off")
    session = ClassSession(small_class, commit_after=3600)
    session.load()
    session.start_watching()
    students = ("ana", "ben", "cy")
    try:
        time.sleep(0.3)  # the watcher is ready
        for n, sid in enumerate(students):
            path = small_class / f"students/{sid}/student.toml"
            path.write_text(path.read_text().replace(
                "[ticks]\n", '[ticks]\n"ratios/tables" = 2026-11-05T10:00:00Z\n'))
            time.sleep(0.001 if n == 0 else 0.02)  # within one quiet period, then not
        cold = loader.load_class(small_class)
        assert all("ratios/tables" in cold.data.record(sid).student.ticks
                   for sid in students)

        def current() -> bool:
            result = session.result
            return result is not None and all(
                "ratios/tables" in result.data.record(sid).student.ticks for sid in students)

        until(current)
        assert session.wait_idle()
        assert session.result is not None
        assert session.result.data.records == cold.data.records
        assert sorted(map(str, session.result.problems)) == sorted(map(str, cold.problems))
    finally:
        session.close()


# --------------------------------------------------------------------------- the screens


async def test_a_change_on_disk_updates_the_changed_rows_of_the_home_in_place(
        small_class: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tick written into the shown student's file by another program changes the words
    of that playlist's row in place (the same option, the highlight kept) and the parts
    whose words it changes; a change to another student's file changes nothing shown."""
    from textual.widgets import OptionList

    from playlist_tui.ui.app import PlaylistApp
    from tests.test_student_app import settle

    monkeypatch.setattr(loader, "RACY_NS", 0)
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = app.screen
        options = home.query_one("#playlists", OptionList)
        rows = list(options.options)
        prompts = [str(o.prompt) for o in rows]
        parts = {name: home.query_one(f"#{name}", Static).content
                 for name in ("next", "waiting", "feedback")}
        path = small_class / "students/ana/student.toml"
        path.write_text(path.read_text().replace(
            "[ticks]\n", '[ticks]\n"ratios/practice" = 2026-11-05T10:00:00Z\n'))
        app.session.disk_changed({"students/ana/student.toml"})
        await settle(pilot)
        assert app.screen is home
        assert list(options.options) == rows and all(
            a is b for a, b in zip(options.options, rows, strict=True))  # not made again
        assert options.highlighted == 0
        now = [str(o.prompt) for o in options.options]
        assert now != prompts and "2 of" in now[0] and "1 of" in prompts[0]
        lines = options.render_lines(Region(0, 0, options.size.width, 3))
        assert "2 of" in "".join(line.text for line in lines)  # drawn again, not kept
        assert home.query_one("#next", Static).content != parts["next"]  # the next activity
        for name in ("waiting", "feedback"):  # the same words: not drawn again
            assert home.query_one(f"#{name}", Static).content is parts[name]
        # Another student's file: nothing on Ana's home changes.
        shown = [o.prompt for o in options.options]
        other = small_class / "students/ben/student.toml"
        other.write_text(other.read_text() + "\n# by hand\n")
        app.session.disk_changed({"students/ben/student.toml"})
        await settle(pilot)
        assert all(a is b for a, b in zip((o.prompt for o in options.options), shown,
                                          strict=True))


PAGE = "\n".join([
    "Playlists",
    "  ███████░░░ 7 of 10 done   Ratios and rates, a rather long title that wraps here",
    "      now: Core — 2 of 3 (Practice: ratio language)",
    "",
    "Competencies",
    "  ✔ RP.1           mastered (Proficient) 多言語の長い行はここで折り返されるでしょうか？ はい",
    "      mastered: Clear explanation with a tape diagram.",
    "",
    "Goals",
    "  [ ] Finish the ratios playlist (by 30 Nov)",
] * 3)


class Both(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(PAGE), id="static", markup=False)
            yield PageText(id="page")


def drawn(widget: Static) -> list[str]:
    return [strip.text for strip in widget.render_lines(Region(0, 0, *widget.size))]


async def test_the_page_of_lines_shows_what_a_static_shows() -> None:
    """The teacher's page on a student draws line by line (ui/widgets.PageText): the same
    lines as a Static of the same text, wrapped the same, before and after a change of
    one line, of the number of lines and of the width."""
    app = Both()
    async with app.run_test(size=(44, 80)) as pilot:
        static = app.query_one("#static", Static)
        page = app.query_one("#page", PageText)
        page.update(Text(PAGE))
        await pilot.pause()
        assert page.size == static.size and page.size.height > PAGE.count("\n") + 1
        assert drawn(page) == drawn(static)
        assert str(page.render()) == str(static.render())
        for text in (PAGE.replace("7 of 10", "8 of 10"),
                     PAGE.replace("      now: Core", "      now: More\n      now: Core"),
                     ""):
            static.update(Text(text))
            assert set_text(page, Text(text))
            await pilot.pause()
            assert page.size == static.size
            assert drawn(page) == drawn(static)
        await pilot.resize_terminal(30, 80)
        static.update(Text(PAGE))
        set_text(page, Text(PAGE))
        await pilot.pause()
        assert page.size == static.size and drawn(page) == drawn(static)
