"""Issue 15, the teacher's side of the everyday loop: a slip can be put right (decisions
corrected or withdrawn, append-only; the queue asks before deciding a request the
highlight jumped to), "not yet" says what to do, the dashboard counts students who never
opened the app, suggested groups, the dialogs at 80x24, the words of commits and history,
the printed poster."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from textual.geometry import Region
from textual.widgets import DataTable, Static

from playlist_tui.engine.mastery import counted_decisions, pending_requests, statuses
from playlist_tui.model.files import Decision, Result, TeacherFile
from playlist_tui.store import ops
from playlist_tui.store.loader import load_class
from playlist_tui.store.store import ClassStore
from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.modals import DecisionDialog
from playlist_tui.ui.screens.queue import AskFirst, QueueScreen, queue_items
from playlist_tui.ui.screens.student_detail import StudentDetailScreen
from tests.conftest import changes as numstat
from tests.conftest import diff_lines, git, screen_of
from tests.test_student_app import settle

SIZE = (80, 24)
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CY_DECISION = "d-20261023-100000"
CY_REQUEST = "rq-20261022-100000"


def teacher_app(folder: Path) -> PlaylistApp:
    return PlaylistApp(folder, role="teacher", person="lee", watch=False, clock=lambda: NOW)


def teacher_lines(folder: Path, student: str) -> dict[str, dict[str, object]]:
    text = (folder / f"students/{student}/teacher.toml").read_text()
    return dict(tomllib.loads(text)["decisions"])


def ana_asks(folder: Path) -> None:
    path = folder / "students/ana/student.toml"
    path.write_text(path.read_text() + "\n[requests]\nrq-20261105-100000 = { competency = "
                    '"RP.1", at = 2026-11-05T10:00:00Z }\n')
    git(folder, "commit", "-qam", "ana asks")


# --------------------------------------------------------------------------- 4: the rules


def test_a_correction_counts_instead_of_the_decision_it_supersedes(small_class: Path) -> None:
    store = ClassStore(small_class)
    store.apply(ops.RecordDecision(
        student="cy", request=CY_REQUEST, result=Result.NOT_YET, level=2,
        feedback="Only two of five.", by="lee", supersedes=CY_DECISION,
        at=datetime(2026, 10, 23, 11, tzinfo=UTC)))
    # One new line; the decision it corrects is still there, unchanged.
    assert diff_lines(small_class) == [
        '+d-20261023-110000 = { request = "rq-20261022-100000", result = "not-yet", '
        'level = 2, feedback = "Only two of five.", supersedes = "d-20261023-100000", '
        'by = "lee", at = 2026-10-23T11:00:00Z }']
    data = load_class(small_class).data
    record = data.record("cy")
    assert list(counted_decisions(record)) == ["d-20261023-110000"]
    status = statuses(data, "cy", ["RP.1"])["RP.1"]
    assert (status.state.value, status.level) == ("not-yet", 2)
    assert pending_requests(record) == []


def test_a_withdrawal_puts_the_request_back_in_the_queue(small_class: Path) -> None:
    ClassStore(small_class).apply(ops.RecordDecision(
        student="cy", request=CY_REQUEST, result=None, withdrawn=True, by="lee",
        supersedes=CY_DECISION, at=datetime(2026, 10, 23, 11, tzinfo=UTC)))
    assert diff_lines(small_class) == [
        '+d-20261023-110000 = { request = "rq-20261022-100000", '
        'supersedes = "d-20261023-100000", withdrawn = true, by = "lee", '
        'at = 2026-10-23T11:00:00Z }']
    result = load_class(small_class)
    assert result.problems == []
    data = result.data
    assert counted_decisions(data.record("cy")) == {}
    assert statuses(data, "cy", ["RP.1"])["RP.1"].state.value == "pending"
    assert ("cy", CY_REQUEST) in [(sid, rid) for sid, rid, _ in queue_items(data)]


def test_decision_fields_are_checked_with_clear_words() -> None:
    at = datetime(2026, 10, 23, tzinfo=UTC)
    with pytest.raises(ValidationError, match="supersedes"):
        Decision.model_validate({"withdrawn": True, "by": "lee", "at": at})
    with pytest.raises(ValidationError, match='result = "mastered"'):
        Decision.model_validate({"request": "rq-1", "by": "lee", "at": at})
    # A correction may name only the decision it corrects.
    TeacherFile.model_validate({"decisions": {"d-2": {
        "supersedes": "d-1", "result": "mastered", "by": "lee", "at": at}}})


def test_an_unknown_superseded_decision_is_a_problem(small_class: Path) -> None:
    path = small_class / "students/cy/teacher.toml"
    path.write_text(path.read_text() + 'd-2 = { supersedes = "d-20261023-10000", '
                    'withdrawn = true, by = "lee", at = 2026-10-24T10:00:00Z }\n')
    problems = load_class(small_class).problems
    assert [(p.path, p.message) for p in problems] == [
        ("students/cy/teacher.toml", "unknown decision 'd-20261023-10000'")]
    assert "did you mean 'd-20261023-100000'?" in problems[0].hint


# --------------------------------------------------------------------------- 4: the queue


async def test_the_queue_asks_before_deciding_the_row_the_highlight_jumped_to(
        small_class: Path) -> None:
    ana_asks(small_class)  # the queue: Ben (4 Nov), then Ana (5 Nov)
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        await pilot.press("down")  # Ana, the last row
        await pilot.press("m", *"Well shown.", "ctrl+s")
        await settle(pilot)
        assert numstat(small_class) == {"students/ana/teacher.toml": (4, 0)}
        table = queue.query_one("#queue", DataTable)
        assert table.row_count == 1  # the highlight is now on Ben's request
        work = str(queue.query_one("#work", Static).render())
        assert "The request you were on is gone" in work
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, AskFirst)
        assert "Decide not yet for Ben Okafor on RP.1?" in str(
            app.screen.query_one(".dialog-title").render())
        await pilot.press("n")  # not now
        await settle(pilot)
        assert screen_of(app) is queue
        await pilot.press("n")  # still asks: the teacher has not chosen this row
        await settle(pilot)
        assert isinstance(app.screen, AskFirst)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, DecisionDialog)
        await pilot.press(*"Show one table.", "ctrl+s")
        await settle(pilot)
        assert table.row_count == 0
    lines = teacher_lines(small_class, "ben")
    assert [v["result"] for v in lines.values()] == ["not-yet"]


async def test_the_queue_goes_on_to_the_next_in_line_without_asking(small_class: Path) -> None:
    ana_asks(small_class)
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("m", *"Good.", "ctrl+s")  # Ben, the first row
        await settle(pilot)
        await pilot.press("n")  # Ana: next in line, her evidence on screen
        await settle(pilot)
        assert isinstance(app.screen, DecisionDialog)


async def test_moving_onto_the_row_again_is_a_choice(small_class: Path) -> None:
    ana_asks(small_class)
    cy = small_class / "students/cy/student.toml"
    cy.write_text(cy.read_text().replace(
        "[requests]\n", '[requests]\nrq-20261106-100000 = { competency = "RP.1", '
        "at = 2026-11-06T10:00:00Z }\n"))
    git(small_class, "commit", "-qam", "cy asks")
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("down", "down")  # Cy, the last of three
        await pilot.press("m", *"Good.", "ctrl+s")
        await settle(pilot)
        await pilot.press("up", "down")  # the teacher looks at Ben, then back at Ana
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, DecisionDialog)


# --------------------------------------------------------------------------- 5: not yet


async def test_not_yet_needs_feedback_or_next_steps(small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("n", "ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DecisionDialog)  # not saved: still open
        notes = [str(n.message) for n in app._notifications]
        assert any("needs feedback or next steps" in n for n in notes), notes
        assert numstat(small_class) == {}
        await pilot.press("tab", *"Redo the ratio tables.", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, DecisionDialog)
    (line,) = teacher_lines(small_class, "ben").values()
    assert line["next_steps"] == "Redo the ratio tables." and "feedback" not in line


# --------------------------------------------------------------------------- 4: correcting


async def test_a_decision_is_corrected_then_withdrawn_from_the_student_page(
        small_class: Path) -> None:
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # Cy: mastered RP.1 on 23 Oct
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, StudentDetailScreen) and detail.student == "cy"
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("enter")  # the only decision
        await settle(pilot)
        await pilot.press("down", "enter")  # change it to not yet
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DecisionDialog)
        await pilot.press("ctrl+s")  # the result changed: the words start empty
        await settle(pilot)
        assert app.screen is dialog  # "not yet" needs feedback or next steps
        await pilot.press(*"Label the parts of the diagram.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert numstat(small_class) == {"students/cy/teacher.toml": (1, 0)}
        text = str(detail.query_one("#detail", Static).render())
        assert "✗ RP.1" in text
        assert "mastered: Clear explanation with a tape diagram.  [corrected on" in text
        assert "not yet: Label the parts of the diagram. (a correction)" in text
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("enter")  # now the only decision that counts: the correction
        await settle(pilot)
        await pilot.press("down", "down", "enter", "y")  # withdraw it, yes
        await settle(pilot)
        text = str(detail.query_one("#detail", Static).render())
        assert "… RP.1" in text and "withdrew the decision of" in text
    lines = list(teacher_lines(small_class, "cy").values())
    assert len(lines) == 3  # nothing rewritten
    assert lines[0]["result"] == "mastered"
    assert lines[1]["supersedes"] == CY_DECISION and lines[1]["result"] == "not-yet"
    assert lines[2]["withdrawn"] is True and "result" not in lines[2]
    data = load_class(small_class).data
    assert ("cy", CY_REQUEST) in [(sid, rid) for sid, rid, _ in queue_items(data)]


# --------------------------------------------------------------------------- 9: no folder yet


def add_dee(folder: Path) -> None:
    """Dee is on the roster (so the playlist is hers too) but has never opened the app."""
    path = folder / "class.toml"
    path.write_text(path.read_text().replace(
        "[[groups]]", '[[students]]\nid = "dee"\nname = "Dee Rao"\n\n[[groups]]', 1))
    git(folder, "commit", "-qam", "dee joins")


def test_class_stats_count_a_student_without_a_folder(small_class: Path) -> None:
    from playlist_tui.engine.classstats import playlist_summary, stuck

    add_dee(small_class)
    data = load_class(small_class).data
    assert "dee" not in data.records
    summary = playlist_summary(data, "ratios")
    # Ana has ticked one activity: Dee is the only one not started.
    assert (summary.assigned, summary.not_started) == (4, 1)
    assert "dee" in [r.student for r in stuck(data, NOW) if r.kind == "idle"]


async def test_the_dashboard_counts_assigned_students_without_a_folder(
        small_class: Path) -> None:
    from playlist_tui.ui.grid import Grid
    from tests.test_app import rows

    add_dee(small_class)
    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        # Ana 25 %, Ben 50 %, Cy 50 %, Dee 0 %: average 31 %.
        assert rows(app.screen.query_one("#grid", Grid)) == [
            ["What is a ratio?", "4", "1", "3", "0", "31"]]
        legend = str(app.screen.query_one("#legend", Static).render())
        assert "Dee Rao has not ticked an activity or asked for a check yet" in legend


# --------------------------------------------------------------------------- 13: words


def test_a_decision_is_summed_up_by_name_and_competency() -> None:
    from playlist_tui.store.gitrepo import commit_message

    op = ops.RecordDecision(student="mateo-silva", request="rq-20261205-101535",
                            result=Result.NOT_YET, by="lee", student_name="Mateo Silva",
                            about="MATH.6.RP.3a", next_steps="Redo it.")
    assert commit_message("Ms. Lee", [op.summary]) == \
        "Ms. Lee: Mateo Silva, not yet on MATH.6.RP.3a"
    corrected = ops.RecordDecision(student="mateo-silva", result=Result.MASTERED, by="lee",
                                   supersedes="d-1", student_name="Mateo Silva",
                                   about="MATH.6.RP.3a")
    assert corrected.summary == "Mateo Silva, corrected to mastered on MATH.6.RP.3a"
    withdrawn = ops.RecordDecision(student="mateo-silva", result=None, withdrawn=True,
                                   by="lee", supersedes="d-1", student_name="Mateo Silva",
                                   about="MATH.6.RP.3a")
    assert withdrawn.summary == "Mateo Silva, took back the decision on MATH.6.RP.3a"
    # The adjustment does not say the teacher twice ("ms-garcia: ms-garcia adjusted").
    adjust = ops.SetAdjustment("ana", "ratios", note="x", by="ms-garcia",
                               student_name="Ana Souza", playlist_title="Ratios")
    assert commit_message("Ms. Garcia", [adjust.summary]) == \
        "Ms. Garcia: Ana Souza, adjusted Ratios"


def test_a_commit_message_says_a_re_tick_once_and_never_just_a_count() -> None:
    from playlist_tui.store.gitrepo import commit_message

    assert commit_message("kwame-mensah", ["unticked ratios/video", "ticked ratios/video"]) \
        == "kwame-mensah: ticked ratios/video again"
    assert commit_message("ana", ["ticked ratios/video", "unticked ratios/video"]) \
        == "ana: ticked and unticked ratios/video"
    long = "wrote a note on a-playlist-with-a-very-long-id/an-activity-with-a-long-id-too"
    message = commit_message("kwame-mensah", [long, "requested a check on RP.1"])
    subject, _, body = message.partition("\n\n")
    assert subject.startswith("kwame-mensah: wrote a note on a-playlist")
    assert subject.endswith("… and 1 more") and len(subject) <= 72
    assert body.splitlines() == [f"- {long}", "- requested a check on RP.1"]


async def test_the_queue_commits_the_decision_in_words(small_class: Path) -> None:
    from tests.test_app_git import fast, wait_commits

    app = fast(teacher_app(small_class))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("n", *"Label the columns.", "ctrl+s")
        subjects = await wait_commits(pilot, small_class, 2)
    # (the actor is the app's to name: ui/app.py passes the teacher's id today)
    assert subjects[0].endswith(": Ben Okafor, not yet on RP.1"), subjects


# --------------------------------------------------------------------------- 11: dialogs


async def test_a_space_in_the_picker_filter_separates_words(small_class: Path) -> None:
    from textual.widgets import Input

    from playlist_tui.ui.screens.pickers import CompetencyPicker
    from tests.test_authoring import SIZE as EDITOR_SIZE
    from tests.test_authoring import app_for, open_editor, select_row

    app = app_for(small_class)
    async with app.run_test(size=EDITOR_SIZE) as pilot:
        editor = await open_editor(pilot)
        await select_row(pilot, editor, "act:tape")
        await pilot.press("c")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, CompetencyPicker)
        before = list(picker.chosen)
        await pilot.press(*"ratio")
        await pilot.pause()
        assert len(picker.shown) > 1
        await pilot.press("space", *"lang")  # "Ratio language": a filter of two words
        await pilot.pause()
        assert picker.query_one("#filter", Input).value == "ratio lang"
        assert picker.chosen == before  # nothing linked behind the teacher's back
        assert picker.shown == ["RP.1"]
        await pilot.press("space")  # one shown: space links it
        assert picker.chosen == [*before, "RP.1"]
        await pilot.press(*["backspace"] * 10, "down", "space")  # moved: space links
        assert len(picker.chosen) == len(before) + 2


async def open_adjust(pilot: object, app: PlaylistApp) -> object:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]  # Ana
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("j", "enter")  # type: ignore[attr-defined]  # the only playlist
    await settle(pilot)  # type: ignore[arg-type]
    return app.screen


def on_screen(widget: object, size: tuple[int, int] = SIZE) -> bool:
    region: Region = widget.region  # type: ignore[attr-defined]
    return region.height > 0 and region.bottom <= size[1] - 1 and region.right <= size[0]


async def test_the_adjust_dialog_marks_boxes_offers_optional_tiers_and_fits(
        small_class: Path) -> None:
    from textual.widgets import Button, Input

    from playlist_tui.ui.screens.modals import AdjustDialog, MarkedList

    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_adjust(pilot, app)
        assert isinstance(dialog, AdjustDialog)
        skip = dialog.query_one("#skip", MarkedList)
        add = dialog.query_one("#add", MarkedList)
        # Add: the activities of "choose 2" and optional tiers, not Must do's.
        assert [add.get_option_at_index(i).value for i in range(add.option_count)] == [
            "tables", "tape", "recipe", "design"]
        assert skip.option_count == 6
        skip.focus()
        await pilot.press("space")  # mark the first: the video
        await pilot.pause()
        assert skip.selected == ["video"]
        marked, plain = skip.render_line(0).text, skip.render_line(1).text
        assert "x" in marked[:3] and "x" not in plain[:3], (marked, plain)
        # Everything is on an 80x24 screen (the fields scroll inside the dialog).
        assert on_screen(dialog.query_one("#save", Button))
        dialog.query_one("#note", Input).focus()
        await pilot.pause()
        assert on_screen(dialog.query_one("#note", Input))
        await pilot.press(*"Extra time", "ctrl+s")
        await settle(pilot)
    text = (small_class / "students/ana/teacher.toml").read_text()
    assert 'ratios = { skip = ["video"], note = "Extra time" }' in text


async def test_the_decision_dialog_fits_80x24(small_class: Path) -> None:
    from textual.widgets import Button, Input

    app = teacher_app(small_class)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w", "n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DecisionDialog)
        for button in dialog.query(Button):
            assert on_screen(button), button.id
        assert on_screen(dialog.query_one("#next", Input))


def test_snapshot_adjust_dialog(snap_compare: object, small_copy: Path) -> None:
    from tests.test_app import _before

    assert snap_compare(teacher_app(small_copy), terminal_size=SIZE,  # type: ignore[operator]
                        run_before=_before("enter", "j", "enter"))


def test_snapshot_decision_dialog(snap_compare: object, small_copy: Path) -> None:
    from tests.test_app import _before

    assert snap_compare(teacher_app(small_copy), terminal_size=SIZE,  # type: ignore[operator]
                        run_before=_before("w", "n"))
