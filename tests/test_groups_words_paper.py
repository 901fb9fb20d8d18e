"""Issue 15, items 10 (groups), 14 (data older than the first commit in the log), 15 (words)
and 16 (paper), and the screens that read decisions (only those that count)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import Input, OptionList, Static

from playlist_tui.store.loader import load_class
from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.groups import GroupsScreen, group_id
from playlist_tui.ui.screens.modals import GroupDialog
from tests.conftest import changes, diff_lines, git, screen_of
from tests.test_student_app import settle

SIZE = (80, 24)
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def teacher_app(folder: Path) -> PlaylistApp:
    return PlaylistApp(folder, role="teacher", person="lee", watch=False, clock=lambda: NOW)


def notes(app: PlaylistApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


# --------------------------------------------------------------------------- 10: groups


def test_a_group_id_is_whole_words_with_a_stable_suffix_when_taken() -> None:
    name = "Not yet on MATH.6.RP.2: needs re-teaching before Friday"
    ident = group_id(name, set())
    assert ident == "not-yet-on-math-6-rp-2-needs-re-teaching"  # not "...re-teachin"
    assert len(ident) <= 40
    taken = group_id(name, {ident})
    assert taken.startswith(ident + "-") and len(taken) == len(ident) + 5
    assert group_id(name, {ident}) == taken  # stable
    assert group_id("Chloé's table", set()) == "chloe-s-table"
    assert group_id("!!!", set()) == "group"


async def open_groups(pilot: object) -> GroupsScreen:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("s")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, GroupsScreen)
    return screen


async def type_name(pilot: object, name: str) -> None:
    dialog = pilot.app.screen  # type: ignore[attr-defined]
    dialog.query_one("#name", Input).value = name
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_a_suggestion_is_saved_only_with_a_name_and_only_once(small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_groups(pilot)
        first = str(screen.query_one("#suggestions", OptionList).get_option_at_index(0).prompt)
        # The count is beside the reason, not in it (a saved name would carry it stale).
        assert first.startswith("Working on tier Should do of What is a ratio? · 2 students")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GroupDialog)
        await pilot.press("enter")  # no name: not saved, and said why
        await settle(pilot)
        assert isinstance(app.screen, GroupDialog)
        assert "needs a name" in str(app.screen.query_one("#name-error", Static).render())
        assert changes(small_class) == {}
        await type_name(pilot, "Table 1")  # the name of another group: refused
        assert isinstance(app.screen, GroupDialog)
        assert "already a group named 'Table 1'" in str(
            app.screen.query_one("#name-error", Static).render())
        await type_name(pilot, "Should do, ratio tables")
        assert screen_of(app) is screen
        assert changes(small_class) == {"class.toml": (5, 0)}, notes(app)
        assert '+id = "should-do-ratio-tables"' in diff_lines(small_class)
        git(small_class, "commit", "-qam", "saved")
        # The same students again: refused, naming the group they already are.
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(app) is screen
        assert any("already the group 'Should do, ratio tables'" in n for n in notes(app))
        assert changes(small_class) == {}
    group = load_class(small_class).data.groups["should-do-ratio-tables"]
    assert (group.name, group.members) == ("Should do, ratio tables", ("ben", "cy"))


async def test_groups_are_made_renamed_edited_and_deleted_by_hand(small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_groups(pilot)
        groups = screen.query_one("#groups", OptionList)
        assert str(groups.get_option_at_index(0).prompt).startswith(
            "Table 1 (table-1) · 2 students")
        # n: a new group, its members marked in the list of students
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, GroupDialog)
        dialog.query_one("#members").select("cy")  # type: ignore[attr-defined]
        await type_name(pilot, "Reading buddies")
        assert changes(small_class) == {"class.toml": (5, 0)}, notes(app)
        git(small_class, "commit", "-qam", "made")
        # r: rename the highlighted group (table-1): one line, the id stays
        groups.focus()
        groups.highlighted = 0
        await pilot.press("r")
        await settle(pilot)
        await type_name(pilot, "Front table")
        assert diff_lines(small_class) == ['-name = "Table 1"', '+name = "Front table"']
        git(small_class, "commit", "-qam", "renamed")
        # e: members (ben leaves, cy joins): the members line only
        await pilot.press("e")
        await settle(pilot)
        members = app.screen.query_one("#members")
        members.deselect("ben")  # type: ignore[attr-defined]
        members.select("cy")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert diff_lines(small_class) == ['-members = ["ana", "ben"]',
                                           '+members = ["ana", "cy"]']
        git(small_class, "commit", "-qam", "edited")
        # x: delete, after a yes
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert changes(small_class) == {"class.toml": (0, 5)}, notes(app)
    data = load_class(small_class).data
    assert list(data.groups) == ["reading-buddies"]
    assert data.groups["reading-buddies"].members == ("cy",)


# --------------------------------------------------------------------------- decisions


def test_the_students_screens_show_only_decisions_that_count(small_class: Path) -> None:
    from playlist_tui.ui.screens.student_home import new_feedback

    path = small_class / "students/cy/teacher.toml"
    path.write_text(path.read_text() + (
        'd-20261023-110000 = { request = "rq-20261022-100000", result = "not-yet", '
        'feedback = "Two of five.", supersedes = "d-20261023-100000", by = "lee", '
        "at = 2026-10-23T11:00:00Z }\n"
        'd-20261023-120000 = { supersedes = "d-20261023-110000", withdrawn = true, '
        'by = "lee", at = 2026-10-23T12:00:00Z }\n'))
    data = load_class(small_class).data
    # the first decision was corrected, the correction withdrawn: nothing to show
    assert new_feedback(data, "cy") == []



# --------------------------------------------------------------------------- 14: log


def test_log_does_not_credit_the_first_committer_with_what_was_there(
        small_class: Path, capsys: object) -> None:
    from playlist_tui.cli import main

    assert main(["log", str(small_class)]) == 0
    out = capsys.readouterr().out.splitlines()  # type: ignore[attr-defined]
    # the fixture's first commit is made by "Test": nothing is said to be theirs
    assert not [line for line in out if "Test:" in line]
    assert "Ana Souza set a goal" in "\n".join(out)
    assert next(line for line in out if "goal" in line).split("  ", 1)[1].startswith(
        "Already there when the class folder was first committed (")


# --------------------------------------------------------------------------- 15: words


def test_counts_say_their_plural_right() -> None:
    from playlist_tui.engine.progress import counted, of_total

    assert [counted(n, "playlist") for n in (0, 1, 2)] == [
        "0 playlists", "1 playlist", "2 playlists"]
    assert counted(1, "problem") == "1 problem"
    assert counted(3, "activity") == "3 activities"
    assert counted(2, "day") == "2 days"
    assert of_total(1, 1, "playlist") == "1 of 1 playlist"
    assert of_total(0, 12, "competency") == "0 of 12 competencies"


def test_the_roster_command_says_members_right(small_class: Path,
                                               capsys: object) -> None:
    from playlist_tui.cli import main

    (small_class / "class.toml").write_text((small_class / "class.toml").read_text().replace(
        'members = ["ana", "ben"]', 'members = ["ana"]'))
    assert main(["roster", "list", "-C", str(small_class)]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "1 member:" in out and "1 members" not in out


def test_a_title_is_cut_between_words() -> None:
    from playlist_tui.ui.format import shorten

    assert shorten("Class discussion about fair shares", 20) == "Class discussion…"
    assert shorten("Short", 20) == "Short"
    assert shorten("Supercalifragilistic", 10) == "Supercali…"
    assert len(shorten("Class discussion about fair shares", 20)) <= 20


async def test_help_lists_each_key_once(small_class: Path) -> None:
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = str(app.screen.query_one(Static).render())
    helps = [line for line in text.splitlines() if line.strip().endswith(" Help")]
    assert len(helps) == 1, text


async def test_the_kind_of_an_activity_is_never_cut_at_80_columns(small_class: Path) -> None:
    from textual.widgets import DataTable

    path = small_class / "playlists/ratios.toml"
    path.write_text(path.read_text().replace('kind = "reading"', 'kind = "discussion"'))
    git(small_class, "commit", "-qam", "a discussion")
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#activities", DataTable)
        kinds = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        widths = {c.key.value: c.get_render_width(table) for c in table.columns.values()}
    assert "discussion" in kinds
    assert widths["kind"] >= len("discussion")


def test_the_default_report_is_readable_at_80_columns(capsys: object) -> None:
    from playlist_tui.cli import main
    from tests.conftest import DEMO

    assert main(["report", str(DEMO)]) == 0  # captured: rich's width is 80
    out = capsys.readouterr().out.splitlines()  # type: ignore[attr-defined]
    assert all(len(line) <= 80 for line in out if not line.startswith("  ")), out[:5]
    assert not [line for line in out if line.strip() and set(line.strip()) <= set("┃ …%")]
    text = "\n".join(out)
    assert "Aisha Bello (aisha-bello)" in text
    assert "MATH.6.RP.1 4 Extending" in text  # a column's name and value, whole
    assert main(["report", str(DEMO), "--by", "playlist"]) == 0
    table = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "┃ playlist" in table and "average %" in table  # fits: still a table


def test_a_student_sees_every_competency_of_their_playlists() -> None:
    from playlist_tui.engine.progress import playlist_competencies
    from playlist_tui.model.files import Playlist

    playlist = Playlist.model_validate({
        "id": "p", "title": "P", "check": {"competencies": ["a"]},
        "tiers": [{"id": "t1", "title": "T1", "activities": [
                      {"id": "x", "title": "X", "competencies": ["b", "a"]}]},
                  {"id": "t2", "title": "T2", "unlock": {"mastered": "c"},
                   "activities": [{"id": "y", "title": "Y"}]}]})
    assert playlist_competencies(playlist) == ["a", "b", "c"]


# --------------------------------------------------------------------------- 16: paper


def test_the_path_says_its_required_time_and_the_optional_apart(small_class: Path) -> None:
    from playlist_tui.reports import printable

    data = load_class(small_class).data
    ratios = data.playlists["ratios"]
    # Must do: 8 + 20; Should do, choose 2 of 15, 10, 30: at least 15 + 10; the rest
    # (30, and the optional Aspire tier's 45) is optional.
    assert printable.path_minutes(ratios) == (53, 75)
    assert printable.minutes_words(ratios) == "about 53 minutes required, 75 more optional"
    assert "about 53 minutes required, 75 more optional" in printable.to_html(data, ratios)
    assert "Time: about 53 minutes required" in printable.to_markdown(data, ratios)
    assert "in all" not in printable.to_html(data, ratios)


def test_print_makes_a_poster(small_class: Path, tmp_path: Path) -> None:
    from playlist_tui.cli import main

    out = tmp_path / "poster.html"
    assert main(["print", "ratios", str(small_class), "--layout", "poster", "-o",
                 str(out)]) == 0
    html = out.read_text()
    assert "@page { size: A3 landscape; margin: 12mm; }" in html
    assert "main.poster h1 { font-size: 40pt; }" in html  # large type
    assert "min-height: 273mm" in html  # the tiers fill the page's height
    assert '<p class="time"><strong>Time:</strong> about 53 minutes required, 75 more ' \
        "optional</p>" in html
    assert main(["print", "ratios", str(small_class), "--layout", "poster", "--paper",
                 "letter", "-o", str(out)]) == 0
    assert "size: letter landscape" in out.read_text()
    assert main(["print", "ratios", str(small_class), "--layout", "poster", "--format",
                 "md"]) == 2


def test_the_poster_prints_on_one_a3_landscape_page(small_class: Path, tmp_path: Path) -> None:
    import re
    import shutil
    import subprocess

    import pytest

    from playlist_tui.cli import main

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium to print with")
    html, pdf = tmp_path / "poster.html", tmp_path / "poster.pdf"
    assert main(["print", "ratios", str(small_class), "--layout", "poster", "-o",
                 str(html)]) == 0
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()],
                   capture_output=True, timeout=120, check=True)
    data = pdf.read_bytes()
    pages = re.findall(rb"/Type\s*/Page\b", data)
    boxes = {tuple(round(float(v)) for v in box.split())
             for box in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+ [\d.]+)\s*\]", data)}
    assert len(pages) == 1
    assert boxes == {(1191, 842)}  # A3 landscape, in points
