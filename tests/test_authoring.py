"""Teachers writing the curriculum in the app, driven with the Pilot against a copy of the
small class in git: every edit is a small text change that keeps the file's comments."""

from __future__ import annotations

import contextlib
import shlex
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static, TextArea

from playlist_tui.store import ops
from playlist_tui.store.loader import load_class
from playlist_tui.store.store import ClassStore, OperationError
from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.authoring import AuthoringScreen, CurriculumScreen
from playlist_tui.ui.screens.forms import ConfirmDialog, FormDialog
from playlist_tui.ui.screens.framework_editor import FrameworkEditor
from playlist_tui.ui.screens.pickers import CompetencyPicker
from playlist_tui.ui.screens.playlist_editor import PlaylistEditor
from tests.conftest import changes as numstat
from tests.conftest import git, screen_of
from tests.test_student_app import settle

SIZE = (80, 24)
RATIOS = "playlists/ratios.toml"


def playlist_data(repo: Path, path: str = RATIOS) -> dict[str, Any]:
    return tomllib.loads((repo / path).read_text())


def activity_ids(repo: Path, path: str = RATIOS) -> list[list[str]]:
    return [[a["id"] for a in t.get("activities", [])]
            for t in playlist_data(repo, path)["tiers"]]


def loads_clean(repo: Path) -> None:
    result = load_class(repo)
    assert result.problems == [], [str(p) for p in result.problems]


async def curriculum(pilot: Pilot[None]) -> CurriculumScreen:
    """The curriculum list, pushed the way the teacher's home screen does it."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, PlaylistApp) and app.result is not None
    screen = CurriculumScreen(app.result.data, app.result.problems, "lee")
    await app.push_screen(screen)
    await settle(pilot)
    return screen


async def select_row(pilot: Pilot[None], screen: AuthoringScreen, key: str) -> None:
    screen.items.move_cursor(row=screen.row_keys().index(key))
    await pilot.pause()


async def open_editor(pilot: Pilot[None], kind: str = "playlist",
                      ident: str = "ratios") -> AuthoringScreen:
    screen = await curriculum(pilot)
    await select_row(pilot, screen, f"{kind}:{ident}")
    await pilot.press("enter")
    await settle(pilot)
    editor = pilot.app.screen
    assert isinstance(editor, PlaylistEditor | FrameworkEditor)
    return editor


async def form(pilot: Pilot[None]) -> FormDialog:
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, FormDialog), type(dialog)
    return dialog


def set_field(dialog: FormDialog, name: str, value: Any) -> None:
    widget = dialog.query_one(f"#field-{name}")
    if isinstance(widget, Input):
        widget.value = value
    elif isinstance(widget, TextArea):
        widget.text = value
    elif isinstance(widget, Select):
        widget.value = value
    else:  # pragma: no cover
        raise AssertionError(name)


def error_of(dialog: FormDialog, name: str) -> str:
    box = dialog.query_one(f"#err-{name}", Static)
    return "" if box.has_class("hidden") else str(box.render())


async def save(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


def app_for(folder: Path) -> PlaylistApp:
    """The teacher's app; changes stay uncommitted so that tests can diff them."""
    return PlaylistApp(folder, role="teacher", person="lee", watch=False, autocommit=False)


# --------------------------------------------------------------------------- playlists


async def test_editing_a_field_changes_only_that_line_and_keeps_comments(
        small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        assert isinstance(editor, PlaylistEditor)
        await select_row(pilot, editor, "act:tape")
        await pilot.press("enter")
        dialog = await form(pilot)
        assert dialog.query_one("#field-title", Input).value == "Tape diagrams"
        set_field(dialog, "title", "Tape diagrams (reading)")
        await save(pilot)
        assert numstat(small_class) == {RATIOS: (1, 1)}
        text = (small_class / RATIOS).read_text()
        assert 'title = "Tape diagrams (reading)"' in text
        assert "# Ratios playlist: written by hand by Ms Lee." in text
        assert "# The practice tier: students pick two." in text
        # The editor shows the new title, and the row stays highlighted.
        assert editor.current_key() == "act:tape"
        assert "Tape diagrams (reading)" in str(editor.items.get_row("act:tape")[0])

        # The playlist's own title: again one line.
        git(small_class, "commit", "-qam", "tape")
        await select_row(pilot, editor, "playlist")
        await pilot.press("enter")
        dialog = await form(pilot)
        set_field(dialog, "title", "Ratios")
        await save(pilot)
        assert numstat(small_class) == {RATIOS: (1, 1)}
        loads_clean(small_class)


async def test_adding_an_activity_writes_a_valid_file(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        await select_row(pilot, editor, "tier:core")
        await pilot.press("a")
        dialog = await form(pilot)
        await pilot.press(*"Exit ticket")  # the title field has the focus
        set_field(dialog, "kind", "quiz")
        set_field(dialog, "minutes", "5")
        set_field(dialog, "description", "Three questions.\nHand it in at the door.")
        await save(pilot)
        assert activity_ids(small_class)[0] == ["video", "practice", "exit-ticket"]
        added = playlist_data(small_class)["tiers"][0]["activities"][2]
        assert added == {"id": "exit-ticket", "title": "Exit ticket", "kind": "quiz",
                         "minutes": 5,
                         "description": "Three questions.\nHand it in at the door."}
        text = (small_class / RATIOS).read_text()
        assert 'description = """\nThree questions.\nHand it in at the door."""' in text
        assert numstat(small_class)[RATIOS][1] == 0  # only lines added
        loads_clean(small_class)
        assert editor.current_key() == "act:exit-ticket"  # the new row is highlighted


async def test_a_bad_id_is_shown_in_the_form_and_nothing_is_written(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        await select_row(pilot, editor, "act:video")
        await pilot.press("a")
        dialog = await form(pilot)
        set_field(dialog, "title", "Another")
        set_field(dialog, "id", "bad id")
        await save(pilot)
        assert app.screen is dialog
        assert "✗ the id 'bad id' has characters that are not allowed" in error_of(dialog, "id")
        set_field(dialog, "id", "tape")  # taken by an activity of another tier
        await pilot.pause()
        assert "already a activity in this playlist with the id 'tape'" in error_of(
            dialog, "id")
        set_field(dialog, "id", "")  # made from the title
        await pilot.pause()
        assert error_of(dialog, "id") == ""
        await pilot.press("escape")
        await settle(pilot)
        assert numstat(small_class) == {}
        # Renaming an activity that students ticked is refused too.
        await select_row(pilot, editor, "act:video")
        await pilot.press("enter")
        dialog = await form(pilot)
        set_field(dialog, "id", "intro-video")
        await save(pilot)
        assert "ticked or were given this activity" in error_of(dialog, "id")
        assert numstat(small_class) == {}


async def test_removing_and_moving_activities_and_tiers(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        await select_row(pilot, editor, "act:tables")
        await pilot.press("shift+down")
        await settle(pilot)
        assert activity_ids(small_class)[1] == ["tape", "tables", "recipe"]
        assert numstat(small_class) == {RATIOS: (6, 6)}
        assert editor.current_key() == "act:tables"  # the highlight follows the activity
        # Down past the end of its tier: into the next tier, at the top.
        await select_row(pilot, editor, "act:practice")
        await pilot.press("shift+down")
        await settle(pilot)
        assert activity_ids(small_class)[:2] == [["video"], ["practice", "tape", "tables",
                                                             "recipe"]]
        # ... and back up again, to the end of Must do.
        await pilot.press("shift+up")
        await settle(pilot)
        assert activity_ids(small_class)[:2] == [["video", "practice"],
                                                 ["tape", "tables", "recipe"]]
        # A whole tier moves with its comment and its activities.
        await select_row(pilot, editor, "tier:more")
        await pilot.press("shift+up")
        await settle(pilot)
        tiers = [t["id"] for t in playlist_data(small_class)["tiers"]]
        assert tiers == ["more", "core", "stretch"]
        text = (small_class / RATIOS).read_text()
        assert text.index("# The practice tier") < text.index('id = "more"') < text.index(
            'id = "core"')
        await pilot.press("shift+down")
        await settle(pilot)
        # Remove an activity: asked first; "n" keeps it, "y" removes it.
        await select_row(pilot, editor, "act:recipe")
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert "recipe" in activity_ids(small_class)[1]
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert activity_ids(small_class)[1] == ["tape", "tables"]
        assert "# Ratios playlist: written by hand by Ms Lee." in (
            small_class / RATIOS).read_text()
        loads_clean(small_class)
        assert numstat(small_class) == {RATIOS: (5, 11)}  # tables/tape swapped, recipe out


async def test_a_tier_can_be_added_and_edited(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        await pilot.press("t")
        dialog = await form(pilot)
        await pilot.press(*"Extra practice")
        set_field(dialog, "complete", "optional")
        await save(pilot)
        tiers = playlist_data(small_class)["tiers"]
        assert tiers[-1] == {"id": "extra-practice", "title": "Extra practice",
                             "complete": "optional"}
        assert editor.current_key() == "tier:extra-practice"
        # "complete = 3" on a tier with no activities is refused in the form.
        await pilot.press("enter")
        dialog = await form(pilot)
        set_field(dialog, "complete", "3")
        set_field(dialog, "unlock", "m:RP.2")
        await save(pilot)
        assert "this tier has 0 activities" in error_of(dialog, "complete")
        set_field(dialog, "complete", "all")
        await save(pilot)
        tiers = playlist_data(small_class)["tiers"]
        assert tiers[-1]["unlock"] == {"mastered": "RP.2"} and tiers[-1]["complete"] == "all"
        loads_clean(small_class)


async def test_the_competency_picker_filters_and_links(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        await select_row(pilot, editor, "act:tape")
        await pilot.press("c")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, CompetencyPicker)
        options = picker.query_one("#choices", OptionList)
        assert picker.shown == ["RP", "RP.1", "RP.2"]
        await pilot.press(*"unit")  # RP.2's statement: "the concept of a unit rate"
        await pilot.pause()
        assert picker.shown == ["RP.2"]
        await pilot.press("space")
        await pilot.pause()
        assert str(options.get_option("RP.2").prompt).startswith("[x] RP.2")
        await pilot.press(*["backspace"] * 4, *"langu")  # by name: "Ratio language"
        await pilot.pause()
        assert picker.shown == ["RP.1"]
        assert str(options.get_option("RP.1").prompt).startswith("[ ] RP.1")
        await pilot.press("space")
        assert "2 linked: RP.2, RP.1" in str(picker.query_one("#chosen", Static).render())
        await pilot.press("enter")
        await settle(pilot)
        tape = playlist_data(small_class)["tiers"][1]["activities"][1]
        assert tape["competencies"] == ["RP.2", "RP.1"]
        assert numstat(small_class) == {RATIOS: (1, 0)}
        # Unlinking: the key goes away again (escape in the picker changes nothing).
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert numstat(small_class) == {RATIOS: (1, 0)}
        await pilot.press("c")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, CompetencyPicker)
        assert picker.highlighted() == "RP"
        await pilot.press("down", "space", "down", "space")  # unlink RP.1, then RP.2
        assert picker.chosen == []
        await pilot.press("enter")
        await settle(pilot)
        assert numstat(small_class) == {}


async def test_the_mastery_check_form(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        await select_row(pilot, editor, "check")
        await pilot.press("enter")
        dialog = await form(pilot)
        await pilot.press("ctrl+l")  # the competency picker, from the form
        await settle(pilot)
        assert isinstance(app.screen, CompetencyPicker)
        await pilot.press(*"RP.2", "space", "enter")
        await settle(pilot)
        assert screen_of(app) is dialog
        set_field(dialog, "ready_after", "")
        set_field(dialog, "require_prerequisites", True)
        await save(pilot)
        check = playlist_data(small_class)["check"]
        assert check == {"competencies": ["RP.1", "RP.2"], "require_prerequisites": True}
        assert numstat(small_class) == {RATIOS: (2, 2)}
        loads_clean(small_class)


async def test_duplicating_a_playlist_creates_a_new_file(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        screen = await curriculum(pilot)
        await select_row(pilot, screen, "playlist:ratios")
        await pilot.press("d")
        dialog = await form(pilot)
        assert dialog.query_one("#field-id", Input).value == "ratios-copy"
        set_field(dialog, "id", "ratios")
        await save(pilot)
        assert "already a playlist with the id 'ratios'" in error_of(dialog, "id")
        set_field(dialog, "id", "ratios-b")
        set_field(dialog, "title", "Ratios, group B")
        await save(pilot)
        assert numstat(small_class).keys() == {"playlists/ratios-b.toml"}
        loads_clean(small_class)
        playlists = load_class(small_class).data.playlists
        copy, original = playlists["ratios-b"], playlists["ratios"]
        assert copy.title == "Ratios, group B"
        assert copy.tiers == original.tiers and copy.check == original.check
        text = (small_class / "playlists/ratios-b.toml").read_text()
        assert text.startswith("# A copy of playlists/ratios.toml, made with playlist-tui")
        assert 'unlock = { mastered = "RP.1" }' in text  # written like the original
        assert screen.current_key() == "playlist:ratios-b"
        # The store never overwrites: the same file again is refused.
        with pytest.raises(OperationError, match="already exists"):
            ClassStore(small_class).apply(ops.CreateFile("playlists/ratios-b.toml", "x = 1\n"))


async def test_creating_a_playlist_from_scratch(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await curriculum(pilot)
        await pilot.press("n")
        dialog = await form(pilot)
        await pilot.press(*"Unit rates")
        set_field(dialog, "id", "unit-rates")
        set_field(dialog, "summary", "Prices, speeds and recipes.")
        set_field(dialog, "tiers", "core")
        await save(pilot)
        path = "playlists/unit-rates.toml"
        assert playlist_data(small_class, path) == {
            "id": "unit-rates", "title": "Unit rates", "summary": "Prices, speeds and recipes.",
            "tiers": [{"id": "core", "title": "Core"}, {"id": "practice", "title": "Practice"},
                      {"id": "challenge", "title": "Challenge", "complete": "optional"}]}
        loads_clean(small_class)
        # The editor of the new playlist opens by itself; add a first activity.
        editor = app.screen
        assert isinstance(editor, PlaylistEditor) and editor.playlist_id == "unit-rates"
        await pilot.press("a")
        dialog = await form(pilot)
        await pilot.press(*"Price per pound")
        await save(pilot)
        assert activity_ids(small_class, path) == [["price-per-pound"], [], []]
        loads_clean(small_class)


# --------------------------------------------------------------------------- frameworks


async def test_editing_the_scale_of_a_framework(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, "framework", "math6")
        await pilot.press("s")
        dialog = await form(pilot)
        # Cy has a decision at level 3: the scale cannot shrink below three levels.
        set_field(dialog, "levels", "Not yet\nMastered")
        await save(pilot)
        assert "decisions already use level 3" in error_of(dialog, "levels")
        set_field(dialog, "levels", "Emerging\nDeveloping\nProficient\nAdvanced")
        await pilot.pause()
        set_field(dialog, "mastered_at", 2)
        await save(pilot)
        scale = tomllib.loads((small_class / "frameworks/math6.toml").read_text())["scale"]
        assert scale == {"levels": ["Emerging", "Developing", "Proficient", "Advanced"],
                         "mastered_at": 2}
        assert numstat(small_class) == {"frameworks/math6.toml": (2, 2)}
        loads_clean(small_class)
        assert "Emerging" in str(editor.items.get_row("scale")[0])


async def test_adding_a_competency_with_a_prerequisite(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, "framework", "math6")
        await pilot.press("a")
        dialog = await form(pilot)
        await pilot.press(*"RP.3")
        set_field(dialog, "name", "Ratio reasoning")
        set_field(dialog, "statement", "Use ratio reasoning to solve problems.")
        set_field(dialog, "parent", "RP")
        dialog.set_ids("prerequisites", ("RP.2",))
        await save(pilot)
        data = tomllib.loads((small_class / "frameworks/math6.toml").read_text())
        assert data["competencies"][-1] == {
            "id": "RP.3", "name": "Ratio reasoning",
            "statement": "Use ratio reasoning to solve problems.", "parent": "RP",
            "prerequisites": ["RP.2"]}
        loads_clean(small_class)
        # A prerequisite loop is refused: RP.2 would need RP.3, which needs RP.2.
        await select_row(pilot, editor, "comp:RP.2")
        await pilot.press("enter")
        dialog = await form(pilot)
        dialog.set_ids("prerequisites", ("RP.1", "RP.3"))
        await save(pilot)
        assert "would be a loop" in error_of(dialog, "prerequisites")
        await pilot.press("escape")
        # Moving and removing a competency.
        await select_row(pilot, editor, "comp:RP.3")
        await pilot.press("shift+up")
        await settle(pilot)
        ids = [c["id"] for c in tomllib.loads(
            (small_class / "frameworks/math6.toml").read_text())["competencies"]]
        assert ids == ["RP", "RP.1", "RP.3", "RP.2"]
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert numstat(small_class) == {}


async def test_creating_a_framework_from_scratch(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await curriculum(pilot)
        await pilot.press("f")
        dialog = await form(pilot)
        await pilot.press(*"Expressions")
        set_field(dialog, "id", "math6-ee")
        set_field(dialog, "scale", "nym")
        await save(pilot)
        data = tomllib.loads((small_class / "frameworks/math6-ee.toml").read_text())
        assert data == {"id": "math6-ee", "title": "Expressions",
                        "scale": {"levels": ["Not yet", "Mastered"], "mastered_at": 2}}
        loads_clean(small_class)
        assert isinstance(app.screen, FrameworkEditor)


# --------------------------------------------------------------------------- problems, $EDITOR


async def test_the_problems_of_the_file_are_shown_with_their_place(small_class: Path) -> None:
    path = small_class / RATIOS
    path.write_text(path.read_text().replace('kind = "reading"', 'kind = "readnig"'))
    git(small_class, "commit", "-qam", "typo")
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        line = path.read_text().splitlines().index('kind = "readnig"') + 1
        shown = str(editor.query_one("#file-problems", Static).render())
        assert "1 problem in playlists/ratios.toml (1 error)" in shown
        assert f"✗ error  playlists/ratios.toml:{line}:1: tiers[1].activities[1].kind" in shown
        # The bad kind was left out (read as "other"); choosing it in the form fixes the
        # file, and the problem goes away as soon as the class is reloaded.
        await select_row(pilot, editor, "act:tape")
        await pilot.press("enter")
        dialog = await form(pilot)
        assert dialog.query_one("#field-kind", Select).value == "other"
        set_field(dialog, "kind", "reading")
        await save(pilot)
        assert numstat(small_class) == {RATIOS: (1, 1)}
        assert "✓ No problems in playlists/ratios.toml." in str(
            editor.query_one("#file-problems", Static).render())


async def test_the_text_editor_key_opens_the_file_and_the_app_reloads(
        small_class: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "fake-editor.py"
    script.write_text(
        "import pathlib, sys\n"
        "path = pathlib.Path(sys.argv[-1])\n"
        "text = path.read_text().replace('title = \"What is a ratio?\"', 'title = \"Ratios!\"')\n"
        "path.write_text(text + '# edited by hand\\n')\n")
    monkeypatch.setenv("EDITOR", shlex.join([sys.executable, str(script)]))
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        monkeypatch.setattr(type(app), "suspend", lambda self: _no_suspend())
        await pilot.press("e")
        await settle(pilot)
        assert (small_class / RATIOS).read_text().endswith("# edited by hand\n")
        assert app.screen is editor
        assert editor.title == "Edit: Ratios!"  # read again when the editor closed


@contextlib.contextmanager
def _no_suspend() -> Iterator[None]:
    yield


def test_move_and_edit_operations_keep_comments(small_class: Path) -> None:
    store = ClassStore(small_class)
    store.apply(ops.MoveItem(RATIOS, ("tiers", "more"), 1))
    text = (small_class / RATIOS).read_text()
    assert text.index('id = "stretch"') < text.index("# The practice tier") < text.index(
        'id = "more"')
    store.apply(ops.MoveItem(RATIOS, ("tiers", "more"), -1))
    assert numstat(small_class) == {}
    # A [check] table that is not there yet goes above the tiers.
    path = small_class / RATIOS
    path.write_text(path.read_text().replace(
        '[check]\ncompetencies = ["RP.1"]\nready_after = "core"\n\n', ""))
    git(small_class, "commit", "-qam", "no check")
    store.apply(ops.EditFields(RATIOS, ((("check", "competencies"), ["RP.1"]),)))
    text = path.read_text()
    assert text.index("[check]") < text.index("[[tiers]]")
    assert numstat(small_class) == {RATIOS: (3, 0)}
    git(small_class, "commit", "-qam", "check")
    # The only activity of a tier: moved out and back, then removed; no "activities = []".
    original = path.read_bytes()
    store.apply(ops.MoveItemTo(RATIOS, ("tiers", "stretch", "activities", "design"),
                               ("tiers", "more", "activities")))
    assert activity_ids(small_class)[1:] == [["tables", "tape", "recipe", "design"], []]
    store.apply(ops.MoveItemTo(RATIOS, ("tiers", "more", "activities", "design"),
                               ("tiers", "stretch", "activities")))
    assert path.read_bytes() == original
    store.apply(ops.RemoveElement(RATIOS, ("tiers", "stretch", "activities", "design")))
    assert numstat(small_class) == {RATIOS: (0, 7)}
    assert "activities = []" not in path.read_text()
    loads_clean(small_class)


def test_snapshot_playlist_editor(snap_compare: object, small_class: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        editor = await open_editor(pilot)
        await select_row(pilot, editor, "act:tables")
        await settle(pilot)

    app = app_for(small_class)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)  # type: ignore[operator]


async def test_the_picker_and_the_lists_work_with_the_mouse(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        await select_row(pilot, editor, "act:tape")
        await pilot.press("c")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, CompetencyPicker)
        await pilot.click("#choices", offset=(6, 1))  # the first competency: RP
        await pilot.pause()
        assert picker.chosen == ["RP"]
        await pilot.click("#done")
        await settle(pilot)
        assert playlist_data(small_class)["tiers"][1]["activities"][1]["competencies"] == [
            "RP"]


async def test_the_teachers_home_opens_the_curriculum(small_class: Path) -> None:
    app = app_for(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, CurriculumScreen)
        assert app.screen.current_key() == "framework:math6"  # the first item, not a heading
