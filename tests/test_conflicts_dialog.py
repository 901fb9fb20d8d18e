"""Issue 15 item 6 in the app: two teachers change the same value; after the sync the
teacher chooses between the two values, with who wrote each, and nobody needs git."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from playlist_tui.store.gitrepo import GitRepo
from playlist_tui.store.merge_shared import merge_shared, read_conflicts
from playlist_tui.ui.app import PlaylistApp
from playlist_tui.ui.screens.conflicts import ConflictsDialog
from playlist_tui.ui.widgets import GitBar
from tests.conftest import SMALL, git
from tests.gitutil import clone, seed_class
from tests.test_student_app import eventually, settle

SIZE = (80, 24)
PLAYLIST = "playlists/ratios.toml"


def change_minutes(repo: Path, minutes: int) -> None:
    """A teacher edits the tape activity's minutes by hand and commits it."""
    path = repo / PLAYLIST
    path.write_text(path.read_text().replace("minutes = 10", f"minutes = {minutes}"))
    git(repo, "commit", "-qam", f"minutes {minutes}")


def tape_minutes(repo: Path) -> int:
    data = tomllib.loads((repo / PLAYLIST).read_text())
    (minutes,) = [a["minutes"] for tier in data["tiers"] for a in tier["activities"]
                  if a["id"] == "tape"]
    return int(minutes)


def conflict_texts(dialog: ConflictsDialog) -> list[str]:
    options = dialog.query_one("#conflicts", OptionList)
    return [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]


async def test_a_true_conflict_is_settled_in_the_app(tmp_path: Path) -> None:
    remote, _ = seed_class(tmp_path)
    lee = clone(remote, tmp_path / "lee", "lee")
    kim = clone(remote, tmp_path / "kim", "kim")
    change_minutes(lee, 12)
    change_minutes(kim, 15)
    assert GitRepo(lee).sync().ok
    app = PlaylistApp(kim, role="teacher", person="kim", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await eventually(pilot, lambda: isinstance(app.screen, ConflictsDialog))
        dialog = app.screen
        assert isinstance(dialog, ConflictsDialog)
        assert conflict_texts(dialog) == [
            f"{PLAYLIST} · tiers[more].activities[tape].minutes\n"
            "  yours:  15 (Mr Kim)\n"
            "  theirs: 12 (Ms Lee)"]
        assert tape_minutes(kim) == 15  # the sync kept ours
        await pilot.press("t")  # take theirs
        await eventually(pilot, lambda: not isinstance(app.screen, ConflictsDialog))
        assert tape_minutes(kim) == 12
        assert app.conflicts == []
        assert read_conflicts(kim / ".git" / "playlist-tui") == []
        bar = app.screen.query_one(GitBar)
        assert "to settle" not in str(bar.render())
        # the choice is one line of the file, committed by the teacher's roster name
        app.session.commit_now()
        await settle(pilot)
    assert git(kim, "show", "--numstat", "--format=%s", "HEAD").split("\n")[:3] == [
        "Mr Kim: settled tiers[more].activities[tape].minutes = 12 (theirs)", "",
        f"1\t1\t{PLAYLIST}"]


async def test_open_conflicts_are_said_and_reachable_later(tmp_path: Path) -> None:
    remote, _ = seed_class(tmp_path)
    lee = clone(remote, tmp_path / "lee", "lee")
    kim = clone(remote, tmp_path / "kim", "kim")
    change_minutes(lee, 12)
    change_minutes(kim, 15)
    assert GitRepo(lee).sync().ok
    assert GitRepo(kim).sync().ok  # synced outside the app: the conflict waits
    app = PlaylistApp(kim, role="teacher", person="kim", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await eventually(pilot, lambda: bool(app.conflicts))
        assert not isinstance(app.screen, ConflictsDialog)  # not forced on at start ...
        bar = app.screen.query_one(GitBar)
        await eventually(pilot, lambda: "1 conflict to settle (C)" in str(bar.render()))
        await pilot.press("ctrl+p")  # ... but in the command palette
        await settle(pilot)
        await pilot.press(*"Shared-file")
        await eventually(pilot, lambda: "Shared-file conflicts" in _palette_text(app))
        await pilot.press("enter")
        await eventually(pilot, lambda: isinstance(app.screen, ConflictsDialog))
        await pilot.click("#ours")  # the mouse works too: keep yours
        await eventually(pilot, lambda: not app.conflicts)
    assert tape_minutes(kim) == 15
    assert read_conflicts(kim / ".git" / "playlist-tui") == []


def _palette_text(app: PlaylistApp) -> str:
    from textual.command import CommandList

    options = app.screen.query_one(CommandList)
    return " ".join(str(options.get_option_at_index(n).prompt)
                    for n in range(options.option_count))


def records() -> list[dict[str, Any]]:
    """The records a real merge of the two edits gives (who wrote each as the sync
    says it), for a snapshot that does not depend on the clock."""
    base = (SMALL / PLAYLIST).read_text()
    merged = merge_shared(base, base.replace("minutes = 10", "minutes = 15"),
                          base.replace("minutes = 10", "minutes = 12"))
    out = [c.as_record(PLAYLIST) | {"ours_by": "Mr Kim", "theirs_by": "Ms Lee"}
           for c in merged.conflicts]
    out.append({"file": "class.toml", "where": "groups[table-1].name",
                "loc": ["groups", 0, "name"], "ours": '"Table \x1b[31m1"',  # hostile
                "theirs": '"Table one"', "ours_by": "Mr Kim\x07", "theirs_by": "Ms Lee"})
    return out


def test_snapshot_conflicts_dialog(snap_compare: object, small_copy: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, PlaylistApp)
        app.show_conflicts(records())
        await settle(pilot)

    app = PlaylistApp(small_copy, role="teacher", person="lee", watch=False,
                      clock=lambda: datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)  # type: ignore[operator]
