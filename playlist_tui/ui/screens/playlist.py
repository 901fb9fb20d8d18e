"""One playlist for a student: tiers with their state and why, activities to tick."""

from __future__ import annotations

import webbrowser
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header, Static

from playlist_tui.engine.progress import playlist_progress, rule_words
from playlist_tui.model.files import Activity, Kind, Playlist
from playlist_tui.model.ids import make_ref
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line
from playlist_tui.store import ops
from playlist_tui.ui.format import (
    LOCKED,
    OPEN,
    TICKED,
    bar,
    block,
    cell,
    link_problem,
    progress_words,
    shorten,
    tier_line,
)
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.student_home import file_trouble


class PlaylistScreen(DataScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_tick", "Tick", id="playlist.tick"),
        Binding("o", "open_link", "Link", id="playlist.open-link"),
        Binding("e", "note", "Reflect", id="playlist.note"),
        Binding("m", "request", "Check", id="playlist.request"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], student: str,
                 playlist: str) -> None:
        super().__init__(data, problems)
        self.student = student
        self.playlist_id = playlist

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="playlist-body"):
            yield Static("", id="summary", markup=False)
            table: DataTable[Text] = DataTable(id="activities", cursor_type="row",
                                              zebra_stripes=False)
            yield table
            yield Static("", id="details", markup=False)
        yield Footer(compact=True)

    @property
    def playlist(self) -> Playlist | None:
        return self.data.playlists.get(self.playlist_id)

    def refresh_view(self) -> None:
        playlist = self.playlist
        table: DataTable[Text] = self.query_one("#activities", DataTable)
        if playlist is None:
            self.query_one("#summary", Static).update("This playlist is no longer there.")
            table.clear(columns=True)
            return
        self.title = playlist.title
        self.sub_title = self.data.students[self.student].name \
            if self.student in self.data.students else self.student
        progress = playlist_progress(self.data, playlist, self.student)
        trouble = file_trouble(self.data, self.problems, self.student)
        unknown = trouble is not None and trouble[0]  # nothing of the file could be read
        summary = "" if unknown else \
            f"{bar(progress.done, progress.total, 16)} {progress_words(progress)}"
        if trouble is not None:
            summary = f"{trouble[1]}\n{summary}".rstrip("\n")
        if playlist.summary:
            summary = f"{playlist.summary}\n{summary}"
        adjustment = self.data.record(self.student).teacher.adjustments.get(playlist.id)
        if adjustment is not None and adjustment.note:
            summary += f"\nNote from your teacher: {adjustment.note}"
        self.query_one("#summary", Static).update(block(summary))
        record = self.data.record(self.student).student
        row = table.cursor_row
        table.clear(columns=True)
        kind_width = max(len(kind.value) for kind in Kind)  # "discussion", never "discussio"
        width = max(24, (self.size.width or 80) - 3 - kind_width - 4 - 10)
        table.add_column("", key="mark", width=3)
        table.add_column("Activity", key="title", width=width)
        table.add_column("Kind", key="kind", width=kind_width)
        table.add_column("Min", key="min", width=4)
        for status in progress.tiers:
            tier_words = f"{status.tier.title} · {rule_words(status.tier)}" if unknown \
                else tier_line(status)
            table.add_row(Text(""), cell(f"▸ {tier_words}", width, bold=True),
                          Text(""), Text(""), key=f"tier:{status.tier.id}")
            for activity in status.tier.activities:
                ref = make_ref(playlist.id, activity.id)
                mark = TICKED if ref in record.ticks else (OPEN if status.unlocked else LOCKED)
                title = activity.title + (" ✎" if ref in record.notes else "")
                # The teacher's adjustment in words (cut the title, never the words)
                words = (" · skipped for you" if activity.id in status.skipped else
                         " · required for you" if activity.id in status.added else "")
                if words and len(title) + len(words) + 2 > width:
                    title = shorten(title, max(1, width - len(words) - 2))
                title += words
                if unknown:
                    mark = " ? "
                table.add_row(Text(mark), cell(f"  {title}", width), Text(str(activity.kind)),
                              Text(str(activity.minutes) if activity.minutes is not None
                                   else ""),
                              key=f"act:{activity.id}")
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self.show_details()

    # ------------------------------------------------------------------ details
    def current(self) -> tuple[str, str] | None:
        table: DataTable[Text] = self.query_one("#activities", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value or ""
        kind, _, ident = key.partition(":")
        return kind, ident

    def current_activity(self) -> Activity | None:
        found = self.current()
        playlist = self.playlist
        if not found or found[0] != "act" or playlist is None:
            return None
        located = playlist.activity(found[1])
        return located[1] if located else None

    def show_details(self) -> None:
        details = self.query_one("#details", Static)
        playlist = self.playlist
        found = self.current()
        if playlist is None or found is None:
            details.update("")
            return
        progress = playlist_progress(self.data, playlist, self.student)
        if found[0] == "tier":
            status = next(s for s in progress.tiers if s.tier.id == found[1])
            details.update(block(self.tier_words(status.why, status.tier.title,
                                                 rule_words(status.tier))))
            return
        located = playlist.activity(found[1])
        if located is None:
            return
        tier, activity = located
        status = next(s for s in progress.tiers if s.tier.id == tier.id)
        lines = [activity.title]
        if activity.description:
            lines.append(activity.description)
        meta = [str(activity.kind)]
        if activity.minutes is not None:
            meta.append(f"about {activity.minutes} min")
        if activity.competencies:
            meta.append("serves " + ", ".join(activity.competencies))
        lines.append(" · ".join(meta))
        if activity.link:
            lines.append(f"Link: {activity.link}")
        mine = self.data.record(self.student).student.notes.get(make_ref(playlist.id, activity.id))
        if mine and mine.reflection:
            lines.append(f"My reflection: {mine.reflection}")
        if mine and mine.evidence:
            lines.append(f"My evidence: {mine.evidence}")
        adjustment = self.data.record(self.student).teacher.adjustments.get(playlist.id)
        note = f" Note: {adjustment.note}" if adjustment is not None and adjustment.note else ""
        if activity.id in status.skipped:
            lines.append(f"Your teacher skipped this for you: it is not required.{note}")
        elif activity.id in status.added:
            lines.append(f"Your teacher made this required for you.{note}")
        if self.unreadable():
            lines.append("Whether it is done is not known until your file is fixed.")
        elif not status.unlocked:
            lines.append(f"Locked: {status.why}")
        details.update(block("\n".join(lines)))

    def unreadable(self) -> bool:
        """Nothing of the student's file could be read: progress shown would be false."""
        trouble = file_trouble(self.data, self.problems, self.student)
        return trouble is not None and trouble[0]

    def tier_words(self, why: str, title: str, rule: str) -> str:
        """What a tier row says: its state and why, or, when the record cannot be read,
        that (never progress words made from an empty record)."""
        if not self.unreadable():
            return why
        return (f"Your record cannot be read: see above; nothing is lost. {title}: {rule} "
                "(its state is shown again once your file is fixed).")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_details()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_toggle_tick()

    # ------------------------------------------------------------------ actions
    def action_toggle_tick(self) -> None:
        from playlist_tui.engine.progress import can_tick

        playlist, activity = self.playlist, self.current_activity()
        if playlist is None or activity is None:
            found = self.current()
            if found and found[0] == "tier" and playlist is not None:
                status = next(s for s in playlist_progress(self.data, playlist, self.student)
                              .tiers if s.tier.id == found[1])
                self.notify(self.tier_words(status.why, status.tier.title,
                                            rule_words(status.tier)), title="Tier")
            return
        ref = make_ref(playlist.id, activity.id)
        if ref in self.data.record(self.student).student.ticks:
            self.post_message(ApplyOperation(
                ops.Untick(self.student, playlist=playlist.id, activity=activity.id),
                f"Unticked: {activity.title}"))
            return
        allowed, why = can_tick(self.data, playlist, self.student, activity.id)
        if not allowed:
            self.notify(why, title="Locked", severity="warning")
            return
        self.post_message(ApplyOperation(
            ops.Tick(self.student, playlist=playlist.id, activity=activity.id),
            f"Ticked: {activity.title}"))

    def action_open_link(self) -> None:
        activity = self.current_activity()
        if activity is None or not activity.link:
            self.notify("This activity has no link.")
            return
        why = link_problem(activity.link)
        if why is not None:  # shown as plain text, never handed to a browser
            self.notify(f"This link is not opened: {why}. It reads: {safe_line(activity.link)}",
                        title="Link not opened", severity="warning", timeout=15)
            return
        try:
            opened = webbrowser.open(activity.link)
        except webbrowser.Error:
            opened = False
        if not opened:
            self.notify(f"Open this link in your browser: {activity.link}", timeout=10)

    def action_note(self) -> None:
        from playlist_tui.ui.screens.modals import NoteDialog

        playlist, activity = self.playlist, self.current_activity()
        if playlist is None or activity is None:
            self.notify("Choose an activity first.")
            return
        note = self.data.record(self.student).student.notes.get(
            make_ref(playlist.id, activity.id))

        def save(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            reflection, evidence = result
            self.post_message(ApplyOperation(ops.SetNote(
                self.student, playlist=playlist.id, activity=activity.id,
                reflection=reflection, evidence=evidence), "Reflection saved"))

        self.app.push_screen(NoteDialog(activity.title, note.reflection if note else "",
                                        note.evidence if note else ""), save)

    def action_request(self) -> None:
        from playlist_tui.engine.readiness import check_options
        from playlist_tui.ui.screens.modals import RequestDialog

        playlist = self.playlist
        if playlist is None:
            return
        if not playlist.check.competencies:
            self.notify("This playlist has no mastery check.")
            return
        options = check_options(self.data, self.student, playlist)
        labels = {c: self.data.competencies[c].label for c in playlist.check.competencies
                  if c in self.data.competencies}

        def send(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            competency, note = result
            self.post_message(ApplyOperation(ops.RequestCheck(
                self.student, competency=competency, playlist=playlist.id, note=note),
                f"Check requested: {competency}"))

        self.app.push_screen(RequestDialog(options, labels), send)
