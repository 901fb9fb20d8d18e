"""Dialogs. They keep what the user types while the class reloads underneath them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar, TypeVar

from rich.segment import Segment
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import (
    Button,
    Footer,
    Input,
    Label,
    OptionList,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import Option, OptionDoesNotExist

from playlist_tui.engine.readiness import Readiness
from playlist_tui.ui.format import block, line
from playlist_tui.ui.screens.base import safe_notify

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    """A dialog: ``escape`` or the Cancel button closes it with None; the button with id
    ``save``/``send`` runs ``action_save``/``action_send``."""

    def notify(self, message: str, *, title: str = "",
               severity: SeverityLevel = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Plain text by default: the words may come from class files (see safe_notify)."""
        safe_notify(self, message, title=title, severity=severity, timeout=timeout,
                    markup=markup)

    def action_cancel(self) -> None:
        self.dismiss(None)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("save", "send"):
            await self.run_action(event.button.id)
        else:
            self.action_cancel()


class NoteDialog(Dialog[tuple[str, str] | None]):
    """Edit the reflection and evidence link of an activity."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, title: str, reflection: str, evidence: str) -> None:
        super().__init__()
        self.activity_title = title
        self.reflection = reflection
        self.evidence = evidence

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(line(f"Reflection on: {self.activity_title}"), classes="dialog-title")
            yield TextArea(self.reflection, id="reflection", soft_wrap=True,
                           show_line_numbers=False)
            yield Label("Evidence link (optional)")
            yield Input(self.evidence, placeholder="https://...", id="evidence")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#reflection", TextArea).focus()

    def action_save(self) -> None:
        reflection = self.query_one("#reflection", TextArea).text.strip()
        evidence = self.query_one("#evidence", Input).value.strip()
        self.dismiss((reflection, evidence))


class RequestDialog(Dialog[tuple[str, str] | None]):
    """Request a mastery check: pick a competency (ready ones only), add a note."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send request", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, options: list[Readiness], labels: dict[str, str]) -> None:
        super().__init__()
        self.options = options
        self.labels = labels

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Request a mastery check", classes="dialog-title")
            items = []
            for readiness in self.options:
                label = self.labels.get(readiness.competency, "")
                mark = "ready" if readiness.ready else "not ready"
                items.append(Option(line(f"[{mark}] {readiness.competency} {label}"),
                                    id=readiness.competency, disabled=not readiness.ready))
            yield OptionList(*items, id="competencies")
            yield Static("", id="why", markup=False)
            yield Label("A note for your teacher (optional; tab goes to it)")
            yield Input(placeholder="What did you do to show it?", id="note",
                        select_on_focus=False)  # (coming back to it must not lose it)
            with Horizontal(classes="buttons"):
                yield Button("Send (ctrl+s)", id="send", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        ready = [r for r in self.options if r.ready]
        why = "\n".join(r.explain() for r in self.options if not r.ready)
        if not ready:
            why = "Nothing is ready yet.\n" + why
        self.query_one("#why", Static).update(why)
        options = self.query_one("#competencies", OptionList)
        options.focus()
        if ready:
            options.highlighted = self.options.index(ready[0])

    def action_send(self) -> None:
        options = self.query_one("#competencies", OptionList)
        index = options.highlighted
        chosen = self.options[index] if index is not None else None
        if chosen is None or not chosen.ready:
            reasons = "; ".join(r.explain() for r in self.options if not r.ready)
            self.notify(reasons or "Choose a competency first.", title="Not ready",
                        severity="warning", timeout=8)
            return
        self.dismiss((chosen.competency, self.query_one("#note", Input).value.strip()))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """enter on the list chooses; the focus stays there, so tab goes on to the note
        (the order is list, note, Send, Cancel)."""

    def on_key(self, event: events.Key) -> None:
        """Words typed anywhere but the note (the list, a button) go into the note: typed
        text is never dropped. (Space still presses a focused button.)"""
        note = self.query_one("#note", Input)
        if self.focused is note or not event.is_printable or event.character is None:
            return
        if event.key == "space" and isinstance(self.focused, Button):
            return
        event.stop()
        event.prevent_default()
        note.focus()
        note.insert_text_at_cursor(event.character)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_send()


class QuitDialog(Dialog[str | None]):
    """Quitting with work not sent to the remote: "sync" (send it, then quit), "anyway"
    (quit; the work stays committed in this folder) or None (stay)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "choose('sync')", "Sync now", id="quit.sync"),
        Binding("a", "choose('anyway')", "Quit anyway", id="quit.anyway"),
        Binding("escape", "cancel", "Stay", id="quit.stay"),
    ]

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Quit", classes="dialog-title")
            yield Static(line(self.words), id="quit-why", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Sync now (s)", id="sync", variant="primary", compact=True)
                yield Button("Quit anyway (a)", id="anyway", compact=True)
                yield Button("Stay (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#sync", Button).focus()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("sync", "anyway"):
            self.dismiss(event.button.id)
        else:
            self.action_cancel()


class GoalDialog(Dialog[tuple[str, date | None] | None]):
    """Add or edit a goal: its text and an optional target date."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, text: str = "", target: date | None = None) -> None:
        super().__init__()
        self.text = text
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("My goal", classes="dialog-title")
            yield Input(self.text, placeholder="What do you want to achieve?", id="text")
            yield Label("Target date (optional, like 2026-12-15)")
            yield Input(self.target.isoformat() if self.target else "", id="target",
                        placeholder="YYYY-MM-DD")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def action_save(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        raw = self.query_one("#target", Input).value.strip()
        if not text:
            self.notify("Write the goal first.", severity="warning")
            return
        target = None
        if raw:
            try:
                target = date.fromisoformat(raw)
            except ValueError:
                self.notify(f"{raw!r} is not a date: write it like 2026-12-15.",
                            severity="warning")
                return
        self.dismiss((text, target))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()


class DecisionDialog(Dialog["DecisionInput | None"]):
    """Record a decision on a request: mastered at a level, or not yet, with feedback.
    "Not yet" needs feedback or next steps (or both): the student must learn what to do.

    A correction is given the earlier decision's ``feedback``, ``next_steps`` and ``level``
    (and ``earlier_mastered``, its result; without it the level tells: a mastered decision
    has a level at or above ``mastered_at``). When the result stays the same the fields
    start from those words, the cursor at their end, to add to them; when it changes they
    start empty (the old words would be false under the new result) and the earlier
    decision is shown above them, read-only, to copy from."""

    DEFAULT_CSS = """
    DecisionDialog .dialog-fields { height: auto; max-height: 14; }
    DecisionDialog #earlier { color: $text-muted; margin: 0 0 1 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save decision", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, heading: str, mastered: bool, levels: tuple[str, ...],
                 mastered_at: int, feedback: str = "", next_steps: str = "",
                 level: int | None = None, *, earlier_mastered: bool | None = None) -> None:
        super().__init__()
        self.heading = heading
        self.mastered = mastered
        self.levels = levels
        self.mastered_at = mastered_at
        correcting = bool(feedback or next_steps or level is not None)
        if earlier_mastered is None and correcting:
            earlier_mastered = level is not None and level >= mastered_at
        self.earlier: str | None = None
        """The earlier decision in words, when the result changes (shown read-only)."""
        if earlier_mastered is not None and earlier_mastered != mastered:
            was = "mastered" if earlier_mastered else "not yet"
            words = [f"Earlier decision: {was}"
                     + (f" at level {level}" if level is not None else "")]
            if feedback:
                words.append(f"Feedback: {feedback}")
            if next_steps:
                words.append(f"Next steps: {next_steps}")
            self.earlier = "\n".join(words)
            feedback = next_steps = ""
            level = None
        self.feedback = feedback
        self.next_steps = next_steps
        self.level = level

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll
        from textual.widgets import Select

        word = "Mastered" if self.mastered else "Not yet"
        allowed = [(f"{n} {name}", n) for n, name in enumerate(self.levels, start=1)
                   if (n >= self.mastered_at) == self.mastered]
        default = self.mastered_at if self.mastered else max(1, self.mastered_at - 1)
        if self.level is not None and any(n == self.level for _, n in allowed):
            default = self.level
        with Vertical(classes="dialog"):
            yield Label(line(f"{word}: {self.heading}"), classes="dialog-title")
            with VerticalScroll(classes="dialog-fields"):
                if self.earlier is not None:
                    yield Static(block(self.earlier), id="earlier", markup=False)
                yield Label("Level")
                yield Select(allowed, value=default, allow_blank=not self.mastered,
                             id="level", compact=True)
                yield Label("Feedback for the student" + ("" if self.mastered else
                                                          " (this or next steps)"))
                yield TextArea(self.feedback, id="feedback", soft_wrap=True,
                               show_line_numbers=False)
                yield Label("Next steps" + ("" if self.mastered
                                            else " (what to do before asking again)"))
                yield Input(self.next_steps, placeholder="e.g. Redo the tape diagram practice",
                            id="next", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        feedback = self.query_one("#feedback", TextArea)
        feedback.move_cursor(feedback.document.end)  # words typed add to the end
        self.query_one("#next", Input).cursor_position = len(self.next_steps)
        feedback.focus()

    def action_save(self) -> None:
        from textual.widgets import Select

        level = self.query_one("#level", Select).value
        feedback = self.query_one("#feedback", TextArea).text.strip()
        next_steps = self.query_one("#next", Input).value.strip()
        if not self.mastered and not feedback and not next_steps:
            self.notify("“Not yet” needs feedback or next steps: write what is missing or "
                        "what to do before asking again.", title="Not saved",
                        severity="warning", timeout=8)
            return
        self.dismiss(DecisionInput(
            mastered=self.mastered,
            level=level if isinstance(level, int) else None,
            feedback=feedback, next_steps=next_steps))


class DecisionInput:
    def __init__(self, mastered: bool, level: int | None, feedback: str, next_steps: str
                 ) -> None:
        self.mastered = mastered
        self.level = level
        self.feedback = feedback
        self.next_steps = next_steps


class AssignDialog(Dialog[tuple[str, str, str] | None]):
    """Assign a playlist: to everyone, a group or one student. Returns (playlist, kind, who)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Assign", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, playlists: list[tuple[str, str]], groups: list[tuple[str, str]],
                 students: list[tuple[str, str]]) -> None:
        super().__init__()
        self.playlists = playlists
        self.groups = groups
        self.students = students

    def compose(self) -> ComposeResult:
        from textual.widgets import Select

        targets: list[tuple[str, str]] = [("Everyone in the class", "everyone")]
        targets += [(f"Group: {name}", f"group:{gid}") for gid, name in self.groups]
        targets += [(f"Student: {name}", f"student:{sid}") for sid, name in self.students]
        with Vertical(classes="dialog"):
            yield Label("Assign a playlist", classes="dialog-title")
            yield Label("Playlist")
            yield Select([(line(title), pid) for pid, title in self.playlists], id="playlist",
                         allow_blank=False)
            yield Label("To")
            yield Select([(line(words), value) for words, value in targets], id="target",
                         allow_blank=False, value="everyone")
            with Horizontal(classes="buttons"):
                yield Button("Assign (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")
        yield Footer(compact=True)

    def action_save(self) -> None:
        from textual.widgets import Select

        playlist = self.query_one("#playlist", Select).value
        target = self.query_one("#target", Select).value
        if not isinstance(playlist, str) or not isinstance(target, str):
            self.notify("Choose a playlist and who it is for.", severity="warning")
            return
        kind, _, who = target.partition(":")
        self.dismiss((playlist, kind, who))


class MarkedList(SelectionList[str]):
    """A SelectionList whose boxes carry a mark, ``x`` or blank, not only a colour."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        mark = "x" if selection.value in self.selected else " "
        segments[1] = Segment(mark, segments[1].style)
        return Strip(segments, strip.cell_length)


class AdjustDialog(Dialog[tuple[str | None, tuple[str, ...], tuple[str, ...], str] | None]):
    """One student's adjustment of one playlist: placement, skipped and added activities,
    and a note (accommodations) that the student sees. ``optional``: the activities that
    may be added (those of tiers that are not "do all"); by default every activity."""

    DEFAULT_CSS = """
    AdjustDialog .dialog-fields { height: auto; max-height: 16; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, title: str, tiers: list[tuple[str, str]],
                 activities: list[tuple[str, str]], start: str | None,
                 skip: tuple[str, ...], add: tuple[str, ...], note: str,
                 optional: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.heading = title
        self.tiers = tiers
        self.activities = activities
        self.optional = activities if optional is None else optional
        self.start = start
        self.skip = skip
        self.add = add
        self.note = note

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll
        from textual.widgets import Select

        addable = [*self.optional,
                   *[(aid, title) for aid, title in self.activities
                     if aid in self.add and all(aid != o for o, _ in self.optional)]]
        with Vertical(classes="dialog"):
            title = Label(line(f"Adjust {self.heading}"), classes="dialog-title")
            title.styles.padding = 0  # (a row saved: the dialog fits 80x24)
            yield title
            with VerticalScroll(classes="dialog-fields"):
                yield Label("Start at tier (placement)")
                start: Select[str] = Select([(line(title), tid) for tid, title in self.tiers],
                                            id="start", compact=True,
                                            prompt="the start (no placement)")
                if self.start:
                    start.value = self.start
                yield start
                yield Label("Skip (not required for this student): space marks x",
                            markup=False)
                skip = MarkedList(*[(line(title), aid, aid in self.skip)
                                    for aid, title in self.activities], id="skip")
                skip.styles.max_height = 5  # 3 rows: the whole dialog fits 80x24
                yield skip
                yield Label("Add (required, from optional tiers): space marks x",
                            markup=False)
                add = MarkedList(*[(line(title), aid, aid in self.add)
                                   for aid, title in addable], id="add")
                add.styles.max_height = 5
                yield add
                if not addable:
                    yield Static("  (this playlist has no optional activities)",
                                 markup=False)
                yield Label("Note for the student (accommodations)")
                yield Input(self.note, id="note", placeholder="e.g. Extra time on quizzes",
                            compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def action_save(self) -> None:
        from textual.widgets import Select

        start = self.query_one("#start", Select).value
        skip = tuple(self.query_one("#skip", MarkedList).selected)
        add = tuple(self.query_one("#add", MarkedList).selected)
        self.dismiss((start if isinstance(start, str) else None, skip, add,
                      self.query_one("#note", Input).value.strip()))


class GroupDialog(Dialog[tuple[str, tuple[str, ...]] | None]):
    """Make or edit a group: its name, and its members marked x in the class's list of
    students. A group needs a name (enter does not save without one); ``taken``: names of
    the other groups, refused with a clear message (two groups of one name confuse)."""

    DEFAULT_CSS = """
    GroupDialog #members { max-height: 12; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, title: str, name: str, students: list[tuple[str, str]],
                 members: tuple[str, ...], taken: set[str], placeholder: str = "",
                 edit_members: bool = True) -> None:
        super().__init__()
        self.heading = title
        self.group_name = name
        self.students = students
        self.members = members
        self.taken = {t.casefold() for t in taken}
        self.placeholder = placeholder
        self.edit_members = edit_members

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(line(self.heading), classes="dialog-title")
            yield Label("Name (the id is made from it and never changes)", markup=False)
            yield Input(self.group_name, id="name", compact=True,
                        placeholder=self.placeholder or "e.g. Ratio tables support")
            yield Static("", id="name-error", markup=False)
            if self.edit_members:
                yield Label("Members: space marks x", markup=False)
                yield MarkedList(*[(line(name), sid, sid in self.members)
                                   for sid, name in self.students], id="members")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def name_error(self, name: str) -> str:
        if not name:
            return "✗ the group needs a name"
        if name.casefold() in self.taken:
            return f"✗ there is already a group named {name!r}: choose another name"
        return ""

    def action_save(self) -> None:
        name = " ".join(self.query_one("#name", Input).value.split())
        error = self.name_error(name)
        self.query_one("#name-error", Static).update(error)
        if error:
            self.query_one("#name", Input).focus()
            return
        members = (tuple(self.query_one("#members", MarkedList).selected)
                   if self.edit_members else self.members)
        order = [sid for sid, _ in self.students]
        self.dismiss((name, tuple(sorted(
            members, key=lambda s: order.index(s) if s in order else len(order)))))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()
