"""Forms and dialogs for writing the curriculum: one generic form, a confirmation, and
handing a file to the teacher's own text editor.

A form only collects and checks values; the screen that opened it turns them into one
operation and posts it (the app saves it in a worker). Errors are shown under the field
they are about, as text (``✗ ...``), never by colour alone.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, TextArea

from playlist_tui.model.ids import ID_RULE, id_error
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line
from playlist_tui.ui.format import line

Check = Callable[[dict[str, Any]], dict[str, str]]


@dataclass
class FormField:
    """One field of a form.

    kinds: ``text`` (one line), ``multiline``, ``int`` (a whole number or empty),
    ``select`` (one of ``options``: (label, value)), ``ids`` (competencies, chosen with
    the searchable picker; ``exclude`` leaves some out), ``fixed`` (shown, not editable).
    """

    name: str
    label: str
    kind: str = "text"
    value: Any = ""
    options: Sequence[tuple[str, Any]] = ()
    placeholder: str = ""
    help: str = ""
    lines: int = 3
    exclude: tuple[str, ...] = field(default_factory=tuple)


class FormDialog(ModalScreen[dict[str, Any] | None]):
    """A form: fields, inline errors, Save (ctrl+s or enter in a one-line field)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="dialog.save"),
        Binding("ctrl+l", "choose", "Choose competencies", id="form.choose-competencies"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, title: str, fields: Sequence[FormField], check: Check | None = None,
                 data: ClassData | None = None, intro: str = "") -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.check = check
        self.data = data
        self.intro = intro
        self.ids: dict[str, tuple[str, ...]] = {
            f.name: tuple(f.value or ()) for f in self.fields if f.kind == "ids"}
        self.tried = False

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Label(self.form_title, classes="dialog-title", markup=False)
            if self.intro:
                yield Static(self.intro, classes="form-intro", markup=False)
            with VerticalScroll(classes="form-fields"):
                for spec in self.fields:
                    with Horizontal(classes=f"form-row form-{spec.kind}"):
                        yield Label(spec.label, classes="form-label", markup=False)
                        yield self._widget(spec)
                    yield Static("", id=f"err-{spec.name}", classes="form-error hidden",
                                 markup=False)
                    if spec.help:
                        yield Static(spec.help, classes="form-help", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer(compact=True)

    def _widget(self, spec: FormField) -> Widget:
        wid = f"field-{spec.name}"
        if spec.kind == "multiline":
            area = TextArea(str(spec.value or ""), id=wid, soft_wrap=True, compact=True,
                            show_line_numbers=False, tab_behavior="focus")
            area.styles.height = spec.lines
            return area
        if spec.kind == "select":
            return Select([(line(label), value) for label, value in spec.options], id=wid,
                          value=spec.value, allow_blank=False, compact=True)
        if spec.kind == "ids":
            with_button = Horizontal(
                Static(self._ids_words(spec.name), id=f"ids-{spec.name}", markup=False,
                       classes="form-ids-text"),
                Button("Choose… (ctrl+l)", id=f"choose-{spec.name}", compact=True),
                classes="form-ids")
            return with_button
        if spec.kind == "fixed":
            return Static(str(spec.value), id=wid, markup=False, classes="form-fixed")
        value = "" if spec.value is None else str(spec.value)
        restrict = r"[0-9]*" if spec.kind == "int" else None
        return Input(value, id=wid, placeholder=spec.placeholder, compact=True,
                     restrict=restrict, select_on_focus=False)

    def _ids_words(self, name: str) -> str:
        chosen = self.ids.get(name, ())
        return ", ".join(chosen) if chosen else "(none)"

    def on_mount(self) -> None:
        for spec in self.fields:
            if spec.kind != "fixed":
                self.focus_field(spec.name)
                break

    def focus_field(self, name: str) -> None:
        spec = next((f for f in self.fields if f.name == name), None)
        if spec is None:
            return
        if spec.kind == "ids":
            self.query_one(f"#choose-{name}", Button).focus()
        elif spec.kind != "fixed":
            self.query_one(f"#field-{name}").focus()

    # ------------------------------------------------------------------ values
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in self.fields:
            if spec.kind == "ids":
                out[spec.name] = self.ids[spec.name]
            elif spec.kind == "fixed":
                out[spec.name] = spec.value
            elif spec.kind == "select":
                out[spec.name] = self.query_one(f"#field-{spec.name}", Select).value
            elif spec.kind == "multiline":
                text = self.query_one(f"#field-{spec.name}", TextArea).text
                out[spec.name] = "\n".join(line.rstrip() for line in
                                           text.replace("\r\n", "\n").split("\n")).strip()
            else:
                raw = self.query_one(f"#field-{spec.name}", Input).value.strip()
                if spec.kind == "int":
                    out[spec.name] = int(raw) if raw.isdigit() else (raw or None)
                else:
                    out[spec.name] = raw
        return out

    def set_ids(self, name: str, chosen: tuple[str, ...]) -> None:
        self.ids[name] = chosen
        self.query_one(f"#ids-{name}", Static).update(self._ids_words(name))
        self._recheck()

    def show_errors(self, errors: dict[str, str]) -> None:
        for spec in self.fields:
            box = self.query_one(f"#err-{spec.name}", Static)
            message = errors.get(spec.name, "")
            box.update(f"✗ {message}" if message else "")
            box.set_class(not message, "hidden")

    def _errors(self) -> dict[str, str]:
        values = self.values()
        errors: dict[str, str] = {}
        for spec in self.fields:
            if spec.kind == "int" and isinstance(values[spec.name], str):
                errors[spec.name] = "write a whole number, or leave it empty"
        if self.check is not None:
            for name, message in self.check(values).items():
                errors.setdefault(name, message)
        return errors

    def _recheck(self) -> None:
        if self.tried:
            self.show_errors(self._errors())

    # ------------------------------------------------------------------ events
    def on_input_changed(self, event: Input.Changed) -> None:
        self._recheck()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._recheck()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._recheck()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        bid = event.button.id or ""
        if bid == "save":
            self.action_save()
        elif bid == "cancel":
            self.action_cancel()
        elif bid.startswith("choose-"):
            self.choose(bid.removeprefix("choose-"))

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            return any(f.kind == "ids" for f in self.fields)
        return True

    def action_choose(self) -> None:
        focused = self.focused
        names = [f.name for f in self.fields if f.kind == "ids"]
        if focused is not None and (focused.id or "").startswith("choose-"):
            self.choose((focused.id or "").removeprefix("choose-"))
        elif names:
            self.choose(names[0])

    def choose(self, name: str) -> None:
        from playlist_tui.ui.screens.pickers import CompetencyPicker

        if self.data is None:
            return
        spec = next(f for f in self.fields if f.name == name)

        def chosen(result: tuple[str, ...] | None) -> None:
            if result is not None:
                self.set_ids(name, result)

        self.app.push_screen(CompetencyPicker(self.data, self.ids[name], title=spec.label,
                                              exclude=spec.exclude), chosen)

    def action_save(self) -> None:
        self.tried = True
        errors = self._errors()
        self.show_errors(errors)
        if errors:
            first = next(f.name for f in self.fields if f.name in errors)
            self.focus_field(first)
            self.notify(f"Not saved: {len(errors)} field{'s' if len(errors) > 1 else ''} "
                        "to fix (marked ✗).", severity="warning", timeout=4)
            return
        self.dismiss(self.values())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question, for changes that are hard to undo (removing)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Remove") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            if self.detail:
                yield Static(self.detail, markup=False, classes="form-intro")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error", compact=True)
                yield Button("Keep it (n)", id="no", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")


# --------------------------------------------------------------------------- checks


def check_id(value: str, taken: set[str] | Sequence[str], what: str) -> str | None:
    """Why ``value`` cannot be the id of a new ``what`` (or None)."""
    problem = id_error(value)
    if problem is not None:
        return f"{problem}; {ID_RULE}"
    if value in taken:
        return f"there is already a {what} with the id {value!r}"
    return None


def suggest_id(text: str, taken: set[str]) -> str:
    """An id made from a title: ``Ratio tables!`` -> ``ratio-tables`` (free of ``taken``)."""
    out: list[str] = []
    plain = unicodedata.normalize("NFKD", text)  # é -> e + a combining accent (dropped)
    for ch in plain.lower():
        if unicodedata.combining(ch):
            continue
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    base = "".join(out).strip("-")[:48] or "item"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# --------------------------------------------------------------------------- problems


def file_problems_text(problems: Sequence[Problem], path: str, limit: int = 20) -> Text:
    """The problems of one file, one per line as ``path:line:col``, or that there are none."""
    mine = sorted((p for p in problems if p.path == path), key=lambda p: p.sort_key())
    if not mine:
        return line(f"✓ No problems in {path}.")
    errors = sum(1 for p in mine if p.severity == "error")
    lines = [f"{len(mine)} problem{'s' if len(mine) != 1 else ''} in {path} "
             f"({errors} error{'s' if errors != 1 else ''}); press e to fix it in your "
             "editor:"]
    for p in mine[:limit]:
        mark = "✗ error" if p.severity == "error" else "! warning"
        hint = f" (hint: {p.hint})" if p.hint else ""
        lines.append(safe_line(f"{mark}  {p.path}:{p.line}:{p.col}: {p.message}{hint}"))
    if len(mine) > limit:
        lines.append(f"… and {len(mine) - limit} more (press p for all problems)")
    return Text("\n".join(lines))


# --------------------------------------------------------------------------- $EDITOR

_LINE_ARG_EDITORS = {"vi", "vim", "nvim", "view", "nano", "emacs", "emacsclient", "micro",
                     "kak", "ne", "joe", "jed", "mg", "pico"}


def find_editor() -> list[str] | None:
    """The teacher's editor: $EDITOR, then $VISUAL, then nano or vi if installed."""
    for name in ("EDITOR", "VISUAL"):
        value = os.environ.get(name, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError:
                words = [value]
            if words:
                return words
    for fallback in ("nano", "vi"):
        found = shutil.which(fallback)
        if found:
            return [found]
    return None


def editor_command(editor: list[str], path: Path, line: int | None) -> list[str]:
    name = Path(editor[0]).name
    if line and name in _LINE_ARG_EDITORS:
        return [*editor, f"+{line}", str(path)]
    return [*editor, str(path)]


def open_in_editor(screen: Screen[Any], rel: str, line: int | None = None) -> None:
    """Hand the terminal to the teacher's editor for one class file, then reload."""
    from textual.app import SuspendNotSupported

    app = screen.app
    store = getattr(app, "store", None)
    root = getattr(store, "root", None)
    if root is None:
        return
    editor = find_editor()
    path = Path(root) / rel
    if editor is None:
        screen.notify(f"No text editor found: set EDITOR (for example export EDITOR=nano) "
                      f"and try again, or edit {rel} in any editor; the app reads it again "
                      "when you press r.", title="No editor", severity="warning", timeout=12,
                      markup=False)
        return
    command = editor_command(editor, path, line)
    try:
        with app.suspend():
            subprocess.run(command, check=False)
    except SuspendNotSupported:
        screen.notify(f"The app cannot hand over the terminal here. Edit {rel} in any "
                      "editor; the app reads it again when it changes (or press r).",
                      severity="warning", timeout=12, markup=False)
        return
    except OSError as exc:
        screen.notify(f"Could not start {editor[0]}: {exc.strerror or exc}", severity="error",
                      timeout=10, markup=False)
        return
    app.call_later(app.run_action, "reload")
