"""What an acceptance tester found at 80x24 (issues 14 and 15): no false words beside a
record that cannot be read, footers whose bindings are whole, a decision corrected without
mixing old and new words, the request dialog's note never dropped."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Static, TextArea
from textual.widgets._footer import FooterKey

from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.modals import DecisionDialog, RequestDialog
from playlist_tui.ui.screens.playlist import PlaylistScreen
from playlist_tui.ui.screens.student_detail import StudentDetailScreen
from tests.conftest import DEMO
from tests.test_everyday_teacher import teacher_app, teacher_lines
from tests.test_student_app import go_to, open_ratios, settle

SIZE = (80, 24)


def text(widget: Static) -> str:
    return str(widget.render())


# --------------------------------------------------------------------------- unreadable record


async def test_a_tier_of_an_unreadable_record_says_so_not_its_progress(
        small_class: Path) -> None:
    path = small_class / "students/ana/student.toml"
    path.write_text(path.read_text().replace("[ticks]", "[ticks", 1))
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ratios(pilot)
        assert isinstance(screen, PlaylistScreen)
        for tier in ("tier:core", "tier:more"):
            await go_to(pilot, screen, tier)
            words = text(screen.query_one("#details", Static))
            assert "Your record cannot be read" in words and "nothing is lost" in words
            for false in ("is open", "done", "finish", "locked", "Locked"):
                assert false not in words, (tier, words)
        await go_to(pilot, screen, "tier:core")
        await pilot.press("space")  # enter/space on a tier row tells its state
        await settle(pilot)
        told = str(list(app._notifications)[-1].message)
        assert "cannot be read" in told and "done" not in told


# --------------------------------------------------------------------------- footers at 80x24


def cut_keys(screen: Screen[object]) -> list[str]:
    """The footer keys of a screen that are not wholly visible: past the right edge, or
    under the command palette's key (docked on the right). Every footer of the screen (a
    dialog has its own)."""
    cut = []
    for footer in screen.query(Footer):
        keys = list(footer.query(FooterKey))
        palette = [k for k in keys if k.has_class("-command-palette")]
        right = min([footer.region.right, *(k.region.x for k in palette)])
        for key in keys:
            if key in palette:
                continue
            label = f"{key.key_display} {key.description}".strip()
            if key.region.right > right or key.region.width < cell_len(label):
                cut.append(label)
    return cut


def demo(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    return folder


PENDING_FOOTERS: set[str] = set()
"""Screens whose bindings are owned by another change (their descriptions are shortened
there): still visited, so that the list of screens stays whole."""


async def visit(pilot: Pilot[None], seen: dict[str, list[str]], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    screen = pilot.app.screen
    seen[type(screen).__name__] = cut_keys(screen)


async def test_every_footer_of_the_demo_class_fits_80_columns(tmp_path: Path) -> None:
    folder = demo(tmp_path)
    seen: dict[str, list[str]] = {}
    app = PlaylistApp(folder, role="teacher", person="lee", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await visit(pilot, seen)
        for keys in (("w",), ("m",), ("escape", "escape", "s"), ("n",),
                     ("escape", "escape", "a"), ("escape", "R"), ("s",),
                     ("escape", "escape", "h"), ("escape", "n"), ("escape", "question_mark"),
                     ("escape", "enter")):
            await visit(pilot, seen, *keys)
    app = PlaylistApp(folder, role="student", person="ana-souza", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await visit(pilot, seen)
        for keys in (("enter",), ("m",), ("escape", "down", "e"), ("escape", "escape", "c"),
                     ("escape", "g"), ("a",), ("escape", "escape", "question_mark")):
            await visit(pilot, seen, *keys)
    assert {"DashboardScreen", "QueueScreen", "DecisionDialog", "GroupsScreen",
            "CurriculumScreen", "RosterScreen", "HistoryScreen", "HelpScreen",
            "StudentHome", "PlaylistScreen", "RequestDialog", "NoteDialog",
            "CompetenciesScreen", "GoalsScreen"} <= set(seen), sorted(seen)
    cut = {name: keys for name, keys in seen.items() if keys and name not in PENDING_FOOTERS}
    assert cut == {}, cut


async def test_the_picker_heading_wraps_instead_of_being_cut(small_copy: Path) -> None:
    from playlist_tui.ui.screens.pickers import CompetencyPicker

    app = PlaylistApp(small_copy, role="teacher", person="lee", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.result is not None
        app.push_screen(CompetencyPicker(app.result.data, (),
                                         title="Competencies of Video: a tour of the cell"))
        await settle(pilot)
        heading = app.screen.query_one(".dialog-title", Label)
        dialog = app.screen.query_one(".picker-dialog")
        assert heading.region.right <= dialog.content_region.right
        lines = [strip.text.rstrip() for strip in heading.render_lines(
            Region(0, 0, heading.size.width, heading.size.height))]
        assert " ".join(line.strip() for line in lines if line.strip()).endswith(
            "enter confirms"), lines
        assert cut_keys(app.screen) == []


def test_snapshot_picker_heading(snap_compare: object, small_copy: Path) -> None:
    """The competency picker at 80x24: its heading on two lines, whole."""
    from playlist_tui.ui.screens.pickers import CompetencyPicker

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, PlaylistApp) and app.result is not None
        app.push_screen(CompetencyPicker(app.result.data, (),
                                         title="Competencies of Video: a tour of the cell"))
        await settle(pilot)

    app = PlaylistApp(small_copy, role="teacher", person="lee", watch=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)  # type: ignore[operator]


def test_snapshot_dashboard_footer(snap_compare: object, tmp_path: Path) -> None:
    """The demo class's dashboard at 80x24: every key of the footer whole."""
    app = PlaylistApp(demo(tmp_path), role="teacher", person="lee", watch=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)  # type: ignore[operator]


# --------------------------------------------------------------------------- correcting


NOT_YET = ('d-20261023-100000 = { request = "rq-20261022-100000", result = "not-yet", '
           'level = 2, feedback = "Cells are blurry in your photo", '
           'next_steps = "Retake the photo in daylight", by = "lee", '
           'at = 2026-10-23T10:00:00Z }')


async def correct_cy(pilot: Pilot[None], *choice: str) -> DecisionDialog:
    """From Cy's page: correct her only decision with the choice's keys."""
    await settle(pilot)
    await pilot.press("down", "down", "enter")  # Cy
    await settle(pilot)
    assert isinstance(pilot.app.screen, StudentDetailScreen)
    await pilot.press("c")
    await settle(pilot)
    await pilot.press("enter", *choice)
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, DecisionDialog)
    return dialog


def not_yet_for_cy(folder: Path) -> None:
    path = folder / "students/cy/teacher.toml"
    text = path.read_text()
    path.write_text(text[:text.index("d-2026")] + NOT_YET + "\n")


async def test_a_not_yet_corrected_to_mastered_starts_with_empty_words(
        small_class: Path) -> None:
    not_yet_for_cy(small_class)
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await correct_cy(pilot, "enter")  # change it to mastered
        assert dialog.query_one("#feedback", TextArea).text == ""
        assert dialog.query_one("#next", Input).value == ""
        earlier = text(dialog.query_one("#earlier", Static))  # the old words, read-only
        assert "not yet" in earlier and "Cells are blurry in your photo" in earlier
        assert "Retake the photo in daylight" in earlier
        await pilot.press(*"Retook photo, sharp now")
        await pilot.press("ctrl+s")
        await settle(pilot)
    new = list(teacher_lines(small_class, "cy").values())[-1]
    assert new["result"] == "mastered"
    assert new["feedback"] == "Retook photo, sharp now"
    assert "next_steps" not in new


async def test_a_correction_keeping_the_result_adds_to_the_old_words(
        small_class: Path) -> None:
    not_yet_for_cy(small_class)
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await correct_cy(pilot, "down", "enter")  # still not yet
        assert not dialog.query("#earlier")
        await pilot.press(*". Hold the phone still")
        await pilot.press("ctrl+s")
        await settle(pilot)
    new = list(teacher_lines(small_class, "cy").values())[-1]
    assert new["result"] == "not-yet"
    assert new["feedback"] == "Cells are blurry in your photo. Hold the phone still"
    assert new["next_steps"] == "Retake the photo in daylight"


# --------------------------------------------------------------------------- request dialog


async def ready_for_a_check(pilot: Pilot[None]) -> RequestDialog:
    screen = await open_ratios(pilot)
    await go_to(pilot, screen, "act:practice")
    await pilot.press("space")  # Must do done: RP.1 is ready
    await settle(pilot)
    await pilot.press("m")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, RequestDialog)
    return dialog


def requests_of(folder: Path) -> list[dict[str, object]]:
    data = tomllib.loads((folder / "students/ana/student.toml").read_text())
    return list(data.get("requests", {}).values())


async def test_the_note_after_enter_and_tab_is_sent(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await ready_for_a_check(pilot)
        await pilot.press("enter", "tab")  # choose RP.1, on to the note
        assert dialog.focused is dialog.query_one("#note", Input)
        await pilot.press(*"Did the quiz? yes, h and q too")
        await pilot.press("tab")
        assert focused_of(dialog) is dialog.query_one("#send", Button)
        await pilot.press("ctrl+s")
        await settle(pilot)
    (request,) = requests_of(small_class)
    assert request["competency"] == "RP.1"
    assert request["note"] == "Did the quiz? yes, h and q too"


async def test_words_typed_on_the_list_or_send_go_into_the_note(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await ready_for_a_check(pilot)
        await pilot.press("enter", *"I drew")  # typed on the list
        await pilot.press("tab")  # to Send
        await pilot.press(*"qa table")  # typed on Send ("q" does not quit)
        assert dialog.query_one("#note", Input).value == "I drewqa table"
        await pilot.press("enter")
        await settle(pilot)
    (request,) = requests_of(small_class)
    assert request["note"] == "I drewqa table"


async def test_keys_left_out_of_the_footer_are_in_help_and_the_palette(
        small_copy: Path) -> None:
    """A key moved out of the footer (show=False) to make room stays findable: `?` lists
    it and the command palette offers it."""
    from tests.test_bindings import palette_lists

    app = PlaylistApp(small_copy, role="teacher", person="lee", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        hidden = [b for b in app.screen.active_bindings.values()
                  if not b.binding.show and b.binding.id in
                  ("app.history", "dashboard.curriculum", "dashboard.assign",
                   "dashboard.roster")]
        assert len(hidden) == 4
        for active in hidden:
            binding = active.binding
            offered = await palette_lists(pilot, binding.description)
            assert f"{binding.description} ({app.get_key_display(binding)})" in offered
        await pilot.press("question_mark")
        await settle(pilot)
        listed = "\n".join(str(s.render()) for s in app.screen.query(Static))
        for active in hidden:
            assert active.binding.description in listed


def focused_of(screen: Screen[Any]) -> Widget | None:
    """The focused widget now (read again after a key: not narrowed by an earlier test)."""
    return screen.focused
