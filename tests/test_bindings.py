"""Key bindings: each has a stable id (so a keymap can change its keys) and each is in the
command palette (team rule: every binding visible in the footer and the palette)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

from textual.binding import Binding
from textual.command import CommandInput, CommandList, CommandPalette
from textual.dom import DOMNode
from textual.pilot import Pilot
from textual.screen import Screen

import playlist_tui.ui.screens as screens_package
from playlist_tui.ui.app import PlaylistApp
from tests.test_student_app import eventually, settle

ID = re.compile(r"^[a-z][a-z-]*\.[a-z][a-z-]*$")
PENDING: set[str] = set()
"""Modules whose bindings get their ids from another change (same scheme:
docs/architecture.md, the UI)."""


def screen_classes() -> list[type[Screen[object]]]:
    found: dict[str, type[Screen[object]]] = {}
    for info in pkgutil.iter_modules(screens_package.__path__):
        if info.name in PENDING:
            continue
        module = importlib.import_module(f"{screens_package.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == module.__name__:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def own_bindings(cls: type[DOMNode]) -> list[Binding]:
    """The bindings a class and its bases in the app declare (Textual's own are not ours)."""
    out = []
    for base in reversed(cls.__mro__):
        if base.__module__.startswith("playlist_tui.") and "BINDINGS" in vars(base):
            out += [b for b in vars(base)["BINDINGS"] if isinstance(b, Binding)]
    return out


def test_every_binding_has_an_id_unique_on_its_screen() -> None:
    classes = screen_classes()
    assert len(classes) > 15
    app_bindings = own_bindings(PlaylistApp)
    for cls in classes:
        seen: dict[str, str] = {}
        for binding in [*app_bindings, *own_bindings(cls)]:
            where = f"{cls.__name__}: {binding.key} -> {binding.action}"
            assert binding.id is not None, f"{where} has no id"
            assert ID.match(binding.id), f"{where}: id {binding.id!r} is not 'area.what'"
            # one id, one action on a screen (a subclass may declare the same again)
            assert seen.setdefault(binding.id, binding.action) == binding.action, \
                f"{where}: id {binding.id} also names {seen[binding.id]}"
    # the app's own ids are unique outright
    ids = [b.id for b in app_bindings]
    assert len(ids) == len(set(ids))


def test_a_keymap_changes_keys_by_id(small_copy: Path) -> None:
    app = PlaylistApp(small_copy, role="teacher", person="lee", watch=False,
                      keymap={"app.sync": "f6", "dialog.cancel": "escape,ctrl+g"})
    assert app._keymap == {"app.sync": "f6", "dialog.cancel": "escape,ctrl+g"}


async def palette_lists(pilot: Pilot[None], words: str) -> list[str]:
    """Open the command palette, type ``words``, and return what it offers."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await eventually(pilot, lambda: isinstance(app.screen, CommandPalette))
    app.screen.query_one(CommandInput).value = words
    offered: list[str] = []

    def found() -> bool:
        options = app.screen.query_one(CommandList)
        offered[:] = [str(options.get_option_at_index(n).prompt).split("\n")[0]
                      for n in range(options.option_count)]
        return any(words in text for text in offered)

    await eventually(pilot, found, seconds=4)
    await pilot.press("escape")
    await settle(pilot)
    return offered


async def check_screen(pilot: Pilot[None], name: str) -> None:
    """One binding of the screen on view (its own, shown in the footer) is offered in the
    command palette with its key."""
    screen = pilot.app.screen
    assert type(screen).__name__ == name, type(screen).__name__
    own = [a.binding for a in screen.active_bindings.values()
           if a.node is screen and a.binding.show and a.binding.description]
    assert own, f"{name} shows no binding of its own"
    binding = own[0]
    shown = pilot.app.get_key_display(binding)
    offered = await palette_lists(pilot, binding.description)
    assert f"{binding.description} ({shown})" in offered, (name, offered)


async def test_each_screens_bindings_are_in_the_command_palette(small_copy: Path) -> None:
    app = PlaylistApp(small_copy, role="teacher", person="lee", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await check_screen(pilot, "DashboardScreen")
        for key, name in (("w", "QueueScreen"), ("s", "GroupsScreen"),
                          ("a", "CurriculumScreen"), ("R", "RosterScreen"),
                          ("h", "HistoryScreen")):
            await pilot.press(key)
            await eventually(pilot, lambda n=name: type(app.screen).__name__ == n)
            await check_screen(pilot, name)
            await pilot.press("escape")
            await settle(pilot)
    app = PlaylistApp(small_copy, role="student", person="ana", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await check_screen(pilot, "StudentHome")
        for key, name in (("enter", "PlaylistScreen"), ("c", "CompetenciesScreen"),
                          ("g", "GoalsScreen")):
            await pilot.press(key)
            await eventually(pilot, lambda n=name: type(app.screen).__name__ == n)
            if name != "CompetenciesScreen":  # it has no key of its own beyond Back
                await check_screen(pilot, name)
            await pilot.press("escape")
            await settle(pilot)


def test_widgets_bindings_have_ids() -> None:
    """The app's own widgets (the grid and the shared widgets) follow the same scheme, so a
    keymap can change them too."""
    from playlist_tui.ui import grid, widgets
    found = 0
    for module in (grid, widgets):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, DOMNode):
                continue
            for binding in own_bindings(cls):
                found += 1
                where = f"{cls.__name__}: {binding.key} -> {binding.action}"
                assert binding.id is not None, f"{where} has no id"
                assert ID.match(binding.id), f"{where}: id {binding.id!r} is not 'area.what'"
    assert found >= 9
    assert {b.id for b in own_bindings(grid.Grid)} == {
        "grid.up", "grid.down", "grid.left", "grid.right", "grid.page-up",
        "grid.page-down", "grid.first-row", "grid.last-row", "grid.open"}
