"""Widgets shared by screens. They only show what they are given."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text as RichText
from textual.containers import VerticalScroll
from textual.filter import LineFilter
from textual.geometry import Size
from textual.strip import Strip
from textual.visual import Visual, VisualType, visualize
from textual.widget import _RenderCache  # (PageText draws line by line)
from textual.widgets import OptionList, Static

from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import safe_line, safe_text

if TYPE_CHECKING:
    from rich.text import Text
    from textual.color import Color
    from textual.widgets.option_list import Option


def set_text(static: Static, text: Text | str) -> bool:
    """Show ``text`` in ``static`` unless it shows exactly that already (True if it
    changed). A screen redrawn after a change on disk then lays out and paints only the
    parts whose words changed, not every part of the screen."""
    old = static.content
    if old == text:
        return False
    static.update(text, layout=not _same_shape(static, old, text))
    return True


def _same_shape(static: Static, old: object, new: Text | str) -> bool:
    """The new text takes exactly the room the old one took: as many lines, and each line
    that changed fits the widget's width in both (so neither wraps; a line that did not
    change wraps as before), the width not depending on the text. Then no layout is
    needed: only the widget is painted again, not the screen around it."""
    width = static.content_region.width
    if not width or static.styles.width is None or static.styles.width.is_auto:
        return False
    before = str(old.plain if hasattr(old, "plain") else old).split("\n")
    after = str(new.plain if hasattr(new, "plain") else new).split("\n")
    return len(before) == len(after) and all(
        a == b or (cell_len(a) <= width and cell_len(b) <= width)
        for a, b in zip(before, after, strict=True))


def _width(prompt: object) -> int:
    return cell_len(prompt.plain if hasattr(prompt, "plain") else str(prompt))


def _replace_prompts(options: OptionList, changes: list[tuple[Option, VisualType]]) -> None:
    """New prompts of the same width for some options: only those options are drawn
    again (``replace_option_prompt_at_index`` forgets how every option was drawn, so a
    tick drew every row on the screen again). Uses the OptionList's insides as Textual 8
    has them; without them, the public way."""
    cache = getattr(options, "_option_render_cache", None)
    if cache is None or not all(hasattr(option, "_set_prompt") for option, _ in changes):
        for option, prompt in changes:
            options.replace_option_prompt_at_index(options.options.index(option), prompt)
        return
    mine = {id(option) for option, _ in changes}
    for option, prompt in changes:
        option._set_prompt(prompt)
    drawn = list(cache.keys())  # (an LRUCache: keys are (option, style, padding))
    for key in drawn:
        if id(key[0]) in mine:
            cache.discard(key)
    options.refresh()


def set_options(options: OptionList, rows: list[Option],
                placeholder: Option | None = None) -> None:
    """Show ``rows`` in ``options`` (``placeholder`` when there are none), the highlight
    kept. When the rows are the same options as shown (same ids, in the same order, each
    enabled or not as before), only the prompts that changed are replaced: no new layout,
    and only the list is drawn again. Otherwise the list is made again (at once: one by
    one, each redid the list's lines)."""
    wanted = rows or ([placeholder] if placeholder is not None else [])
    shown = options.options
    if len(shown) == len(wanted) and all(
            a.id == b.id and a.disabled == b.disabled
            for a, b in zip(shown, wanted, strict=True)):
        changed = [(index, old, new) for index, (old, new) in
                   enumerate(zip(shown, wanted, strict=True)) if old.prompt != new.prompt]
        # a prompt of another width may wrap onto another number of lines
        if any(_width(old.prompt) != _width(new.prompt) for _, old, new in changed):
            for index, _, new in changed:
                options.replace_option_prompt_at_index(index, new.prompt)
            options.refresh(layout=True)
        elif changed:
            _replace_prompts(options, [(old, new.prompt) for _, old, new in changed])
        return
    highlighted = options.highlighted
    options.clear_options()
    options.add_options(rows)
    if options.option_count:
        options.highlighted = min(highlighted or 0, options.option_count - 1)
    elif placeholder is not None:
        options.add_option(placeholder)


# What must never reach the terminal from a widget's text: C0 (tab included: the terminal
# would move the cursor), DEL, C1, bidi controls, line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069\u2028\u2029\ufeff\ufff9-\ufffb]")


def _blank(match: re.Match[str]) -> str:
    """A control character replaced by as many cells as the screen layout gave it (zero
    for most: removed), so that the line keeps its width."""
    return "?" * cell_len(match.group(0))


class ControlFilter(LineFilter):
    """The last guard between class data and the terminal: every line the app draws is
    cleared of control characters (an ESC sequence in a name could otherwise recolour,
    hide or rewrite the screen, write the clipboard with OSC 52 or make a link with OSC
    8). Screens show such characters as visible escapes first (ui/format.py); this catches
    whatever one forgot. The app installs it."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        search = _CONTROL.search
        if not any(search(text) for text, _, control in segments if not control):
            return segments
        return [Segment(_CONTROL.sub(_blank, text), style, control)
                if not control and search(text) else Segment(text, style, control)
                for text, style, control in segments]


class ProblemsPanel(VerticalScroll):
    """Problems of the class folder: one summary line, or every problem when expanded."""

    DEFAULT_CSS = """
    ProblemsPanel {
        dock: bottom;
        height: auto;
        max-height: 10;
        border-top: solid $error;
        padding: 0 1;
    }
    ProblemsPanel.hidden {
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="hidden")
        self.problems: list[Problem] = []
        self.expanded = False
        self._drawn = False

    def show(self, problems: list[Problem]) -> None:
        if self._drawn and (problems is self.problems or problems == self.problems):
            return  # the same problems as shown (most changes on disk bring no new one)
        self.problems = problems
        self.set_class(not problems, "hidden")
        self._render_problems()

    def toggle(self) -> None:
        self.expanded = not self.expanded
        self._render_problems()

    def on_mount(self) -> None:
        self._render_problems()  # problems given before the panel was mounted

    def _render_problems(self) -> None:
        if not self.is_mounted:
            return  # drawn by on_mount
        self._drawn = True
        self.remove_children()
        problems = self.problems
        if not problems:
            return
        errors = sum(1 for p in problems if p.severity == "error")
        head = (f"! {len(problems)} problem{'s' if len(problems) != 1 else ''} in the class "
                f"folder ({errors} error{'s' if errors != 1 else ''}); the rest works. "
                + ("Press p to hide." if self.expanded else "Press p to see them."))
        self.mount(Static(head, markup=False, classes="problems-head"))
        if self.expanded:
            for p in problems:
                mark = "✗ error" if p.severity == "error" else "! warning"
                hint = f"\n    hint: {safe_text(p.hint)}" if p.hint else ""
                self.mount(Static(f"{mark}  {safe_line(p.path)}:{p.line}:{p.col}: "
                                  f"{safe_line(p.message)}{hint}", markup=False))


class GitBar(Static):
    """One line: branch, changes not yet in git, ahead/behind, last sync (or why not)."""

    DEFAULT_CSS = """
    GitBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    GitBar.hidden {
        display: none;
    }
    """

    def __init__(self) -> None:
        super().__init__("", markup=False, classes="hidden")

    def show_status(self, words: str | None) -> None:
        self.set_class(not words, "hidden")
        self.update(safe_line(words or ""))


class PageText(Static):
    """A Static for a long page of plain lines (the teacher's page on a student): each line
    is wrapped and drawn once for a width and kept, so new text whose lines are mostly the
    same (a tick changes one or two) is measured and drawn by its new lines only, not by
    every line of the page. Shows exactly what a Static shows (the lines of a plain text
    are wrapped one by one there too); while text is selected with the mouse it draws the
    whole text as a Static does, so the selection is drawn where it is."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._rows: list[str] = [""]
        self._drawn: dict[tuple[str, int], list[Strip]] = {}

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        plain = content.plain if isinstance(content, RichText) else str(content)
        self._rows = plain.split("\n")
        super().update(content, layout=layout)

    def _lines_of(self, row: str, width: int) -> list[Strip]:
        key = (row, width)
        found = self._drawn.get(key)
        if found is None:
            if len(self._drawn) > 4 * len(self._rows) + 64:
                self._drawn.clear()  # lines no longer shown (or another width)
            found = Visual.to_strips(self, visualize(self, row, markup=False), width, None,
                                     self.visual_style)
            self._drawn[key] = found
        return found

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not width:
            return 0
        return sum(len(self._lines_of(row, width)) for row in self._rows)

    def _render_content(self) -> None:  # (Textual's Widget: one render of all lines)
        if self.text_selection is not None:
            super()._render_content()
            return
        width, height = self.size
        strips = [strip for row in self._rows for strip in self._lines_of(row, width)]
        self._render_cache = _RenderCache(self.size, strips[:height])
        self._dirty_regions.clear()
