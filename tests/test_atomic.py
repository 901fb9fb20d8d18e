"""Writes are atomic: killing the writer leaves the old file or the new one, never half."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

from playlist_tui.store.atomic import SUFFIX, atomic_write, clean_orphans
from playlist_tui.store.store import ClassStore

WRITER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime, timedelta
    from playlist_tui.store import ops
    from playlist_tui.store.store import ClassStore

    store = ClassStore(sys.argv[1])
    start = datetime(2026, 11, 1, tzinfo=UTC)
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        store.apply(ops.Tick("ana", playlist="ratios", activity=f"act{n}",
                             at=start + timedelta(seconds=n)))
        store.apply(ops.Untick("ana", playlist="ratios", activity=f"act{n - 1}"))
""")


def test_killing_a_writer_never_leaves_a_broken_file(small_class: Path) -> None:
    path = small_class / "students/ana/student.toml"
    original = path.read_bytes()
    rng = random.Random(20261124)
    for round_ in range(40):
        path.write_bytes(original)
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(small_class)],
                                stdout=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parent.parent)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        text = path.read_text()
        data = tomllib.loads(text)  # never half a file: it always parses ...
        ticks = data["ticks"]
        assert "ratios/video" in ticks, f"round {round_}: the hand-made tick was lost"
        # ... and it is one of the states the writer produces: at most 2 of its own ticks.
        assert len([k for k in ticks if k.startswith("ratios/act")]) <= 2
        assert text.startswith("# Ana Souza's record"), "the file's comment was lost"
    # Leftover temporary files belong to dead processes and are cleaned up.
    ClassStore(small_class).clean()
    assert not [p for p in path.parent.iterdir() if p.name.endswith(SUFFIX)]


def test_orphans_of_live_processes_are_kept(tmp_path: Path) -> None:
    mine = tmp_path / f".x.toml.{os.getpid()}.abcd{SUFFIX}"
    mine.write_text("in progress")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f".x.toml.{dead.pid}.abcd{SUFFIX}"
    orphan.write_text("left behind")
    removed = clean_orphans(tmp_path)
    assert removed == [orphan]
    assert mine.exists() and not orphan.exists()


def test_atomic_write_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_text("a = 1\n")
    path.chmod(0o600)
    atomic_write(path, b"a = 2\n")
    assert path.read_text() == "a = 2\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["f.toml"]
