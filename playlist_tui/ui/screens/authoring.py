"""Writing the curriculum in the app: the list of frameworks and playlists (the entry
point for teachers), and what the playlist and framework editors have in common.

Every change is one operation on one file, posted to the app (:class:`ApplyOperation`),
which saves it in a worker through the store and hands every screen the reloaded class.
The store changes only the lines that change; comments and layout stay.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup, Vertical
from textual.coordinate import Coordinate
from textual.css.query import NoMatches
from textual.widgets import DataTable, Footer, Header, Static
from textual.widgets._footer import FooterKey

from playlist_tui.model.files import Framework, Playlist, Scale, Tier
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.store import layout, ops
from playlist_tui.ui.format import block, cell
from playlist_tui.ui.messages import ApplyOperation
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.screens.forms import (
    FormDialog,
    FormField,
    check_id,
    file_problems_text,
    open_in_editor,
    suggest_id,
)

TIER_PRESETS: dict[str, tuple[str, tuple[Tier, ...]]] = {
    "must": ("Must do / Should do / Aspire to do", (
        Tier(id="must", title="Must do"),
        Tier(id="should", title="Should do"),
        Tier(id="aspire", title="Aspire to do", complete="optional"))),
    "core": ("Core / Practice / Challenge", (
        Tier(id="core", title="Core"),
        Tier(id="practice", title="Practice"),
        Tier(id="challenge", title="Challenge", complete="optional"))),
    "one": ("One tier", (Tier(id="activities", title="Activities"),)),
    "none": ("No tiers yet", ()),
}

SCALE_PRESETS: dict[str, Scale] = {
    "bdpe": Scale(levels=("Beginning", "Developing", "Proficient", "Extending"),
                  mastered_at=3),
    "eame": Scale(levels=("Emerging", "Approaching", "Meeting", "Exceeding"), mastered_at=3),
    "nym": Scale(levels=("Not yet", "Mastered"), mastered_at=2),
}


def scale_words(scale: Scale) -> str:
    return f"{' · '.join(scale.levels)} (mastered from {scale.mastered_at} " \
           f"{scale.name_of(scale.mastered_at)})"


class KeysFooter(Footer):
    """The footer on as many lines as it takes to show every key of the screen (three at
    80 columns), each line filled from the left; the command palette key is docked on the
    right, so it takes that width from every line."""

    DEFAULT_CSS = """
    KeysFooter {
        layout: vertical;
        height: auto;
    }
    KeysFooter > .keys-row {
        width: 1fr;
        height: 1;
        layout: horizontal;
    }
    """

    PALETTE_WIDTH = 14

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        first: dict[str, tuple[Binding, bool, str]] = {}
        for item in active.values():
            if item.binding.show and item.binding.action not in first:
                first[item.binding.action] = (item.binding, item.enabled, item.tooltip)
        rows: list[list[tuple[Binding, bool, str]]] = [[]]
        used = 0
        room = max(20, (self.app.size.width or 80) - self.PALETTE_WIDTH - 1)
        for binding, enabled, tooltip in first.values():
            width = cell_len(self.app.get_key_display(binding)) + cell_len(
                binding.description) + 3
            if rows[-1] and used + width > room:
                rows.append([])
                used = 0
            rows[-1].append((binding, enabled, tooltip))
            used += width
        for row in rows:
            with HorizontalGroup(classes="keys-row"):
                for binding, enabled, tooltip in row:
                    yield FooterKey(binding.key, self.app.get_key_display(binding),
                                    binding.description, binding.action,
                                    disabled=not enabled, tooltip=tooltip).data_bind(
                                        compact=Footer.compact)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette:
            yield FooterKey(palette.binding.key, self.app.get_key_display(palette.binding),
                            palette.binding.description, palette.binding.action,
                            classes="-command-palette", disabled=not palette.enabled,
                            tooltip=palette.binding.tooltip or palette.binding.description)


class AuthoringScreen(DataScreen):
    """A list of rows (``#items``), the details of the highlighted one, and the problems of
    the file it belongs to, with path:line:col. ``e`` opens that file in $EDITOR."""

    def __init__(self, data: ClassData, problems: list[Problem], teacher: str) -> None:
        super().__init__(data, problems)
        self.teacher = teacher
        self.follow: str | None = None
        """Row key to highlight once it appears (a new or renamed item)."""

    @property
    def file(self) -> str | None:
        """The class-folder path of the file the highlighted row belongs to."""
        return None

    def compose_body(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(id="items", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static("", id="item-details", markup=False)
        yield Static("", id="file-problems", markup=False)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="authoring-body"):
            yield from self.compose_body()
        yield KeysFooter()

    @on(events.Mount)
    def _focus_items(self) -> None:
        self.items.focus()

    @property
    def items(self) -> DataTable[Text]:
        return self.query_one("#items", DataTable)

    def current_key(self) -> str | None:
        table = self.items
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return key or None

    def selected(self) -> tuple[str, str]:
        """(kind, id) of the highlighted row, from its key ``kind:id``."""
        try:
            key = self.current_key() or ""
        except NoMatches:
            key = ""
        kind, _, ident = key.partition(":")
        return kind, ident

    def applies(self, action: str, kind: str) -> bool | None:
        """Whether an action applies to a row of this kind (False: left out of the footer)."""
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.row_actions:
            return self.applies(action, self.selected()[0])
        return super().check_action(action, parameters)

    row_actions: ClassVar[frozenset[str]] = frozenset()
    """Actions that depend on the highlighted row (see :meth:`applies`)."""

    def row_keys(self) -> list[str]:
        table = self.items
        return [str(table.coordinate_to_cell_key(Coordinate(r, 0)).row_key.value)
                for r in range(table.row_count)]

    def fill(self, columns: list[tuple[str, int]], rows: list[tuple[str, list[Text]]]) -> None:
        """Replace the rows; keep the highlighted row (by key), or go to ``follow``."""
        table = self.items
        old_key, old_row = self.current_key(), table.cursor_row
        table.clear(columns=True)
        for label, width in columns:
            table.add_column(label, width=width)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        keys = [key for key, _ in rows]
        if self.follow in keys:
            index = keys.index(self.follow)
            self.follow = None
        elif old_key in keys:
            index = keys.index(old_key)
        elif old_key is None:  # the first time: the first row that is not a heading
            index = next((n for n, k in enumerate(keys) if not k.startswith("sec:")), 0)
        else:
            index = min(max(old_row, 0), len(keys) - 1)
        if keys:
            table.move_cursor(row=index)
        self.show_details()

    def details_text(self) -> str:
        return ""

    def show_details(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#item-details", Static).update(block(self.details_text()))
        path = self.file
        box = self.query_one("#file-problems", Static)
        box.update(file_problems_text(self.problems, path) if path else "")
        box.display = path is not None
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_details()

    def width_left(self, *fixed: int) -> int:
        """Width for the one flexible column, given the widths of the others."""
        total = self.size.width or 80
        return max(20, total - sum(fixed) - 2 * (len(fixed) + 1) - 2)

    def save(self, operation: ops.Operation, message: str, follow: str | None = None) -> None:
        if follow is not None:
            self.follow = follow
        self.post_message(ApplyOperation(operation, message))

    def first_problem_line(self, path: str) -> int | None:
        lines = sorted(p.line for p in self.problems if p.path == path)
        return lines[0] if lines else None

    def action_open_editor(self) -> None:
        path = self.file
        if path is None:
            self.notify("Choose a playlist or a framework first.")
            return
        open_in_editor(self, path, self.first_problem_line(path))


# --------------------------------------------------------------------------- the list


def taken_paths(data: ClassData, problems: list[Problem]) -> set[str]:
    return set(data.sources.values()) | {p.path for p in problems}


def new_playlist_form(data: ClassData, problems: list[Problem]) -> FormDialog:
    taken = taken_paths(data, problems)

    def check(values: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not values["title"]:
            errors["title"] = "write a title"
        problem = check_id(values["id"], set(data.playlists), "playlist")
        if problem is None and layout.playlist_file(values["id"]) in taken:
            problem = f"{layout.playlist_file(values['id'])} already exists"
        if problem:
            errors["id"] = problem
        return errors

    return FormDialog("New playlist", [
        FormField("title", "Title", placeholder="e.g. Ratios and rates"),
        FormField("id", "Id", placeholder="e.g. ratios (used in file names and ticks)",
                  help="The file will be playlists/ID.toml. Ids cannot change later."),
        FormField("summary", "Summary", "multiline", lines=2),
        FormField("tiers", "Tiers", "select", "must",
                  options=[(label, key) for key, (label, _) in TIER_PRESETS.items()]),
    ], check, data, intro="A new playlist file. You add activities in the editor next.")


def new_framework_form(data: ClassData, problems: list[Problem]) -> FormDialog:
    taken = taken_paths(data, problems)

    def check(values: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not values["title"]:
            errors["title"] = "write a title"
        problem = check_id(values["id"], set(data.frameworks), "framework")
        if problem is None and layout.framework_file(values["id"]) in taken:
            problem = f"{layout.framework_file(values['id'])} already exists"
        if problem:
            errors["id"] = problem
        return errors

    return FormDialog("New competency framework", [
        FormField("title", "Title", placeholder="e.g. Grade 6: Ratios"),
        FormField("id", "Id", placeholder="e.g. grade6-ratios",
                  help="The file will be frameworks/ID.toml."),
        FormField("description", "Description", "multiline", lines=2),
        FormField("scale", "Scale", "select", "bdpe",
                  options=[(scale_words(s), key) for key, s in SCALE_PRESETS.items()]),
    ], check, data, intro="A new framework file: its mastery scale can be changed later.")


def duplicate_form(data: ClassData, problems: list[Problem], playlist: Playlist
                   ) -> FormDialog:
    taken = taken_paths(data, problems)
    taken_ids = set(data.playlists) | {p.removeprefix("playlists/").removesuffix(".toml")
                                       for p in taken}

    def check(values: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not values["title"]:
            errors["title"] = "write a title"
        problem = check_id(values["id"], set(data.playlists), "playlist")
        if problem is None and layout.playlist_file(values["id"]) in taken:
            problem = f"{layout.playlist_file(values['id'])} already exists"
        if problem:
            errors["id"] = problem
        return errors

    return FormDialog(f"Duplicate: {playlist.title}", [
        FormField("id", "New id", value=suggest_id(f"{playlist.id}-copy", taken_ids)),
        FormField("title", "New title", value=f"{playlist.title} (copy)"),
    ], check, data, intro="A copy with every tier and activity, in a new file. Students' "
                          "ticks stay with the original.")


def duplicate_operation(playlist: Playlist, values: dict[str, Any], source: str,
                        teacher: str) -> ops.CreateFile:
    copy = playlist.model_copy(update={"id": values["id"], "title": values["title"]})
    header = f"# A copy of {source}, made with playlist-tui by {teacher}."
    return ops.CreateFile(layout.playlist_file(values["id"]),
                          ops.render_curriculum(copy, header))


class CurriculumScreen(AuthoringScreen):
    """Frameworks and playlists of the class: open one to edit it, or start a new one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", priority=True, id="curriculum.open"),
        Binding("n", "new_playlist", "New playlist", id="curriculum.new-playlist"),
        Binding("f", "new_framework", "New framework", id="curriculum.new-framework"),
        Binding("d", "duplicate", "Duplicate", id="curriculum.duplicate"),
        Binding("e", "open_editor", "Text editor", id="curriculum.text-editor"),
    ]

    row_actions = frozenset({"open", "duplicate", "open_editor"})

    def __init__(self, data: ClassData, problems: list[Problem], teacher: str) -> None:
        super().__init__(data, problems, teacher)
        self.open_when_loaded: tuple[str, str] | None = None

    def applies(self, action: str, kind: str) -> bool | None:
        if action == "duplicate":
            return kind == "playlist"
        if action == "open_editor":
            return kind in ("framework", "playlist", "broken")
        return kind in ("framework", "playlist", "broken")

    # ------------------------------------------------------------------ view
    def unreadable(self) -> list[str]:
        loaded = set(self.data.sources.values())
        return sorted({p.path for p in self.problems
                       if p.path.startswith((layout.FRAMEWORKS_DIR + "/",
                                             layout.PLAYLISTS_DIR + "/"))
                       and p.path not in loaded})

    def problem_mark(self, path: str) -> Text:
        mine = [p for p in self.problems if p.path == path]
        if not mine:
            return Text("✓ none")
        errors = sum(1 for p in mine if p.severity == "error")
        if errors:
            return Text(f"✗ {errors} error{'s' if errors > 1 else ''}")
        return Text(f"! {len(mine)} warn.")

    def refresh_view(self) -> None:
        data = self.data
        self.title = "Curriculum"
        teacher = data.teachers.get(self.teacher)
        self.sub_title = f"{data.info.name} · {teacher.name if teacher else self.teacher}"
        width = self.width_left(26, 10)
        rows: list[tuple[str, list[Text]]] = []
        rows.append(("sec:frameworks", [cell(f"Frameworks ({len(data.frameworks)})", width,
                                             bold=True), Text(""), Text("")]))
        for framework in data.frameworks.values():
            path = data.sources.get(("framework", framework.id),
                                    layout.framework_file(framework.id))
            count = len(framework.competencies)
            rows.append((f"framework:{framework.id}", [
                cell(f"  {framework.title}", width),
                Text(f"{count} competenc{'y' if count == 1 else 'ies'}"),
                self.problem_mark(path)]))
        rows.append(("sec:playlists", [cell(f"Playlists ({len(data.playlists)})", width,
                                            bold=True), Text(""), Text("")]))
        for playlist in data.playlists.values():
            path = data.sources.get(("playlist", playlist.id),
                                    layout.playlist_file(playlist.id))
            acts = sum(len(t.activities) for t in playlist.tiers)
            rows.append((f"playlist:{playlist.id}", [
                cell(f"  {playlist.title}", width),
                Text(f"{len(playlist.tiers)} tiers · {acts} activit"
                     f"{'y' if acts == 1 else 'ies'}"),
                self.problem_mark(path)]))
        broken = self.unreadable()
        if broken:
            rows.append(("sec:broken", [cell("Files that cannot be read", width, bold=True),
                                        Text(""), Text("")]))
            for path in broken:
                rows.append((f"broken:{path}", [cell(f"  {path}", width),
                                                Text("press e to fix"),
                                                self.problem_mark(path)]))
        self.fill([("Framework or playlist", width), ("Contents", 26), ("Problems", 10)], rows)
        if self.open_when_loaded is not None:
            kind, ident = self.open_when_loaded
            if (kind == "playlist" and ident in data.playlists) or (
                    kind == "framework" and ident in data.frameworks):
                self.open_when_loaded = None
                self.call_later(self.open_editor_for, kind, ident)

    @property
    def file(self) -> str | None:
        kind, ident = self.selected()
        if kind == "framework":
            return self.data.sources.get(("framework", ident), layout.framework_file(ident))
        if kind == "playlist":
            return self.data.sources.get(("playlist", ident), layout.playlist_file(ident))
        if kind == "broken":
            return ident
        return None

    def details_text(self) -> str:
        kind, ident = self.selected()
        data = self.data
        if kind == "framework" and ident in data.frameworks:
            framework = data.frameworks[ident]
            lines = [f"{framework.title} · id {framework.id} · {self.file}",
                     f"Scale: {scale_words(framework.scale)}"]
            if framework.description:
                lines.append(framework.description)
            return "\n".join(lines)
        if kind == "playlist" and ident in data.playlists:
            playlist = data.playlists[ident]
            students = len(data.assignees(playlist.id))
            lines = [f"{playlist.title} · id {playlist.id} · {self.file}",
                     f"Assigned to {students} student{'s' if students != 1 else ''}."]
            if playlist.summary:
                lines.append(playlist.summary)
            return "\n".join(lines)
        if kind == "broken":
            return (f"{ident} cannot be read, so it is left out of the class. Press e to "
                    "fix it in your text editor.")
        if kind == "sec":
            return "Press n for a new playlist, f for a new framework."
        return ""

    # ------------------------------------------------------------------ actions
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def open_editor_for(self, kind: str, ident: str) -> None:
        if kind == "framework":
            from playlist_tui.ui.screens.framework_editor import FrameworkEditor

            self.app.push_screen(FrameworkEditor(self.data, self.problems, self.teacher,
                                                 ident))
        elif kind == "playlist":
            from playlist_tui.ui.screens.playlist_editor import PlaylistEditor

            self.app.push_screen(PlaylistEditor(self.data, self.problems, self.teacher,
                                                ident))

    def action_open(self) -> None:
        kind, ident = self.selected()
        if kind in ("framework", "playlist"):
            self.open_editor_for(kind, ident)
        elif kind == "broken":
            self.action_open_editor()
        elif kind == "sec":
            self.notify("Choose a framework or a playlist (arrows), or press n or f to "
                        "start a new one.")

    def action_new_playlist(self) -> None:
        def create(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            playlist = Playlist(id=values["id"], title=values["title"],
                                summary=values["summary"],
                                tiers=TIER_PRESETS[values["tiers"]][1])
            path = layout.playlist_file(playlist.id)
            header = f"# {path}: a playlist, written with playlist-tui."
            self.open_when_loaded = ("playlist", playlist.id)
            self.save(ops.CreateFile(path, ops.render_curriculum(playlist, header)),
                      f"Created {path}", follow=f"playlist:{playlist.id}")

        self.app.push_screen(new_playlist_form(self.data, self.problems), create)

    def action_new_framework(self) -> None:
        def create(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            framework = Framework(id=values["id"], title=values["title"],
                                  description=values["description"],
                                  scale=SCALE_PRESETS[values["scale"]])
            path = layout.framework_file(framework.id)
            header = f"# {path}: a competency framework, written with playlist-tui."
            self.open_when_loaded = ("framework", framework.id)
            self.save(ops.CreateFile(path, ops.render_curriculum(framework, header)),
                      f"Created {path}", follow=f"framework:{framework.id}")

        self.app.push_screen(new_framework_form(self.data, self.problems), create)

    def action_duplicate(self) -> None:
        kind, ident = self.selected()
        playlist = self.data.playlists.get(ident) if kind == "playlist" else None
        if playlist is None:
            self.notify("Choose a playlist to duplicate. (Frameworks are not duplicated: "
                        "competency ids must be unique in the class.)")
            return
        source = self.file or layout.playlist_file(ident)

        def create(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            operation = duplicate_operation(playlist, values, source, self.teacher)
            self.save(operation, f"Copied to {operation.file}",
                      follow=f"playlist:{values['id']}")

        self.app.push_screen(duplicate_form(self.data, self.problems, playlist), create)
