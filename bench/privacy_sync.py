#!/usr/bin/env python3
"""Benchmark: a teacher's sync in privacy mode (docs/performance.md, "Privacy mode").

    .venv/bin/python bench/privacy_sync.py [--students 150] [--runs 3]

Makes a class of N students in privacy mode with its remotes on this machine (bare
repositories, so the figure is git's and ours, not the network's), clones it as a
teacher, and measures the teacher's ``sync`` (median of ``--runs``): the first one (which
clones every student repository), one with nothing new, and one after a tick in every
student's file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playlist_tui.store import ops  # noqa: E402
from playlist_tui.store.store import ClassStore  # noqa: E402
from playlist_tui.store.workspace import migrate, open_repo  # noqa: E402

SMALL = ROOT / "tests" / "data" / "small"


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def identify(folder: Path) -> None:
    git(folder, "config", "user.name", "Ms Lee")
    git(folder, "config", "user.email", "lee@school.example")
    git(folder, "config", "commit.gpgsign", "false")


def make(tmp: Path, students: int) -> Path:
    seed = tmp / "seed"
    shutil.copytree(SMALL, seed)
    text = (SMALL / "class.toml").read_text()
    text += "".join(f'\n[[students]]\nid = "s{k:03d}"\nname = "Student {k}"\n'
                    for k in range(students - 3))
    (seed / "class.toml").write_text(text)
    for k in range(students - 3):
        folder = seed / "students" / f"s{k:03d}"
        folder.mkdir(parents=True)
        (folder / "student.toml").write_text(
            f'[ticks]\n"ratios/video" = 2026-11-0{1 + k % 9}T10:00:00Z\n')
    git(seed, "init", "-q", "-b", "main")
    identify(seed)
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "lee: the class")
    server = tmp / "server"
    (server / "s").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server / "class.git")],
                   check=True)
    ids = ["ana", "ben", "cy", *(f"s{k:03d}" for k in range(students - 3))]
    for sid in ids:
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main",
                        str(server / "s" / f"{sid}.git")], check=True)
    migrate(seed, "../s/{id}.git", str(server / "class.git"))
    result = open_repo(seed).sync()
    assert result.ok, result.message
    return server


def timed(folder: Path) -> float:
    start = time.perf_counter()
    result = open_repo(folder).sync()
    took = time.perf_counter() - start
    assert result.ok, result.message
    return took


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ptui-privacy-bench-"))
    try:
        server = make(tmp, args.students)
        first, idle, ticked = [], [], []
        for run in range(args.runs):
            lee = tmp / f"lee{run}"
            subprocess.run(["git", "clone", "-q", str(server / "class.git"), str(lee)],
                           check=True)
            identify(lee)
            first.append(timed(lee))
            idle.append(timed(lee))
            store = ClassStore(lee)
            ids = sorted(p.name for p in (lee / "students").iterdir())
            for sid in ids:
                store.apply(ops.Tick(sid, "ratios", f"bench-{run}"))
            ticked.append(timed(lee))
        print(f"privacy mode, {args.students} student repositories, median of {args.runs} "
              f"(CPUs: {os.cpu_count()})")
        print(f"  first sync of a new teacher clone (clones them all): "
              f"{statistics.median(first):.2f} s")
        print(f"  sync with nothing new:                              "
              f"{statistics.median(idle):.2f} s")
        print(f"  sync after one tick in every student's file:        "
              f"{statistics.median(ticked):.2f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
