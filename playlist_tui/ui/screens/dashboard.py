"""The teacher's home: the class at a glance.

Two views (``v`` switches): a grid of students by competencies (symbol and level, so
nothing depends on colour; the cell under the cursor is also said in words below), and
per-playlist progress with who is stuck. Filters by group (``g``) and playlist (``f``).
``w`` opens the queue of mastery checks, ``enter`` one student.

Built for 5,000 students: the grid (:class:`~playlist_tui.ui.grid.Grid`) makes only the
rows on screen, and what needs the whole class (checks waiting, playlist progress, who is
stuck) is counted in a worker thread, student by student, without keeping their records
(:meth:`ClassData.in_passing`); the screen shows "counting…" until then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, overload

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from playlist_tui.engine.classstats import StuckReason, stuck
from playlist_tui.engine.mastery import WORD, State, pending_requests, state_of, statuses
from playlist_tui.engine.progress import playlist_competencies, playlist_progress
from playlist_tui.model.klass import ClassData, Records
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line
from playlist_tui.session.tallies import Tally
from playlist_tui.session.views import PlaylistTally
from playlist_tui.ui.grid import Column, Grid
from playlist_tui.ui.messages import KeepOpening
from playlist_tui.ui.screens import homekeys
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.queue import Clock

LEGEND = "✔ mastered  ✗ not yet  … pending  · not started  (number = level)"
COUNTING = "…"


def cell_text(state: State, level: int | None) -> str:
    symbol = {State.MASTERED: "✔", State.NOT_YET: "✗", State.PENDING: "…",
              State.NOT_STARTED: "·"}[state]
    return f"{symbol}{level}" if level and state in (State.MASTERED, State.NOT_YET) else symbol


class Row(Sequence[str]):
    """One student's cells, each made when first drawn (a screen shows a few dozen of a
    row's hundreds of competencies)."""

    __slots__ = ("competencies", "made", "state")

    def __init__(self, state: Callable[[str], tuple[State, int | None]],
                 competencies: list[str]) -> None:
        self.state = state
        self.competencies = competencies
        self.made: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.competencies)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        text = self.made.get(index)
        if text is None:
            text = self.made[index] = cell_text(*self.state(self.competencies[index]))
        return text


def students_of(data: ClassData, group: str | None, playlist: str | None) -> list[str]:
    """The students the grid shows with these filters, in the roster's order."""
    ids = [s.id for s in data.info.students]
    if group is not None and group in data.groups:
        members = set(data.groups[group].members)
        ids = [s for s in ids if s in members]
    if playlist is not None:
        assigned = set(data.assignees(playlist))
        ids = [s for s in ids if s in assigned]
    return ids


def named_rows(data: ClassData, students: list[str]) -> list[tuple[str, str]]:
    """The grid's rows: each student's id and roster name (the id if not in the roster)."""
    names = data.students
    return [(sid, names[sid].name if sid in names else sid) for sid in students]


def competencies_of(data: ClassData, playlist: str | None) -> list[str]:
    """The grid's competencies: those of the playlist chosen (or of every playlist)."""
    chosen = data.playlists.get(playlist or "")
    playlists = [chosen] if chosen is not None else list(data.playlists.values())
    out: dict[str, None] = {}
    for found in playlists:
        for competency in playlist_competencies(found):
            if competency in data.competencies:
                out.setdefault(competency)
    return list(out)


def columns_of(competencies: list[str]) -> list[Column]:
    columns = []
    for competency in competencies:
        short = competency.rsplit(".", 2)
        label = ".".join(short[-2:]) if len(short) > 1 else competency
        columns.append(Column(competency, label, max(4, len(label))))
    return columns


def filters_words(data: ClassData, group: str | None, playlist: str | None,
                  view: str) -> str:
    found_group = data.groups.get(group or "")
    group_name = found_group.name if found_group is not None else "everyone"
    chosen = data.playlists.get(playlist or "")
    title = chosen.title if chosen is not None else "all playlists"
    shown = "competencies" if view == "grid" else "playlists"
    return safe_line(f"Group: {group_name} (g) · Playlist: {title} (f) · View: {shown} (v)")


def waiting_words(data: ClassData, teacher: str, summary: Summary | None) -> str:
    """The dashboard's sub-title: the teacher and the checks waiting in the class."""
    found = data.teachers.get(teacher)
    name = found.name if found else teacher
    if summary is None:
        return f"{name} · counting checks waiting (w)"
    waiting = summary.waiting
    return f"{name} · {waiting} check{'s' if waiting != 1 else ''} waiting (w)"


def cursor_words(data: ClassData, sid: str | None, competency: str | None,
                 any_rows: bool) -> str:
    """The cell under the cursor in words (the grid itself is symbols)."""
    if sid is None:
        return "No student here." if not any_rows else ""
    if competency is None:
        return "These playlists name no competency."
    status = statuses(data, sid, [competency])[competency]
    found = data.competencies.get(competency)
    name = data.students[sid].name if sid in data.students else sid
    return f"{name} · {competency}: {WORD[status.state]}" + \
        (f" ({status.level_name})" if status.level_name else "") + \
        (f" · {found.label}" if found else "")


def record_cells(data: ClassData) -> Mapping[str, object]:
    """Each student's record cell: the same object as long as their files are unchanged
    (empty if the class was not loaded through the store)."""
    records = data.records
    return records.cells if isinstance(records, Records) else {}


@dataclass
class Summary:
    """What needs the whole class, counted in a worker."""

    key: tuple[object, ...]
    waiting: int = 0
    playlists: dict[str, PlaylistTally] = field(default_factory=dict)
    """playlist id -> how its assignees are doing (session.views)"""
    stuck: list[StuckReason] = field(default_factory=list)
    with_playlists: bool = False
    data: ClassData | None = None
    """The class counted (the key holds its id only)."""


class DashboardScreen(DataScreen):
    home = True
    BINDINGS: ClassVar[list[BindingType]] = homekeys.DASHBOARD
    YIELD_EVERY = 25
    """Students counted between two pauses that let the screen answer keys at once."""
    AHEAD = 60
    """Students of the next group whose records are made ahead (more than a screen)."""
    RECOUNT_HERE = 20
    """Up to this many students with changed files are counted again at once, here."""

    def __init__(self, data: ClassData, problems: list[Problem], teacher: str,
                 clock: Clock, tally: Callable[[ClassData], Tally | None] | None = None
                 ) -> None:
        super().__init__(data, problems)
        self.teacher = teacher
        self.clock = clock
        # The numbers of requests waiting kept from earlier runs, per student, for a
        # version of the class (ClassSession.pending_tally): the whole class is counted
        # without making every student's records while their files are the same.
        self.tally = tally
        self.group: str | None = None
        self.playlist: str | None = None
        self.view = "grid"
        self.summary: Summary | None = None
        # What the grid shows now: its columns and each student's record cell, so that
        # new data re-makes only the rows of students whose files changed.
        self._shown: tuple[list[str], Mapping[str, object]] | None = None
        self._layout: tuple[tuple[object, ...], tuple[
            list[str], list[Column], list[tuple[str, str]]]] | None = None
        # Student id -> (record cell, pending requests) of the last count.
        self._pending: dict[str, tuple[object, int]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="dashboard"):
            yield Static("", id="filters", markup=False)
            yield Grid("Student", id="grid")
            yield Static("", id="cursor-words", markup=False)
            yield Static("", id="legend", markup=False)
        yield Footer(compact=True)

    # ------------------------------------------------------------------ data
    def students(self) -> list[str]:
        return students_of(self.data, self.group, self.playlist)

    def competencies(self) -> list[str]:
        return competencies_of(self.data, self.playlist)

    def summary_key(self) -> tuple[object, ...]:
        """What the counts depend on: the data, and the filters in the playlists view (the
        grid's one count, the checks waiting, is the whole class's)."""
        if self.view == "playlists":
            return (id(self.data), True, self.group, self.playlist)
        return (id(self.data), False, None, None)

    def refresh_view(self) -> None:
        data = self.data
        self.title = data.info.name
        self.query_one("#filters", Static).update(
            filters_words(data, self.group, self.playlist, self.view), layout=False)
        stale = self.summary is None or self.summary.key != self.summary_key()
        if stale and not self.recount_changed():
            self.summary = None
            self.after_first_frame(self.summarise, data, self.summary_key(), self.students(),
                                   self.view == "playlists")
        self.show_waiting()
        if self.view == "grid":
            self.fill_grid()
            self.after_first_frame(self.make_ahead, data, self.next_group())
        else:
            self.fill_playlists()

    def show_waiting(self) -> None:
        self.sub_title = waiting_words(self.data, self.teacher, self.summary)

    def grid_layout(self) -> tuple[list[str], list[Column], list[tuple[str, str]]]:
        """The grid's competencies, columns and rows (kept while the roster, the curriculum
        and the filters are the same objects: after a student's file changed, they are)."""
        data = self.data
        key = (data.info, *data.frameworks.values(), *data.playlists.values(), self.group,
               self.playlist)
        memo = self._layout
        if memo is not None and len(memo[0]) == len(key) and all(
                a is b or (isinstance(a, str | None) and a == b)
                for a, b in zip(memo[0], key, strict=True)):
            return memo[1]
        competencies = self.competencies()
        columns = columns_of(competencies)
        rows = named_rows(data, self.students())
        self._layout = (key, (competencies, columns, rows))
        return competencies, columns, rows

    def fill_grid(self) -> None:
        data = self.data
        competencies, columns, rows = self.grid_layout()

        def cells(sid: str) -> Row:
            return Row(state_of(data, sid), competencies)

        grid = self.query_one(Grid)
        grid.label_width = 18
        now = record_cells(data)
        keep = None
        if self._shown is not None and self._shown[0] is competencies and now:
            before = self._shown[1]
            keep = lambda sid: sid in now and before.get(sid) is now[sid]  # noqa: E731
        self._shown = (competencies, now)
        grid.show(columns, rows, cells, label="Student", cursor_type="cell", keep=keep)
        self.query_one("#cursor-words").display = True
        legend = self.query_one("#legend", Static)
        legend.add_class("under-words")
        legend.update(LEGEND, layout=False)
        self.describe_cursor()

    def fill_playlists(self) -> None:
        data = self.data
        grid = self.query_one(Grid)
        columns = [Column(key, label, width) for key, label, width in (
            ("assigned", "Assigned", 8), ("none", "Not started", 11), ("going", "Working", 7),
            ("done", "Complete", 8), ("avg", "Avg %", 5))]
        shown = [p for p in data.playlists.values()
                 if self.playlist is None or p.id == self.playlist]
        summary = self.summary

        def cells(pid: str) -> list[str]:
            if summary is None or not summary.with_playlists:
                return [COUNTING] * 5
            counts = summary.playlists.get(pid, PlaylistTally(pid)).summary()
            return [str(counts.assigned), str(counts.not_started), str(counts.in_progress),
                    str(counts.complete), str(round(counts.average_percent))]

        grid.label_width = 28
        self._shown = None
        self.query_one("#cursor-words").display = False
        self.query_one("#legend").remove_class("under-words")
        grid.show(columns, [(p.id, p.title) for p in shown], cells, label="Playlist",
                  cursor_type="row")
        self.query_one("#legend", Static).update(self.stuck_words())

    def stuck_words(self) -> str:
        if self.summary is None or not self.summary.with_playlists:
            return "Counting progress and who may be stuck…"
        reasons = self.summary.stuck
        if not reasons:
            return "Nobody looks stuck."
        lines = [f"! {r.words}" for r in reasons[:6]]
        if len(reasons) > 6:
            lines.append(f"… and {len(reasons) - 6} more")
        return "Who may be stuck:\n" + "\n".join(lines)

    def describe_cursor(self) -> None:
        """Say the cell under the cursor in words (the grid itself is symbols)."""
        if self.view != "grid":
            return
        grid = self.query_one(Grid)
        sid, competency = grid.cursor_key
        words = cursor_words(self.data, sid, competency, bool(grid.row_count))
        # one line, cut to the width: no new layout at every keypress
        self.query_one("#cursor-words", Static).update(safe_line(words), layout=False)

    def on_grid_moved(self, event: Grid.Moved) -> None:
        event.stop()
        self.describe_cursor()

    # ------------------------------------------------------------------ the opening
    opening_anywhere = True
    """:meth:`opening` reads the data only (never a widget): it may run in a worker."""
    OPENING_ROWS = 60
    """Rows whose cells the kept opening holds (more than a tall terminal shows)."""
    OPENING_COLUMNS = 60

    def opening(self, data: ClassData) -> dict[str, object] | None:
        """What this screen shows of ``data`` when it opens (everyone, all playlists, the
        grid, the cursor on the first cell), for the next run to show before the class is
        loaded (session/opening.py); None until the whole class of ``data`` is counted."""
        summary = self.summary
        if summary is None or summary.data is not data:
            return None
        competencies = competencies_of(data, None)
        rows = named_rows(data, students_of(data, None, None))
        shown = competencies[:self.OPENING_COLUMNS]
        cells = [list(Row(state_of(data, sid), shown)) for sid, _ in rows[:self.OPENING_ROWS]]
        first = rows[0][0] if rows else None
        return {
            "screen": "dashboard",
            "title": data.info.name,
            "sub_title": waiting_words(data, self.teacher, summary),
            "filters": filters_words(data, None, None, "grid"),
            "columns": [[c.key, c.label, c.width] for c in columns_of(competencies)],
            "rows": [list(row) for row in rows],
            "cells": cells,
            "cursor_words": safe_line(cursor_words(
                data, first, competencies[0] if competencies else None, bool(rows))),
            "legend": LEGEND,
        }

    def take_over(self, cursor: tuple[int, int], action: str | None) -> None:
        """Go on from the opening shown before (ui/screens/opening.py): the cursor where
        it was moved to, then the key pressed there that needed the class."""
        if self.view == "grid":
            self.query_one(Grid).move_to(*cursor)
        if action is not None:
            self.call_later(self.run_action, action)

    # ------------------------------------------------------------------ counting
    _drawn = False
    _kept_opening = False

    def after_first_frame(self, start: Callable[..., object], *args: object) -> None:
        """Start a worker now, or after the screen's first frame while it has none: the
        workers hold Python's lock for long stretches (at 5,000 students, unpickling the
        students' records), which would delay the rows the teacher waits for."""
        if self._drawn:
            start(*args)
            return

        def later() -> None:
            self._drawn = True
            start(*args)

        self.call_after_refresh(later)

    def recount_changed(self) -> bool:
        """After new data where only a few students' files changed (a tick, a decision),
        count the checks waiting again for those students only, at once; False when a
        whole count is needed (other filters, the playlists view, many changes)."""
        summary, key = self.summary, self.summary_key()
        cells = record_cells(self.data)
        if summary is None or summary.with_playlists or summary.key[1:] != key[1:] or (
                not cells or not self._pending):
            return False
        before = self._pending
        changed = [sid for sid, cell in cells.items()
                   if (last := before.get(sid)) is None or last[0] is not cell]
        gone = [sid for sid in before if sid not in cells]
        if len(changed) + len(gone) > self.RECOUNT_HERE:
            return False
        pending = dict(before)
        waiting = summary.waiting
        for sid in gone:
            waiting -= pending.pop(sid)[1]
        for sid in changed:
            count = len(pending_requests(self.data.record(sid)))
            waiting += count - (pending[sid][1] if sid in pending else 0)
            pending[sid] = (cells[sid], count)
        self._pending = pending
        self.summary = Summary(key, waiting=waiting, data=self.data)
        return True

    # (a description, or Textual would describe the worker with repr() of the whole class)
    @work(thread=True, exclusive=True, group="dashboard", description="count the class")
    def summarise(self, data: ClassData, key: tuple[object, ...], students: list[str],
                  with_playlists: bool) -> None:
        worker = get_current_worker()
        # Who has which playlist, worked out here for the playlist filter (f) to use (at
        # 5,000 students a quarter of a second; later classes carry it over).
        data.assignees("")
        passing = data.in_passing()
        wanted = set(students)
        summary = Summary(key, with_playlists=with_playlists, data=data)
        only = key[3]
        now = self.clock()
        cells = record_cells(data)
        before = self._pending
        tally = self.tally(data) if self.tally is not None else None
        counted: dict[str, tuple[object, int]] = {}
        found: list[StuckReason] = []
        made = 0
        # Every record, then the students shown who have none yet (never opened the
        # app): they are assigned, not started, and the most likely to be stuck.
        no_folder = [sid for sid in students if sid not in passing.records] \
            if with_playlists else []
        for sid in [*passing.records, *no_folder]:
            if worker.is_cancelled:
                return
            cell = cells.get(sid)
            last = before.get(sid)
            playlists_here = with_playlists and sid in wanted
            if last is not None and cell is not None and last[0] is cell and not (
                    playlists_here):
                counted[sid] = last  # this student's files did not change
                summary.waiting += last[1]
                continue
            kept = tally.get(sid) if tally is not None and not playlists_here else None
            if kept is not None:  # counted in an earlier run from the same files
                counted[sid] = (cell, kept)
                summary.waiting += kept
                continue
            made += 1
            if made % self.YIELD_EVERY == 0:
                time.sleep(0.001)  # let the UI thread answer keys while this counts
            record = passing.record(sid)
            pending = len(pending_requests(record))
            counted[sid] = (cell, pending)
            summary.waiting += pending
            if tally is not None:
                tally.put(sid, pending)
            if not playlists_here:
                continue
            for playlist in passing.assigned_playlists(sid):
                if only is not None and playlist.id != only:
                    continue
                progress = playlist_progress(passing, playlist, sid)
                summary.playlists.setdefault(playlist.id, PlaylistTally(playlist.id)).add(
                    progress)
            found.extend(stuck(passing, now, students=[sid]))
        if tally is not None:
            tally.save()
        if with_playlists:  # (the pass goes in the store's order: back to the roster's)
            order = {sid: n for n, sid in enumerate(students)}
            summary.stuck = sorted(found, key=lambda reason: order.get(reason.student, 0))
        self.app.call_from_thread(self.summarised, summary, counted)

    def summarised(self, summary: Summary, counted: dict[str, tuple[object, int]]) -> None:
        self._pending = counted
        if summary.key != self.summary_key():
            return  # the data or the filters changed meanwhile: a new count is under way
        first = self.summary is None and not self._kept_opening
        self.summary = summary
        self.show_waiting()
        if self.view == "playlists":
            self.fill_playlists()
        if first:  # the whole class counted: the next run may open on this
            self._kept_opening = True
            self.post_message(KeepOpening())

    # ------------------------------------------------------------------ actions
    def next_group(self) -> str | None:
        """The group ``g`` shows next (after the last group: everyone)."""
        order: list[str | None] = [None, *self.data.groups]
        return order[(order.index(self.group) + 1) % len(order)] \
            if self.group in order else None

    def action_next_group(self) -> None:
        self.group = self.next_group()
        self.refresh_view()

    @work(thread=True, exclusive=True, group="dashboard-ahead", description="make ahead")
    def make_ahead(self, data: ClassData, group: str | None) -> None:
        """Make the records of the next group's students (those a screen shows) while the
        teacher looks at this one, so that the next ``g`` draws at once."""
        found = data.groups.get(group or "")
        if found is None:
            return
        worker = get_current_worker()
        members = set(found.members)
        for n, student in enumerate(s for s in data.info.students if s.id in members):
            if worker.is_cancelled or n >= self.AHEAD:
                return
            data.record(student.id)

    def action_next_playlist(self) -> None:
        order: list[str | None] = [None, *self.data.playlists]
        self.playlist = order[(order.index(self.playlist) + 1) % len(order)] \
            if self.playlist in order else None
        self.refresh_view()

    def action_switch_view(self) -> None:
        self.view = "playlists" if self.view == "grid" else "grid"
        self.refresh_view()

    def action_queue(self) -> None:
        from playlist_tui.ui.screens.queue import QueueScreen

        self.app.push_screen(QueueScreen(self.data, self.problems, self.teacher, self.clock))

    def selected_student(self) -> str | None:
        grid = self.query_one(Grid)
        if self.view != "grid" or not grid.row_count:
            return None
        return grid.cursor_key[0]

    def action_student(self) -> None:
        from playlist_tui.ui.screens.student_detail import StudentDetailScreen

        sid = self.selected_student()
        if sid is not None:
            self.app.push_screen(StudentDetailScreen(self.data, self.problems, sid,
                                                     self.teacher))

    def on_grid_selected(self, event: Grid.Selected) -> None:
        event.stop()
        self.action_student()

    def action_groups(self) -> None:
        from playlist_tui.ui.screens.groups import GroupsScreen

        self.app.push_screen(GroupsScreen(self.data, self.problems, self.playlist))

    def action_assign(self) -> None:
        from playlist_tui.store import ops
        from playlist_tui.ui.messages import ApplyOperation
        from playlist_tui.ui.screens.modals import AssignDialog

        data = self.data
        if not data.playlists:
            self.notify("There is no playlist to assign yet: write one first (a).")
            return

        def save(result: tuple[str, str, str] | None) -> None:
            if result is None:
                return
            playlist, kind, who = result
            op = ops.Assign(playlist=playlist, everyone=kind == "everyone",
                            groups=(who,) if kind == "group" else (),
                            students=(who,) if kind == "student" else ())
            title = data.playlists[playlist].title if playlist in data.playlists else playlist
            self.post_message(ApplyOperation(op, f"Assigned {title}"))

        self.app.push_screen(AssignDialog(
            [(p.id, p.title) for p in data.playlists.values()],
            [(g.id, g.name) for g in data.info.groups],
            [(s.id, s.name) for s in data.info.students]), save)

    def action_roster(self) -> None:
        from playlist_tui.ui.screens.roster import RosterScreen

        self.app.push_screen(RosterScreen(self.data, self.problems, self.teacher))

    def action_curriculum(self) -> None:
        try:
            from playlist_tui.ui.screens.authoring import CurriculumScreen
        except ImportError:  # pragma: no cover - until authoring lands
            self.notify("Authoring is not available in this version.")
            return
        self.app.push_screen(CurriculumScreen(self.data, self.problems, self.teacher))
