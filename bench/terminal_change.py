#!/usr/bin/env python3
"""A changed file on disk until shown, measured in a real terminal (tmux), issue 19.

    python3 bench/terminal_change.py [--scale M] [--changes 20] [--views student,teacher]

Copies the generated class of a scale (bench/make_class.py, via bench/run.py) to a
temporary folder, builds its cache (``playlist-tui validate``), starts the app there inside
a detached tmux server at 80x24 and waits until the screen is up. Then, N times, it
changes the shown student's ``students/ID/student.toml`` the way the app does (a whole new
file written next to it and ``os.replace``d in): alternately it removes the first Must do
tick of the first playlist on the screen (an untick) and appends that tick line back at
the end of ``[ticks]`` (a tick). The clock starts right after the rename and stops at the
first capture of the pane whose row for that playlist shows the new "N of M" count.

Views: ``student`` is the student home (``--student ID``), ``teacher`` the teacher's page
on a student (``--teacher ID``, Enter on the first dashboard row).

The app runs with ``PLAYLIST_TUI_TRACE`` (playlist_tui/session/trace.py), so the time of
each stage is printed too: the watcher saw the change, the refresh job started, the store
has it, the UI thread has it, the screen has the new data, the next frame is written.
``--code DIR`` runs the app with another version's ``playlist_tui`` package (a before).

Limits: the screen is captured through a tmux control-mode client each time tmux says the
app wrote something (no busy loop of tmux processes competing with the app for the CPUs),
so a change is seen when the first frame showing it is on tmux's screen, plus one capture.
tmux redraws from the bytes the app wrote, so this includes the app writing to its
terminal but not a terminal emulator drawing pixels. The machine may be shared: compare
before and after alternately in one run.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
APP = ROOT / ".venv" / "bin" / "playlist-tui"
SOCKET = f"tcbench-{os.getpid()}"
COUNT = re.compile(r"(\d+) of (\d+)")
CODE = ""


def tmux(*args: str) -> str:
    out = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True,
                         check=False)
    return out.stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", "tc")


class Control:
    """A tmux control-mode client (``tmux -C``): it is told each time the app writes to
    its terminal (``%output``), so the screen is captured when something was drawn, with
    no busy loop of tmux processes competing with the app for the CPUs."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(["tmux", "-L", SOCKET, "-C", "attach", "-t", "tc"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1, errors="replace")
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output = False
        threading.Thread(target=self._read, daemon=True).start()
        self.command("refresh-client -C 80x24")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for row in self.proc.stdout:
            self.lines.put(row.rstrip("\n"))
        self.lines.put(None)

    def _next(self, timeout: float) -> str:
        row = self.lines.get(timeout=timeout)
        if row is None:
            raise SystemExit("the tmux control client ended")
        return row

    def command(self, text: str) -> list[str]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        while not (row := self._next(10)).startswith("%begin"):
            self.output |= row.startswith("%output")
        out = []
        while not (row := self._next(10)).startswith(("%end", "%error")):
            out.append(row)
        return out

    def screen(self) -> str:
        self.output = False
        return "\n".join(self.command("capture-pane -p -t tc"))

    def wait_output(self, timeout: float) -> None:
        """Until the app wrote to its terminal since the last capture."""
        end = time.monotonic() + timeout
        while not self.output:
            try:
                row = self._next(max(0.0, end - time.monotonic()))
            except queue.Empty:
                return
            self.output |= row.startswith("%output")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def wait_for(text: str, timeout: float = 60.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {text!r}; screen:\n{screen()}")


def first_playlist_row(shown: str, titles: dict[str, str]) -> tuple[str, str]:
    """The (playlist id, title) of the first row on the screen with an "N of M" count."""
    for row in shown.splitlines():
        if COUNT.search(row):
            for title, pid in sorted(titles.items(), key=lambda t: -len(t[0])):
                if re.search(re.escape(title) + r"(\s|$)", row):
                    return pid, title
    raise SystemExit(f"no playlist row on the screen:\n{shown}")


def count_of(shown: str, title: str) -> str | None:
    pattern = re.compile(re.escape(title) + r"(\s|$)")
    for row in shown.splitlines():
        if pattern.search(row):
            found = COUNT.search(row)
            return found.group(0) if found else None
    return None


def write_like_the_app(path: Path, text: str) -> float:
    """Write as store/atomic.py does; return the moment the new file is in place."""
    tmp = path.parent / f".{path.name}.bench.tmp"
    with open(tmp, "wb") as handle:
        handle.write(text.encode())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return time.monotonic()


def measure(folder: Path, view: str, changes: int) -> dict[str, object]:
    cls = tomllib.loads((folder / "class.toml").read_text())
    titles = {}
    for file in (folder / "playlists").glob("*.toml"):
        doc = tomllib.loads(file.read_text())
        titles[doc["title"]] = doc["id"]
    names = {s["name"]: s["id"] for s in cls["students"]}
    if view == "student":
        student = cls["students"][0]["id"]
        who = ["--student", student]
    else:
        who = ["--teacher", cls["teachers"][0]["id"]]
    # Build the copy's cache first (as a teacher's clone has one): else the app, started
    # cold, writes the cache in the background while the changes are measured.
    env = dict(os.environ, PYTHONPATH=CODE) if CODE else None
    subprocess.run([str(APP), "validate", str(folder)], capture_output=True, check=False,
                   env=env)
    tmux("kill-server")
    trace = folder.parent / "trace.txt"
    code = f"PYTHONPATH={CODE} " if CODE else ""  # --code: another version of the app
    cmd = " ".join([f"{code}PLAYLIST_TUI_TRACE={trace}", str(APP), str(folder), *who, "--as",
                    "--no-autocommit"])
    tmux("new-session", "-d", "-s", "tc", "-x", "80", "-y", "24", cmd)
    try:
        if view == "teacher":
            wait_for("checks waiting")
            # the whole class counted (at L seconds of work that would slow everything)
            end = time.monotonic() + 120
            while "counting" in screen() and time.monotonic() < end:
                time.sleep(0.1)
            time.sleep(1.0)
            tmux("send-keys", "-t", "tc", "Enter")
            shown = wait_for("Playlists")
            header = shown.splitlines()[0]
            student = next(i for n, i in names.items() if n + " —" in header)
        else:
            shown = wait_for("My playlists")
        time.sleep(1.5)  # let the first paint and any background counting settle
        shown = screen()
        pid, title = first_playlist_row(shown, titles)
        before = count_of(shown, title)
        path = folder / "students" / student / "student.toml"
        original = path.read_text()
        lines = original.splitlines(keepends=True)
        tick = min(i for i, ln in enumerate(lines) if ln.startswith(f'"{pid}/must-do'))
        tick_line = lines[tick]
        without = lines[:tick] + lines[tick + 1:]
        # the end of [ticks]: the last line of the table (before its trailing blank lines)
        start = without.index("[ticks]\n")
        end = next((i for i in range(start + 1, len(without))
                    if without[i].startswith("[")), len(without))
        while end > start + 1 and not without[end - 1].strip():
            end -= 1
        appended = [*without[:end], tick_line, *without[end:]]
        results: dict[str, list[float]] = {"untick": [], "tick": []}
        polls: list[float] = []
        stages: list[dict[str, float]] = []
        control = Control()
        for n in range(changes):
            kind = "untick" if n % 2 == 0 else "tick"
            control.screen()
            t0 = write_like_the_app(path, "".join(without if kind == "untick" else appended))
            last = t0
            while True:
                control.wait_output(10)
                shown = control.screen()
                now = time.monotonic()
                polls.append(now - last)
                last = now
                shown_count = count_of(shown, title)
                done = shown_count != before if kind == "untick" else shown_count == before
                if done:
                    results[kind].append(now - t0)
                    stages.append(stages_of(trace, t0, now))
                    break
                if now - t0 > 10:
                    raise SystemExit(f"change not shown after 10 s:\n{shown}")
            time.sleep(0.4 + 0.05 * (n % 5))
        control.close()
        path.write_text(original)
        return {"view": view, "student": student, "playlist": pid, "count": before,
                "results": results, "polls": polls, "stages": stages}
    finally:
        tmux("kill-server")


STAGES = ("watched", "job", "refreshed", "ui", "updated", "frame")


def stages_of(trace: Path, t0: float, seen: float) -> dict[str, float]:
    """When the app's trace (playlist_tui/session/trace.py) says the change reached each
    stage, in seconds after the rename: the first mark of each stage after the previous
    one; ``frame`` is the first frame written after the screen had the new data."""
    marks = []
    rows = trace.read_text().splitlines() if trace.exists() else []  # (no trace: older code)
    for row in rows:
        stage, _, when = row.rpartition(" ")
        if float(when) >= t0:
            marks.append((stage, float(when)))
    out: dict[str, float] = {}
    after = t0
    for stage in STAGES:
        found = next((w for s, w in marks if s == stage and w >= after), None)
        if found is None:
            break
        out[stage] = found - t0
        after = found
    out["seen"] = seen - t0
    if os.environ.get("TC_DUMP"):
        print(" ".join(f"{s}:{(w - t0) * 1000:.1f}" for s, w in marks if w <= seen + 0.01))
    return out


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return (f"median {statistics.median(ms):.1f} ms, p90 {p90:.1f} ms, "
            f"min {ms[0]:.1f} ms, max {ms[-1]:.1f} ms (n={len(ms)})")


def measure_scale(scale: str, views: list[str], changes: int) -> dict[str, list[float]]:
    """Measure each view at a scale (printed as it goes): view -> seconds from each
    rename until tmux showed the change."""
    sys.path.insert(0, str(BENCH))
    from run import class_folder

    source = class_folder(scale.upper())
    print(f"machine: {os.cpu_count()} cpus; class {source}; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    found: dict[str, list[float]] = {}
    for view in views:
        with tempfile.TemporaryDirectory(prefix="tc-") as tmp:
            folder = Path(tmp) / "class"
            shutil.copytree(source, folder, ignore=shutil.ignore_patterns(".complete"))
            out = measure(folder, view, max(2, changes))
            res = out["results"]
            polls = out["polls"]
            assert isinstance(res, dict) and isinstance(polls, list)
            found[view] = res["untick"] + res["tick"]
            print(f"{view} ({out['student']}, {out['playlist']}, {out['count']}):", flush=True)
            print(f"  all changes: {summary(found[view])}")
            print(f"  tick appended: {summary(res['tick'])}")
            print(f"  tick removed:  {summary(res['untick'])}")
            stages = out["stages"]
            assert isinstance(stages, list)
            previous = "rename"
            for stage in (*STAGES, "seen"):
                ms = [s[stage] * 1000 for s in stages if stage in s]
                if ms:
                    print(f"  {previous:>9} -> {stage:<9} (from rename) median "
                          f"{statistics.median(ms):6.1f} ms, min {min(ms):6.1f}, "
                          f"max {max(ms):6.1f} (n={len(ms)})")
                    previous = stage
            print(f"  between captures: median {statistics.median(polls) * 1000:.1f} ms, "
                  f"max {max(polls) * 1000:.1f} ms ({len(polls)} captures)", flush=True)
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="M", help="S, M or L (default M)")
    parser.add_argument("--changes", type=int, default=20, help="changes per view (default 20)")
    parser.add_argument("--views", default="student,teacher",
                        help="comma-separated: student,teacher")
    parser.add_argument("--code", default="",
                        help="a folder holding another version's playlist_tui package "
                             "(git archive COMMIT playlist_tui | tar -x -C DIR), run in "
                             "place of this one: a before/after in the same conditions")
    args = parser.parse_args(argv)
    global CODE
    CODE = args.code
    if shutil.which("tmux") is None:
        print("terminal_change: tmux is not installed; skipped")
        return 0
    measure_scale(args.scale, [v.strip() for v in args.views.split(",") if v.strip()],
                  args.changes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
