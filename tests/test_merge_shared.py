"""Two teachers editing class.toml, a framework or a playlist at once: merged by meaning
(playlist_tui.store.merge_shared), with property tests over random edits."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from playlist_tui.store import tomltext
from playlist_tui.store.merge_shared import merge_shared, resolve
from tests.conftest import SMALL

PLAYLIST = (SMALL / "playlists" / "ratios.toml").read_text()
CLASS = (SMALL / "class.toml").read_text()


def activities(text: str) -> dict[str, dict[str, Any]]:
    data = tomllib.loads(text)
    return {a["id"]: a for tier in data["tiers"] for a in tier.get("activities", [])}


def test_different_keys_both_kept_and_a_true_conflict_keeps_ours() -> None:
    ours = PLAYLIST.replace("minutes = 8", "minutes = 12").replace(
        'title = "Ratio tables"', 'title = "Ratio tables, again"')
    theirs = PLAYLIST.replace("minutes = 8", "minutes = 15").replace(
        'summary = "Ratio language, tables and tape diagrams."', 'summary = "New words."')
    result = merge_shared(PLAYLIST, ours, theirs)
    merged = tomllib.loads(result.text)
    assert merged["summary"] == "New words."
    assert activities(result.text)["tables"]["title"] == "Ratio tables, again"
    assert activities(result.text)["video"]["minutes"] == 12
    assert [(c.where, c.ours, c.theirs) for c in result.conflicts] == \
        [("tiers[core].activities[video].minutes", 12, 15)]
    assert resolve(merged, "tiers[core].activities[video].minutes") == \
        ("tiers", 0, "activities", 0, "minutes")
    assert "# The practice tier: students pick two." in result.text  # layout survives


def test_members_merge_as_sets_and_removed_tables_go() -> None:
    ours = CLASS.replace('members = ["ana", "ben"]', 'members = ["ana", "ben", "cy"]')
    theirs = CLASS.replace('members = ["ana", "ben"]', 'members = ["ben"]')
    result = merge_shared(CLASS, ours, theirs)
    groups = tomllib.loads(result.text)["groups"]
    assert groups[0]["members"] == ["ben", "cy"]
    assert not result.conflicts


def test_an_element_removed_on_one_side_and_changed_on_the_other_is_kept() -> None:
    ours = tomltext.remove_element(PLAYLIST, ("tiers", 1, "activities", 1))  # tape
    theirs = PLAYLIST.replace('title = "Tape diagrams"', 'title = "Tape diagrams 2"')
    result = merge_shared(PLAYLIST, ours, theirs)
    assert activities(result.text)["tape"]["title"] == "Tape diagrams 2"


# --------------------------------------------------------------------------- properties


IDS = ["video", "practice", "tables", "tape", "recipe"]
WHERE = {name: loc for name, loc in (
    ("video", (0, 0)), ("practice", (0, 1)), ("tables", (1, 0)), ("tape", (1, 1)),
    ("recipe", (1, 2)))}

edit = st.one_of(
    st.tuples(st.just("title"), st.sampled_from(IDS), st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)),
    st.tuples(st.just("minutes"), st.sampled_from(IDS), st.integers(1, 90)),
    st.tuples(st.just("add"), st.sampled_from(["n1", "n2", "n3"]), st.integers(1, 9)),
)


def apply(text: str, edits: list[tuple[str, str, Any]], side: str) -> str:
    for kind, name, value in edits:
        if kind == "add":
            if name + side in activities(text):
                continue
            text = tomltext.append_table(text, ("tiers", 2, "activities") if "activities" in
                                         tomllib.loads(text)["tiers"][2] else ("tiers", 1,
                                                                               "activities"),
                                         {"id": name + side, "title": f"new {value}",
                                          "kind": "video"})
        else:
            tier, index = WHERE[name]
            text = tomltext.set_value(text, ("tiers", tier, "activities", index, kind), value)
    return text


@settings(max_examples=60, deadline=None)
@given(st.lists(edit, max_size=5), st.lists(edit, max_size=5))
def test_random_edits_by_two_teachers_merge_by_meaning(
        mine: list[tuple[str, str, Any]], others: list[tuple[str, str, Any]]) -> None:
    ours = apply(PLAYLIST, mine, "o")
    theirs = apply(PLAYLIST, others, "t")
    result = merge_shared(PLAYLIST, ours, theirs)
    merged, o, t, b = (activities(x) for x in (result.text, ours, theirs, PLAYLIST))
    conflicted = {c.where for c in result.conflicts}
    for name in IDS:
        for key in ("title", "minutes"):
            bv, ov, tv = b[name].get(key), o[name].get(key), t[name].get(key)
            where = f"tiers[{'core' if WHERE[name][0] == 0 else 'more'}].activities[{name}].{key}"
            if ov != bv and tv != bv and ov != tv:
                assert merged[name].get(key) == ov and where in conflicted
            elif ov != bv:
                assert merged[name].get(key) == ov
            else:
                assert merged[name].get(key) == tv
    added = {n for n in o if n not in b} | {n for n in t if n not in b}
    assert added <= set(merged)  # everyone's new activities arrive
    # the same result whoever merges: the same data, ours winning only true conflicts
    again = merge_shared(PLAYLIST, theirs, ours)
    assert set(activities(again.text)) == set(merged)


def test_the_driver_merges_class_files_in_git(tmp_path: Path) -> None:
    """End to end through git: two clones, the same activity line changed (the finding),
    no conflict markers, nobody stuck."""
    from playlist_tui.store.gitrepo import GitRepo
    from tests.gitutil import clone, seed_class

    remote, _ = seed_class(tmp_path)
    lee = clone(remote, tmp_path / "lee", "lee")
    kim = clone(remote, tmp_path / "kim", "kim")
    for repo, minutes in ((lee, 12), (kim, 15)):
        path = repo / "playlists/ratios.toml"
        path.write_text(path.read_text().replace("minutes = 10", f"minutes = {minutes}"))
    assert GitRepo(lee).sync().ok
    result = GitRepo(kim).sync()
    assert result.ok, result.message
    assert "<<<<<<<" not in (kim / "playlists/ratios.toml").read_text()
    listed = subprocess.run([sys.executable, "-m", "playlist_tui", "conflicts", str(kim)],
                            capture_output=True, text=True, check=False)
    assert listed.returncode == 0
    assert "tiers[more].activities[tape].minutes: kept 15 (Mr Kim); other 12 (Ms Lee)" in \
        listed.stdout
    taken = subprocess.run([sys.executable, "-m", "playlist_tui", "conflicts", str(kim),
                            "--take", "1", "theirs"], capture_output=True, text=True,
                           check=False)
    assert taken.returncode == 0, taken.stderr
    assert activities((kim / "playlists/ratios.toml").read_text())["tape"]["minutes"] == 12
    assert "nothing to settle" in subprocess.run(
        [sys.executable, "-m", "playlist_tui", "conflicts", str(kim)], capture_output=True,
        text=True, check=False).stdout


def test_settle_is_one_function_for_the_app_and_the_command(small_class: Path) -> None:
    """settle(): theirs writes one line and drops the record; ours keeps the file and
    drops the record; a conflict no longer recorded, or whose value has gone from the
    file, is refused with words and nothing written."""
    import pytest

    from playlist_tui.store.merge_shared import (
        SettleError,
        read_conflicts,
        record_conflicts,
        settle,
    )
    from playlist_tui.store.store import ClassStore
    from tests.conftest import changes

    path = "playlists/ratios.toml"
    text = (small_class / path).read_text()
    merged = merge_shared(text, text.replace("minutes = 10", "minutes = 15"),
                          text.replace("minutes = 10", "minutes = 12"))
    (small_class / path).write_text(merged.text)
    from tests.conftest import git

    git(small_class, "commit", "-qam", "merged")
    state = small_class / ".git" / "playlist-tui"
    record_conflicts(state, path, merged.conflicts)
    store = ClassStore(small_class)
    (first,) = read_conflicts(state)
    done = settle(store, state, first, "theirs")
    assert (done.path, done.value, done.changed) == (path, "12", True)
    assert changes(small_class) == {path: (1, 1)}
    assert activities((small_class / path).read_text())["tape"]["minutes"] == 12
    assert read_conflicts(state) == []
    with pytest.raises(SettleError, match="no longer recorded"):
        settle(store, state, first, "ours")
    record_conflicts(state, path, merged.conflicts)
    (second,) = read_conflicts(state)
    kept = settle(store, state, second, "ours")
    assert (kept.value, kept.changed) == ("15", False)
    assert read_conflicts(state) == [] and changes(small_class) == {path: (1, 1)}
    # a value whose activity has gone: refused, the record kept, nothing written
    record_conflicts(state, path, merged.conflicts)
    (gone,) = read_conflicts(state)
    gone = gone | {"where": "tiers[more].activities[removed].minutes"}
    from playlist_tui.store.merge_shared import write_conflicts

    write_conflicts(state, [gone])
    before = (small_class / path).read_text()
    with pytest.raises(SettleError, match="no longer in"):
        settle(store, state, gone, "theirs")
    assert (small_class / path).read_text() == before and read_conflicts(state) == [gone]
