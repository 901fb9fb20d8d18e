#!/usr/bin/env python3
"""Before and after in the same run: the code of an earlier commit against the working
tree, alternately, on one generated class (on a machine shared with other work, figures
taken at different times cannot be compared; see docs/performance.md section 8).

    .venv/bin/python bench/ab.py COMMIT [--scale M] [--runs 4] [--what cold,sync,validate]

The earlier code is taken with ``git archive`` into a temporary folder and imported from
there (the editable install of the working tree is left out of that process). Each
figure is run before, after, before, after, ...; the medians and every value are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402

LAUNCHER = """\
import runpy
import sys

# Import the archived code, not the editable install of the working tree.
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, {folder!r})
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
"""

CLI = """\
from playlist_tui.cli import main

raise SystemExit(main())
"""


def archive(commit: str, folder: Path) -> None:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "playlist_tui",
                           "bench/run.py", "bench/make_class.py"],
                          check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=data, check=True)
    (folder / "launch.py").write_text(LAUNCHER.format(folder=str(folder)))
    (folder / "cli.py").write_text(CLI)


def child(cmd: list[str], *args: str) -> dict[str, float]:
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONHASHSEED="0"), check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{cmd} {args} failed:\n{proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(lines[-1])
    return result


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=dict(os.environ, PYTHONHASHSEED="0"), check=False)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="before/after in the same run")
    parser.add_argument("commit", help="the commit of 'before'")
    parser.add_argument("--scale", default="M")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--what", default="cold,sync,validate",
                        help="comma-separated: cold, sync, validate")
    args = parser.parse_args(argv)
    what = set(args.what.split(","))
    source = str(run.class_folder(args.scale))
    values: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        values.setdefault(name, []).append(value)

    with tempfile.TemporaryDirectory(prefix="playlist-tui-ab-") as tmp:
        old = Path(tmp) / "old"
        old.mkdir()
        archive(args.commit, old)
        py = sys.executable
        sides = {
            "before": ([py, str(old / "launch.py"), str(old / "bench" / "run.py"), "--child"],
                       [py, str(old / "launch.py"), str(old / "cli.py")]),
            "after": ([py, str(BENCH / "run.py"), "--child"], [py, "-m", "playlist_tui"]),
        }
        copy = Path(tmp) / "class"
        if "sync" in what:
            shutil.copytree(source, copy, symlinks=True)
        for n in range(args.runs):
            for side, (bench, cli) in sides.items():
                if "cold" in what:
                    out = child(bench, "load", source, "cold")
                    add(f"load, no cache (s), {side}", out["load"])
                    add(f"peak memory, load with no cache (MiB), {side}", out["maxrss"])
                    if side == "after":  # the floor, in the same run (cold's target: 2x it)
                        add("floor: rtoml parse of every file (s)",
                            child(bench, "parse", source, "rtoml")["parse"])
                if "validate" in what:
                    wall([*cli, "validate", source])  # the cache of this version
                    add(f"validate warm, whole process (s), {side}",
                        wall([*cli, "validate", source]))
                if "sync" in what:
                    run.sync_yesterday(source, str(copy))
                    time.sleep(3.2)  # older than RACY_NS: cached when loaded
                    child(bench, "load", str(copy), "store")
                    run.sync_today(source, str(copy), n)
                    time.sleep(3.2)
                    add(f"morning sync, start (s), {side}",
                        child(bench, "load", str(copy), "store")["load"])
                    run.sync_yesterday(source, str(copy))
                    time.sleep(3.2)
                    child(bench, "load", str(copy), "store")
                    add(f"morning sync, app open (s), {side}",
                        child(bench, "sync", str(copy), source, str(n + 100))["refresh"])
    for name in sorted(values):
        got = values[name]
        print(f"{name}: median {statistics.median(got):.3f}; "
              + ", ".join(f"{v:.3f}" for v in got))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
