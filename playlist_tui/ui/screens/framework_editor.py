"""Edit one competency framework: its title, its mastery scale and its competencies
(id, name, statement, parent, prerequisites)."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Select, TextArea

from playlist_tui.model.files import Competency, Framework
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.session.views import (
    competency_used_by,
    highest_level_used,
    link_errors,
    prepare_usage,
    prerequisite_loop,
)
from playlist_tui.store import layout, ops
from playlist_tui.store.ops import Where
from playlist_tui.ui.format import cell
from playlist_tui.ui.screens.authoring import AuthoringScreen, scale_words
from playlist_tui.ui.screens.forms import (
    Check,
    ConfirmDialog,
    FormDialog,
    FormField,
    check_id,
)
from playlist_tui.ui.screens.playlist_editor import field_changes


def parse_levels(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def level_options(levels: list[str]) -> list[tuple[str, int]]:
    return [(f"{n} {name}", n) for n, name in enumerate(levels, start=1)]


class ScaleForm(FormDialog):
    """The scale: one level per line; the mastered level follows the levels as you type."""

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        levels = parse_levels(event.text_area.text)
        select: Select[int] = self.query_one("#field-mastered_at", Select)
        current = select.value
        options = level_options(levels) or [("(write the levels first)", 0)]
        select.set_options(options)
        values = [value for _, value in options]
        select.value = current if current in values else values[min(len(values) - 1, 2)]


class FrameworkEditor(AuthoringScreen):
    """Keyboard-first editor of one framework file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit", priority=True, id="framework-editor.edit"),
        Binding("a", "add", "Add competency", id="framework-editor.add-competency"),
        Binding("x,delete", "remove", "Remove", id="framework-editor.remove"),
        Binding("shift+up", "move(-1)", "Move up", id="framework-editor.move-up"),
        Binding("shift+down", "move(1)", "Move down", id="framework-editor.move-down"),
        Binding("c", "prerequisites", "Prerequisites", id="framework-editor.prerequisites"),
        Binding("s", "scale", "Scale", id="framework-editor.scale"),
        Binding("e", "open_editor", "Text editor", id="framework-editor.text-editor"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], teacher: str,
                 framework_id: str) -> None:
        super().__init__(data, problems, teacher)
        self.framework_id = framework_id
        self.path = data.sources.get(("framework", framework_id),
                                     layout.framework_file(framework_id))

    @property
    def framework(self) -> Framework | None:
        return self.data.frameworks.get(self.framework_id)

    @property
    def file(self) -> str:
        return self.path

    # ------------------------------------------------------------------ view
    def refresh_view(self) -> None:
        self.path = self.data.sources.get(("framework", self.framework_id), self.path)
        # the usage lookups' answers, made in a worker: no cursor move waits for a pass
        # over every student of a large class
        self.run_worker(partial(prepare_usage, self.data, None), thread=True,
                        group="usage", exclusive=True)
        framework = self.framework
        self.sub_title = self.path
        parent_w, pre_w = 9, 16
        width = self.width_left(parent_w, pre_w)
        columns = [("Competency", width), ("Parent", parent_w), ("Prerequisites", pre_w)]
        if framework is None:
            self.title = "Edit framework"
            self.fill(columns, [("gone", [cell("This framework cannot be read now: see the "
                                               "problems below, press e to fix it.", width),
                                          Text(""), Text("")])])
            return
        self.title = f"Edit: {framework.title}"
        rows: list[tuple[str, list[Text]]] = [
            ("framework", [cell(f"Framework: {framework.title}", width, bold=True),
                           Text(""), Text("")]),
            ("scale", [cell(f"Scale: {scale_words(framework.scale)}", width), Text(""),
                       Text("")]),
        ]
        for competency in framework.competencies:
            rows.append((f"comp:{competency.id}", [
                cell(f"  {competency.id}  {competency.label}", width),
                cell(competency.parent or "–", parent_w),
                cell(", ".join(competency.prerequisites) or "–", pre_w)]))
        if not framework.competencies:
            rows.append(("empty:", [cell("  (no competencies yet: press a to add one)", width),
                                    Text(""), Text("")]))
        self.fill(columns, rows)

    row_actions = frozenset({"edit", "remove", "move", "prerequisites", "add", "scale"})

    def applies(self, action: str, kind: str) -> bool | None:
        if self.framework is None:
            return action == "edit"
        if action in ("remove", "move", "prerequisites"):
            return kind == "comp"
        return True

    def competency(self, ident: str) -> Competency | None:
        framework = self.framework
        if framework is None:
            return None
        return next((c for c in framework.competencies if c.id == ident), None)

    def used_by(self, cid: str) -> list[str]:
        """Where a competency is named, in words (other competencies, playlists, students)."""
        return competency_used_by(self.data, cid)

    def details_text(self) -> str:
        framework = self.framework
        if framework is None:
            return ""
        kind, ident = self.selected()
        if kind == "framework":
            count = len(framework.competencies)
            about = framework.description or "(no description)"
            return (f"{framework.title} · id {framework.id} · {count} competenc"
                    f"{'y' if count == 1 else 'ies'}\n{about}")
        if kind == "scale":
            levels = "; ".join(f"{n} {name}" + (" = mastered" if n == framework.scale.mastered_at
                                                 else "")
                               for n, name in enumerate(framework.scale.levels, start=1))
            return f"Levels: {levels}\nPress enter (or s) to change the scale."
        if kind == "comp":
            competency = self.competency(ident)
            if competency is None:
                return ""
            lines = [f"{competency.id}" + (f" · {competency.name}" if competency.name else ""),
                     competency.statement]
            extra = []
            if competency.parent:
                extra.append(f"parent {competency.parent}")
            if competency.prerequisites:
                extra.append("prerequisites " + ", ".join(competency.prerequisites))
            used = self.used_by(competency.id)
            extra.append("used by " + ", ".join(used) if used else "not used yet")
            lines.append(" · ".join(extra))
            return "\n".join(lines)
        if kind == "empty":
            return "Press a to add a competency."
        return ""

    # ------------------------------------------------------------------ helpers
    def post_edit(self, changes: tuple[tuple[Where, Any], ...], what: str, message: str,
                  follow: str | None = None) -> None:
        if not changes:
            self.notify("Nothing changed.")
            return
        self.save(ops.EditFields(self.path, changes, what=what), message, follow)

    def competency_form(self, competency: Competency | None) -> FormDialog:
        data = self.data
        own = competency.id if competency else None
        others = {c for c in data.competencies if c != own}
        used = self.used_by(own) if own else []

        def check(values: dict[str, Any]) -> dict[str, str]:
            errors: dict[str, str] = {}
            ident = values["id"]
            problem = check_id(ident, others, "competency (in any framework)")
            if problem:
                errors["id"] = problem
            elif own is not None and ident != own and used:
                errors["id"] = (f"it is used ({'; '.join(used[:3])}): keep the id, or "
                                "rename it everywhere by hand (e)")
            if not values["statement"]:
                errors["statement"] = "write what the student can do"
            errors.update(link_errors(data, own, ident or own or "", values["parent"],
                                      values["prerequisites"]))
            return errors

        current_parent = (competency.parent or "") if competency else ""
        options = [("(none)", "")] + [
            (f"{cid} {c.label[:44]}", cid) for cid, c in data.competencies.items()
            if cid != own]
        if current_parent and current_parent not in data.competencies:
            options.append((f"{current_parent} (unknown)", current_parent))
        exclude = (own,) if own else ()
        return FormDialog("Competency" if competency else "New competency", [
            FormField("id", "Id", value=own or "", placeholder="e.g. MATH.6.RP.1",
                      help="Unique in the class. Requests and decisions use it." if own
                      else "Unique in the class; it cannot change once used."),
            FormField("name", "Name", value=(competency.name or "") if competency else "",
                      placeholder="a short label (optional)"),
            FormField("statement", "Statement", "multiline",
                      competency.statement if competency else "", lines=3),
            FormField("parent", "Parent", "select", current_parent, options=options),
            FormField("prerequisites", "Prerequisites", "ids",
                      competency.prerequisites if competency else (), exclude=exclude),
        ], check, data)

    # ------------------------------------------------------------------ actions
    def on_data_table_row_selected(self, event: Any) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        kind, ident = self.selected()
        if self.framework is None:
            self.notify("This framework cannot be read now; press e to fix it in your editor.")
        elif kind == "framework":
            self.edit_framework()
        elif kind == "scale":
            self.action_scale()
        elif kind == "comp":
            self.edit_competency(ident)
        elif kind == "empty":
            self.action_add()

    def edit_framework(self) -> None:
        framework = self.framework
        assert framework is not None

        def check(values: dict[str, Any]) -> dict[str, str]:
            return {} if values["title"] else {"title": "write a title"}

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            new = {"title": values["title"], "description": values["description"]}
            old = {"title": framework.title, "description": framework.description}
            self.post_edit(field_changes((), old, new), "the framework", "Framework saved")

        self.app.push_screen(FormDialog("Framework", [
            FormField("id", "Id", "fixed", value=framework.id),
            FormField("title", "Title", value=framework.title),
            FormField("description", "Description", "multiline", framework.description,
                      lines=4),
        ], check, self.data), done)

    def action_scale(self) -> None:
        framework = self.framework
        if framework is None:
            return
        scale = framework.scale
        used = highest_level_used(self.data, framework)

        def check(values: dict[str, Any]) -> dict[str, str]:
            errors: dict[str, str] = {}
            levels = parse_levels(values["levels"])
            if len(levels) < 2:
                errors["levels"] = "write at least two levels, one per line"
            elif len(set(levels)) != len(levels):
                errors["levels"] = "each level needs its own name"
            elif used > len(levels):
                errors["levels"] = (f"decisions already use level {used}: keep at least "
                                    f"{used} levels")
            mastered = values["mastered_at"]
            if not isinstance(mastered, int) or not 1 <= mastered <= max(len(levels), 1):
                errors["mastered_at"] = "choose one of the levels"
            return errors

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            new = {"levels": tuple(parse_levels(values["levels"])),
                   "mastered_at": values["mastered_at"]}
            old = {"levels": scale.levels, "mastered_at": scale.mastered_at}
            self.post_edit(field_changes(("scale",), old, new), "the scale", "Scale saved")

        check_fn: Check = check
        self.app.push_screen(ScaleForm("Mastery scale", [
            FormField("levels", "Levels", "multiline", "\n".join(scale.levels), lines=5,
                      help="One level per line, from the lowest (level 1) up."),
            FormField("mastered_at", "Mastered at", "select", scale.mastered_at,
                      options=level_options(list(scale.levels)),
                      help="The first level that counts as mastered."),
        ], check_fn, self.data), done)

    def edit_competency(self, ident: str) -> None:
        competency = self.competency(ident)
        if competency is None:
            return

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            new = {"id": values["id"], "name": values["name"] or None,
                   "statement": values["statement"], "parent": values["parent"] or None,
                   "prerequisites": tuple(values["prerequisites"])}
            old = {"id": competency.id, "name": competency.name,
                   "statement": competency.statement, "parent": competency.parent,
                   "prerequisites": competency.prerequisites}
            self.post_edit(field_changes(("competencies", competency.id), old, new),
                           f"competency {competency.id}", f"Saved: {values['id']}",
                           follow=f"comp:{values['id']}")

        self.app.push_screen(self.competency_form(competency), done)

    def action_add(self) -> None:
        if self.framework is None:
            return

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            item = [("id", values["id"]), ("name", values["name"]),
                    ("statement", values["statement"]), ("parent", values["parent"]),
                    ("prerequisites", tuple(values["prerequisites"]))]
            kept = tuple((k, v) for k, v in item if v not in (None, "", ()))
            self.save(ops.AddElement(self.path, ("competencies",), kept),
                      f"Competency added: {values['id']}", follow=f"comp:{values['id']}")

        self.app.push_screen(self.competency_form(None), done)

    def action_remove(self) -> None:
        kind, ident = self.selected()
        competency = self.competency(ident) if kind == "comp" else None
        if competency is None:
            self.notify("Choose a competency to remove.")
            return
        used = self.used_by(ident)
        detail = ("It is used: " + "; ".join(used) + ". Those places will be reported as "
                  "problems until they are changed." if used else "It is not used anywhere.")

        def answer(yes: bool | None) -> None:
            if yes:
                self.save(ops.RemoveElement(self.path, ("competencies", ident)),
                          f"Removed: {ident}")

        self.app.push_screen(ConfirmDialog(f"Remove the competency {ident}?", detail), answer)

    def action_move(self, step: int) -> None:
        framework = self.framework
        kind, ident = self.selected()
        if framework is None or kind != "comp":
            self.notify("Choose a competency to move.")
            return
        index = next(i for i, c in enumerate(framework.competencies) if c.id == ident)
        if not 0 <= index + step < len(framework.competencies):
            self.notify(f"It is already the {'first' if step < 0 else 'last'} competency.")
            return
        self.save(ops.MoveItem(self.path, ("competencies", ident), step),
                  f"Moved {'up' if step < 0 else 'down'}: {ident}")

    def action_prerequisites(self) -> None:
        from playlist_tui.ui.screens.pickers import CompetencyPicker

        kind, ident = self.selected()
        competency = self.competency(ident) if kind == "comp" else None
        if competency is None:
            self.notify("Choose a competency to set its prerequisites.")
            return

        def done(chosen: tuple[str, ...] | None) -> None:
            if chosen is None or tuple(chosen) == competency.prerequisites:
                return
            loop = prerequisite_loop(self.data, ident, ident, chosen)
            if loop is not None:
                self.notify(f"Not saved: {ident} is already needed for {loop}, so that "
                            "would be a loop.", severity="warning", timeout=8)
                return
            self.post_edit(((("competencies", ident, "prerequisites"), tuple(chosen) or None),),
                           f"competency {ident}",
                           f"Prerequisites of {ident}: {', '.join(chosen) or 'none'}")

        self.app.push_screen(CompetencyPicker(self.data, competency.prerequisites,
                                              title=f"Prerequisites of {ident}",
                                              exclude=(ident,)), done)
