#!/usr/bin/env python3
"""Benchmark playlist-tui at school scale (run with ``python3 tasks.py bench``).

    python3 tasks.py bench [--scales S,M,L] [--runs N] [--slow-runs N] [--cold] [--out FILE]

Generates (once, cached under bench/out/classes/) the synthetic classes of
bench/make_class.py, measures every figure of docs/performance.md as the median of several
runs, prints a table and writes bench/out/results.json. Every figure that concerns the app
is shown next to its floor (what the same job costs with nothing of ours in the way) and
as a ratio to it.

Process-level figures (first paint, class loaded, memory) run in a fresh Python process
per run, so that imports, caches and the heap start cold; times are taken inside that
process from the first line of this script (the interpreter's own start-up is the same for
the floor and the app and is left out).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

T0 = time.perf_counter()

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
CLASSES = OUT / "classes"
SEED = 1
FRAME_MS = 1000 / 60


# =========================================================================== children
# Each child prints one JSON line (its results) as the last line of stdout.


def _emit(payload: dict[str, Any]) -> None:
    print(json.dumps(payload), flush=True)


def _maxrss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_bare() -> None:
    """A bare Textual app: start, paint the first screen headless, exit."""
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Bare(App[None]):
        painted: float | None = None

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Hello")
            yield Footer()

        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if renderable is not None and self.painted is None:
                self.painted = time.perf_counter() - T0
                self.exit()

    app = Bare()
    app.run(headless=True, size=(120, 40))
    _emit({"paint": app.painted, "maxrss": _maxrss_mib()})


def child_table(rows: int, keys: int) -> None:
    """A bare Textual app with a DataTable of ``rows`` rows: keypress (cursor down) to paint."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    out: dict[str, Any] = {}

    class Table(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.paint_event = asyncio.Event()

        def compose(self) -> ComposeResult:
            yield DataTable(cursor_type="row")

        def on_mount(self) -> None:
            table: DataTable[str] = self.query_one(DataTable)
            table.add_columns("Student", "Progress", "Checks")
            for n in range(rows):
                table.add_row(f"Student {n}", f"{n}/600", "-", key=str(n))
            table.focus()
            self.run_worker(self.press())

        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                self.paint_event.set()

        async def press(self) -> None:
            await asyncio.sleep(0.2)
            latencies = []
            for _ in range(keys):
                self.paint_event.clear()
                start = time.perf_counter()
                self.simulate_key("down")
                await asyncio.wait_for(self.paint_event.wait(), 30)
                latencies.append(time.perf_counter() - start)
            out["keys"] = latencies
            self.exit()

    Table().run(headless=True, size=(120, 40))
    _emit(out)


def child_imports() -> None:
    """Python with the app imported, nothing loaded: the memory floor."""
    import playlist_tui.ui.app  # noqa: F401

    _emit({"imports": time.perf_counter() - T0, "maxrss": _maxrss_mib()})


def child_parse(folder: str, reader: str) -> None:
    """Read and parse every TOML file of the folder, as fast as the reader allows."""
    if reader == "rtoml":
        import rtoml

        loads: Callable[[str], Any] = rtoml.loads
    else:
        import tomllib

        loads = tomllib.loads
    paths = [os.path.join(d, n) for d, dirs, names in os.walk(folder)
             for n in names if n.endswith(".toml") and not d.count(os.sep + ".git")]
    start = time.perf_counter()
    count = 0
    for path in paths:
        with open(path, "rb") as handle:
            loads(handle.read().decode("utf-8"))
        count += 1
    _emit({"parse": time.perf_counter() - start, "files": count})


def child_load(folder: str, how: str) -> None:
    """Load the class: ``cold`` (load_class, no cache), ``store`` (ClassStore.load())."""
    from playlist_tui.store.loader import load_class
    from playlist_tui.store.store import ClassStore

    start = time.perf_counter()
    result = load_class(folder) if how == "cold" else ClassStore(folder).load()
    took = time.perf_counter() - start
    _emit({"load": took, "problems": len(result.problems),
           "students": len(result.data.records), "maxrss": _maxrss_mib()})


def _teacher_of(folder: str) -> str:
    import tomllib

    with open(os.path.join(folder, "class.toml"), "rb") as handle:
        return str(tomllib.load(handle)["teachers"][0]["id"])


def _student_of(folder: str) -> str:
    import tomllib

    with open(os.path.join(folder, "class.toml"), "rb") as handle:
        students = tomllib.load(handle)["students"]
    return str(students[len(students) // 2]["id"])


def _edit_student_file(path: Path, original: bytes, ref: str, n: int) -> None:
    """Replace the file as an editor or git would: new bytes, atomically, one tick more."""
    text = original.decode("utf-8")
    line = f'"{ref}" = 2026-12-01T09:{n % 60:02d}:00Z\n'
    text = text.replace("[ticks]\n", "[ticks]\n" + line, 1)
    tmp = path.with_name(f".{path.name}.bench")
    tmp.write_bytes(text.encode("utf-8"))
    os.replace(tmp, path)


def _untick_ref(folder: str, sid: str) -> str:
    """An activity that ``sid`` has not ticked yet."""
    import tomllib

    with open(os.path.join(folder, "students", sid, "student.toml"), "rb") as handle:
        ticks = tomllib.load(handle).get("ticks", {})
    plists = sorted(os.listdir(os.path.join(folder, "playlists")))
    for name in plists:
        with open(os.path.join(folder, "playlists", name), "rb") as handle:
            data = tomllib.load(handle)
        for tier in data.get("tiers", []):
            for activity in tier.get("activities", []):
                ref = f"{data['id']}/{activity['id']}"
                if ref not in ticks:
                    return ref
    raise SystemExit("no unticked activity found")


def child_app(folder: str, runs: int, keys: int, role: str = "teacher", who: str = "") -> None:
    """The app, headless: first paint, class loaded and dashboard shown, keypresses, and
    files changed on disk until the app shows the change. One run of each per process."""
    from playlist_tui.ui import app as app_module
    from playlist_tui.ui.screens.opening import Opening

    result: dict[str, Any] = {}
    # (given by the parent: reading class.toml here would count in the first paint)
    person = who or (_teacher_of(folder) if role == "teacher" else _student_of(folder))

    css = app_module.PlaylistApp.CSS_PATH
    if isinstance(css, str) and not os.path.isabs(css):  # relative to the app's module
        css = os.path.join(os.path.dirname(app_module.__file__), css)

    class Bench(app_module.PlaylistApp):
        CSS_PATH = css

        def __init__(self) -> None:
            try:
                super().__init__(folder, role=role, person=person)
            except TypeError:
                super().__init__(folder)
            self.paint_event = asyncio.Event()
            self.shown_event = asyncio.Event()
            self.dashboard_done = False

        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if renderable is None:
                return
            if "paint" not in result:
                result["paint"] = time.perf_counter() - T0
            if "opening" not in result and isinstance(self.screen, Opening):
                # the home screen kept from the last run, painted (usable: the cursor
                # moves, the keys are taken)
                result["opening"] = time.perf_counter() - T0
            self.paint_event.set()

        def open_for(self, person: Any) -> None:
            if role == "teacher":
                watch_the_count()  # (the dashboard's module is imported by now)
            super().open_for(person)

        def show_result(self, load: Any) -> None:
            super().show_result(load)
            self.call_after_refresh(self.shown_event.set)

        def on_dashboard(self) -> None:
            if self.dashboard_done:
                return
            self.dashboard_done = True

            def done() -> None:
                result["dashboard"] = time.perf_counter() - T0
                self.run_worker(self.phases(), exclusive=True, group="bench")

            self.call_after_refresh(done)

        async def next_paint(self, timeout: float = 30.0) -> None:
            self.paint_event.clear()
            await asyncio.wait_for(self.paint_event.wait(), timeout)

        async def phases(self) -> None:
            try:
                await self.keys_phase()
                await self.change_phase()
                if getattr(self, "watch_disk", False):
                    # The file put back is "just changed" (RACY_NS, 3 s), which nothing
                    # trusts: quitting now would keep no opening for the next run. A
                    # teacher quits later than a benchmark does.
                    await asyncio.sleep(3.2)
            finally:
                result["maxrss"] = _maxrss_mib()
                self.exit()

        async def keys_phase(self) -> None:
            from textual.widgets import DataTable

            from playlist_tui.ui.grid import Grid

            tables: list[Any] = [*self.screen.query(Grid), *self.screen.query(DataTable)]
            table = tables[0] if tables else None
            if table is None or keys <= 0:
                return
            table.focus()
            with contextlib.suppress(TimeoutError):  # (no frame if it had the focus)
                await self.next_paint(timeout=1.0)
            latencies = []
            for _ in range(keys):
                self.paint_event.clear()
                start = time.perf_counter()
                # down, or up from the last row (where down changes nothing to paint)
                last = table.cursor_row >= table.row_count - 1
                self.simulate_key("up" if last else "down")
                await asyncio.wait_for(self.paint_event.wait(), 30)
                latencies.append(time.perf_counter() - start)
            result["keys"] = latencies
            result["rows"] = table.row_count
            # Filtering: g (the next group) until the grid is painted again, a pause
            # between keys as a person would make.
            filters = []
            for _ in range(min(keys, 6)):
                await asyncio.sleep(0.3)
                self.paint_event.clear()
                start = time.perf_counter()
                self.simulate_key("g")
                await asyncio.wait_for(self.paint_event.wait(), 30)
                filters.append(time.perf_counter() - start)
            result["filters"] = filters

        async def change_phase(self) -> None:
            if not getattr(self, "watch_disk", False):
                return
            sid = person if role == "student" else sorted(
                os.listdir(os.path.join(folder, "students")))[0]
            path = Path(folder, "students", sid, "student.toml")
            original = path.read_bytes()
            ref = _untick_ref(folder, sid)
            await asyncio.sleep(0.5)  # let the watcher start
            latencies = []
            try:
                for n in range(runs):
                    self.shown_event.clear()
                    start = time.perf_counter()
                    _edit_student_file(path, original, ref, n)
                    await asyncio.wait_for(self.shown_event.wait(), 60)
                    latencies.append(time.perf_counter() - start)
                    data = self.result.data if self.result else None
                    if data is None or ref not in data.record(sid).student.ticks:
                        result["change_error"] = "the change was not in the data shown"
                    # put the file back and let the app settle
                    self.shown_event.clear()
                    tmp = path.with_name(f".{path.name}.bench")
                    tmp.write_bytes(original)
                    os.replace(tmp, path)
                    await asyncio.wait_for(self.shown_event.wait(), 60)
                    await asyncio.sleep(0.3)
            finally:
                if path.read_bytes() != original:
                    path.write_bytes(original)
            result["change"] = latencies

    # Know when the home screen (the teacher's dashboard, a student's home) has been
    # mounted and filled with the class.
    from playlist_tui.ui.screens.base import DataScreen

    original_mount = DataScreen.on_mount

    async def on_mount(self: Any) -> None:
        await original_mount(self)
        app = self.app
        if isinstance(app, Bench) and getattr(self, "home", True):
            app.on_dashboard()

    DataScreen.on_mount = on_mount  # type: ignore[method-assign]

    # Know when the dashboard first shows the counts over the whole class ("N checks
    # waiting" in its sub-title, instead of "counting checks waiting"); patched once the
    # app has imported the dashboard (importing it here would count in the first paint).
    def watch_the_count() -> None:
        from playlist_tui.ui.screens.dashboard import DashboardScreen

        if getattr(DashboardScreen.summarised, "bench", False):
            return
        original_summarised = DashboardScreen.summarised

        def summarised(self: Any, summary: Any, counted: Any) -> None:
            original_summarised(self, summary, counted)
            if self.summary is not None and "counted" not in result:
                def done() -> None:
                    result.setdefault("counted", time.perf_counter() - T0)

                self.app.call_after_refresh(done)

        summarised.bench = True  # type: ignore[attr-defined]
        DashboardScreen.summarised = summarised  # type: ignore[method-assign]

    app = Bench()
    app.run(headless=True, size=(120, 40))
    _emit(result)


def child_change(folder: str, runs: int) -> None:
    """The store alone: a file changed on disk, re-read with ClassStore.refresh(), with and
    without the file watcher in front."""
    import tomllib

    from playlist_tui.store import watch
    from playlist_tui.store.store import ClassStore

    store = ClassStore(folder)
    store.load()
    refresh = getattr(store, "refresh", None)
    sid = sorted(os.listdir(os.path.join(folder, "students")))[len(os.listdir(
        os.path.join(folder, "students"))) // 2]
    rel = f"students/{sid}/student.toml"
    path = Path(folder, rel)
    original = path.read_bytes()
    ref = _untick_ref(folder, sid)
    out: dict[str, Any] = {"refresh": [], "watch": [], "floor": []}
    try:
        for n in range(runs):
            _edit_student_file(path, original, ref, n)
            start = time.perf_counter()
            with open(path, "rb") as handle:
                tomllib.loads(handle.read().decode("utf-8"))
            out["floor"].append(time.perf_counter() - start)
            start = time.perf_counter()
            loaded = refresh({rel}) if refresh is not None else store.load()
            out["refresh"].append(time.perf_counter() - start)
            assert ref in loaded.data.record(sid).student.ticks, "change not seen"
            path.write_bytes(original)
            if refresh is not None:
                refresh({rel})

        async def watched() -> None:
            stop = asyncio.Event()
            stream = watch.changes(Path(folder), stop).__aiter__()
            pending = asyncio.ensure_future(stream.__anext__())
            await asyncio.sleep(0.5)
            for n in range(runs):
                start = time.perf_counter()
                _edit_student_file(path, original, ref, n)
                changed = await asyncio.wait_for(pending, 30)
                loaded = refresh(changed) if refresh is not None else store.load()
                out["watch"].append(time.perf_counter() - start)
                assert ref in loaded.data.record(sid).student.ticks, "change not seen"
                path.write_bytes(original)
                await asyncio.sleep(0.4)
                pending = asyncio.ensure_future(stream.__anext__())
                try:
                    changed = await asyncio.wait_for(asyncio.shield(pending), 2)
                    if refresh is not None:
                        refresh(changed)
                    pending = asyncio.ensure_future(stream.__anext__())
                except TimeoutError:
                    pass
                await asyncio.sleep(0.2)
            stop.set()
            pending.cancel()

        asyncio.run(watched())
    finally:
        if path.read_bytes() != original:
            path.write_bytes(original)
    _emit(out)


def child_tick(folder: str, runs: int) -> None:
    """A tick applied through ClassStore.apply until its bytes are durable on disk."""
    from datetime import UTC, datetime

    from playlist_tui.store import ops
    from playlist_tui.store.atomic import atomic_write
    from playlist_tui.store.store import ClassStore

    store = ClassStore(folder)
    sid = sorted(os.listdir(os.path.join(folder, "students")))[1]
    path = Path(folder, "students", sid, "student.toml")
    original = path.read_bytes()
    ref = _untick_ref(folder, sid)
    playlist, activity = ref.split("/")
    out: dict[str, Any] = {"tick": [], "floor": [], "lines": 0}
    try:
        for _ in range(runs):
            start = time.perf_counter()
            applied = store.apply(ops.Tick(sid, playlist=playlist, activity=activity,
                                           at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC)))
            out["tick"].append(time.perf_counter() - start)
            assert applied.changed
            new = path.read_bytes()
            out["lines"] = len(new.splitlines()) - len(original.splitlines())
            store.apply(ops.Untick(sid, playlist=playlist, activity=activity))
            start = time.perf_counter()
            atomic_write(path, new)
            out["floor"].append(time.perf_counter() - start)
            atomic_write(path, original)
        # The same, when another program (git, an editor) changed the file since the
        # store last saw it: the store must parse it first.
        out["tick_parsed"] = []
        for n in range(runs):
            atomic_write(path, original + f"# changed elsewhere {n}\n".encode())
            start = time.perf_counter()
            store.apply(ops.Tick(sid, playlist=playlist, activity=activity,
                                 at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC)))
            out["tick_parsed"].append(time.perf_counter() - start)
            atomic_write(path, original)
    finally:
        if path.read_bytes() != original:
            path.write_bytes(original)
    _emit(out)


# ---- the morning sync: every student's file gained a few lines since the cache was written


def _all_refs(folder: str) -> list[str]:
    """Every activity reference of the class (PLAYLIST/ACTIVITY), in a fixed order."""
    import tomllib

    refs = []
    for name in sorted(os.listdir(os.path.join(folder, "playlists"))):
        with open(os.path.join(folder, "playlists", name), "rb") as handle:
            data = tomllib.load(handle)
        refs += [f"{data['id']}/{a['id']}" for tier in data.get("tiers", [])
                 for a in tier.get("activities", [])]
    return refs


SYNC_TICKS = 3
"""Lines each student's file gains in the morning sync (one day's ticks)."""


def sync_today(source: str, folder: str, n: int) -> list[str]:
    """What a morning's ``git pull`` does to ``folder`` (a copy of ``source``): every
    student.toml gains SYNC_TICKS ticks (new lines after the last entry of its [ticks]
    table, where the app writes a tick; the rest of the file byte for byte as it was, as
    git writes them: a new file renamed into place). ``n`` makes each run's lines
    different. The class-folder paths changed."""
    import re

    refs = _all_refs(source)
    tick_key = re.compile(r'^"([^"]+)" = ', re.MULTILINE)
    changed = []
    for sid in sorted(os.listdir(os.path.join(source, "students"))):
        rel = f"students/{sid}/student.toml"
        with open(os.path.join(source, rel), encoding="utf-8") as handle:
            text = handle.read()
        head, sep, rest = text.partition("[ticks]\n")
        if not sep:
            continue
        table, mark, tail = rest.partition("\n[")
        ticked = set(tick_key.findall(table))
        start = int(hashlib.sha256(sid.encode()).hexdigest()[:8], 16) % len(refs)
        new = [r for r in refs[start:] + refs[:start] if r not in ticked][:SYNC_TICKS]
        lines = "".join(f'"{r}" = 2027-06-{1 + n % 28:02d}T08:{i:02d}:00Z\n'
                        for i, r in enumerate(new))
        entries = table.rstrip("\n")  # the blank lines before the next table stay
        text = (head + sep + entries + "\n" + lines + table[len(entries) + 1:] + mark
                + tail)
        path = os.path.join(folder, rel)
        tmp = path + ".sync"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
        changed.append(rel)
    return changed


def sync_yesterday(source: str, folder: str) -> None:
    """Put every student.toml of ``folder`` back as in ``source``."""
    for sid in os.listdir(os.path.join(source, "students")):
        rel = os.path.join("students", sid, "student.toml")
        shutil.copyfile(os.path.join(source, rel), os.path.join(folder, rel))


def child_sync(folder: str, source: str, n: int) -> None:
    """In one process: the class loaded (from the cache), then the morning's changes on
    disk and ``ClassStore.refresh`` of every changed path (what the app's watcher does)."""
    from playlist_tui.store.store import ClassStore

    store = ClassStore(folder)
    store.load()
    changed = sync_today(source, folder, n)
    start = time.perf_counter()
    result = store.refresh(changed)
    took = time.perf_counter() - start
    _emit({"refresh": took, "files": len(changed), "problems": len(result.problems),
           "maxrss": _maxrss_mib()})


def child_main(argv: list[str]) -> None:
    mode, *rest = argv
    if mode == "bare":
        child_bare()
    elif mode == "table":
        child_table(int(rest[0]), int(rest[1]))
    elif mode == "imports":
        child_imports()
    elif mode == "parse":
        child_parse(rest[0], rest[1])
    elif mode == "load":
        child_load(rest[0], rest[1])
    elif mode == "app":
        child_app(rest[0], int(rest[1]), int(rest[2]), *rest[3:])
    elif mode == "change":
        child_change(rest[0], int(rest[1]))
    elif mode == "tick":
        child_tick(rest[0], int(rest[1]))
    elif mode == "sync":
        child_sync(rest[0], rest[1], int(rest[2]))
    else:
        raise SystemExit(f"unknown child mode {mode}")


# =========================================================================== parent


@dataclass
class Figure:
    name: str
    scale: str
    unit: str  # "s", "ms" or "MiB"
    values: list[float] = field(default_factory=list)
    floor_name: str = ""
    floor: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.floor:
            return None
        return self.median / self.floor

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(median=self.median, ratio=self.ratio, n=len(self.values))
        return out


def run_child(*args: str, timeout: float = 900) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=dict(os.environ, PYTHONHASHSEED="0"))
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"child {args} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def generator_digest() -> str:
    h = hashlib.sha256((BENCH / "make_class.py").read_bytes())
    h.update(str(SEED).encode())
    return h.hexdigest()[:10]


def class_folder(scale: str) -> Path:
    """The generated class for a scale, generated once and reused while the generator is
    unchanged."""
    folder = CLASSES / f"{scale}-{generator_digest()}"
    if (folder / ".complete").exists():
        return folder
    sys.path.insert(0, str(BENCH))
    import make_class

    if folder.exists():
        shutil.rmtree(folder)
    tmp = folder.with_name(folder.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    print(f"generating class {scale} into {folder} ...", flush=True)
    start = time.perf_counter()
    count = make_class.write_class(scale, tmp, SEED)
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(tmp)], check=True)
    tmp.rename(folder)
    (folder / ".complete").write_text(f"{count} files\n")
    print(f"  {count} files in {time.perf_counter() - start:.1f} s", flush=True)
    return folder


def wall(cmd: list[str]) -> float:
    """Wall-clock seconds of a whole process (its output thrown away)."""
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                   env=dict(os.environ, PYTHONHASHSEED="0"), check=False)
    return time.perf_counter() - start


def morning_sync(folder: str, scale: str, runs: int, floor_name: str, floor: float | None
                 ) -> list[Figure]:
    """The morning sync, on a copy of the class: yesterday's files loaded (so the cache
    holds them), then every student.toml gains SYNC_TICKS lines, then (1) a new process
    loads the class (ClassStore.load: the teacher opens the app after the pull) and (2)
    a process that had the class loaded refreshes every changed path (the app was open
    during the pull: its watcher calls refresh()). Files are older than RACY_NS when
    loaded, as after a real pull, so that the cache is used and written as it would be."""
    copy = OUT / f"sync-{scale}"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(folder, copy, symlinks=True)
    start_fig = Figure("morning sync: start, class current (ClassStore.load)", scale, "s",
                       floor_name=floor_name, floor=floor)
    refresh_fig = Figure("morning sync: app open, refresh() of every changed file", scale,
                         "s", floor_name=floor_name, floor=floor)
    try:
        for n in range(runs):
            sync_yesterday(folder, str(copy))
            time.sleep(3.2)  # older than RACY_NS: cached when loaded
            run_child("load", str(copy), "store")
            changed = sync_today(folder, str(copy), n)
            time.sleep(3.2)
            out = run_child("load", str(copy), "store")
            start_fig.values.append(out["load"])
            start_fig.note = (f"{len(changed)} files changed, {SYNC_TICKS} lines each; "
                              f"{out['problems']} problems")
            sync_yesterday(folder, str(copy))
            time.sleep(3.2)
            run_child("load", str(copy), "store")
            out = run_child("sync", str(copy), folder, str(n + runs))
            refresh_fig.values.append(out["refresh"])
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return [start_fig, refresh_fig]


def drop_cache(folder: Path) -> None:
    try:
        from playlist_tui.store import cache
    except ImportError:
        return
    location = cache.cache_dir(folder)
    if location is not None and location.exists():
        shutil.rmtree(location)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        import rtoml  # noqa: F401

        has_rtoml = True
    except ImportError:
        has_rtoml = False
    return {"nproc": os.cpu_count(), "cpu": model, "memory": mem,
            "python": platform.python_version(), "platform": platform.platform(),
            "rtoml": has_rtoml}


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value * 1000:.2f} ms" if value < 0.1 else f"{value * 1000:.0f} ms"
    return f"{value:.0f} MiB"


def print_table(figures: list[Figure]) -> None:
    rows = [("Figure", "Scale", "Median", "n", "Floor", "Ratio", "Target", "Met")]
    for f in figures:
        floor = f"{fmt(f.floor, f.unit)} ({f.floor_name})" if f.floor is not None else "-"
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "-"
        met = {True: "yes", False: "NO", None: "-"}[f.met]
        rows.append((f.name, f.scale, fmt(f.median, f.unit), str(len(f.values)), floor, ratio,
                     f.target or "-", met))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for f in figures:
        if f.note:
            print(f"note: {f.name} {f.scale}: {f.note}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child_main(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description="playlist-tui benchmark")
    parser.add_argument("--scales", default="S,M,L", help="comma-separated: S,M,L")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--slow-runs", type=int, default=3,
                        help="runs for figures that take many seconds each (default 3)")
    parser.add_argument("--keys", type=int, default=30, help="keypresses measured per app run")
    parser.add_argument("--cold", action="store_true",
                        help="at L too, measure loading without the cache and building it "
                             "(about 2 minutes more)")
    parser.add_argument("--no-sync", action="store_true",
                        help="leave out the morning-sync figures (they copy the class)")
    parser.add_argument("--terminal", action="store_true",
                        help="also a changed file until tmux shows it, at each scale "
                             "(bench/terminal_change.py)")
    parser.add_argument("--out", type=Path, default=OUT / "results.json")
    args = parser.parse_args(argv)
    scales = [s.strip().upper() for s in args.scales.split(",") if s.strip()]
    runs = max(1, args.runs)
    slow = max(1, args.slow_runs)
    figures: list[Figure] = []
    started = time.time()

    def add(fig: Figure) -> Figure:
        figures.append(fig)
        print(f"  {fig.name} {fig.scale}: {fmt(fig.median, fig.unit)}"
              + (f" (floor {fmt(fig.floor, fig.unit)})" if fig.floor is not None else ""),
              flush=True)
        return fig

    folders = {s: class_folder(s) for s in scales}
    # The app's modules compiled to bytecode, as an installed app has them (Textual's are,
    # by pip; with PYTHONDONTWRITEBYTECODE set, every start would compile the app's ~40
    # modules again and count it in the start figures).
    import compileall

    compileall.compile_dir(str(ROOT / "playlist_tui"), quiet=1)
    info = machine()
    print(f"machine: {info['nproc']} cpus, {info['cpu']}, Python {info['python']}", flush=True)

    # ---- floors that do not depend on the scale
    bare = Figure("floor: bare Textual app, first paint", "-", "s")
    imports = Figure("floor: memory, Python + app imported", "-", "MiB")
    for _ in range(runs):
        out = run_child("bare")
        bare.values.append(out["paint"])
        imports.values.append(run_child("imports")["maxrss"])
    add(bare)
    add(imports)

    for scale in scales:
        folder = str(folders[scale])
        print(f"scale {scale}: {folder}", flush=True)
        n = slow if scale == "L" else runs

        # ---- floors: bare parse of every TOML file
        parse = Figure("floor: parse every file (tomllib)", scale, "s")
        for _ in range(n):
            parse.values.append(run_child("parse", folder, "tomllib")["parse"])
        add(parse)
        # The floor of a load that reads every file: the fastest parse there is.
        fastest, fastest_name = parse, "parse"
        if info["rtoml"]:
            rparse = Figure("floor: parse every file (rtoml)", scale, "s")
            for _ in range(n):
                rparse.values.append(run_child("parse", folder, "rtoml")["parse"])
            add(rparse)
            fastest, fastest_name = rparse, "parse, rtoml"

        # ---- loading: no cache, building the cache, with the cache
        if scale != "L" or args.cold:
            cold = Figure("load, no cache (load_class)", scale, "s", floor_name=fastest_name,
                          floor=fastest.median)
            mem_cold = Figure("peak memory, load with no cache", scale, "MiB",
                              floor_name="imports", floor=imports.median)
            for _ in range(1 if scale == "L" else n):
                out = run_child("load", folder, "cold")
                cold.values.append(out["load"])
                mem_cold.values.append(out["maxrss"])
                if out["problems"]:
                    cold.note = f"the generated class has {out['problems']} problems"
            if scale == "M":
                cold.target = "< 0.4 s"
                cold.met = cold.median is not None and cold.median < 0.4
            elif scale == "L":
                cold.target = "<= 2x rtoml parse"
                cold.met = cold.ratio is not None and info["rtoml"] and cold.ratio <= 2
                mem_cold.target = "< 250 MiB"
                mem_cold.met = mem_cold.median is not None and mem_cold.median < 250
            add(cold)
            add(mem_cold)
            drop_cache(folder=Path(folder))
        build = Figure("load, building the cache (ClassStore.load)", scale, "s",
                       floor_name="parse", floor=parse.median)
        out = run_child("load", folder, "store")  # builds the cache if there is none
        if out["problems"]:
            build.note = f"the generated class has {out['problems']} problems"
        warm = Figure("load, with the cache (ClassStore.load)", scale, "s", floor_name="parse",
                      floor=parse.median)
        mem_load = Figure("peak memory, ClassStore.load", scale, "MiB", floor_name="imports",
                          floor=imports.median)
        for _ in range(n):
            again = run_child("load", folder, "store")
            warm.values.append(again["load"])
            mem_load.values.append(again["maxrss"])
        if warm.median is not None and out["load"] > 3 * warm.median:
            build.values.append(out["load"])  # that first load did build the cache
            add(build)
        limit = {"M": 0.5, "L": 1.5}.get(scale)
        if limit is not None:
            warm.target = f"< {limit} s"
            warm.met = warm.median is not None and warm.median < limit
        add(warm)

        # ---- validate, warm, as a whole process (interpreter start-up and imports too)
        python = Figure("floor: python -c pass, whole process", scale, "s")
        validate = Figure("validate, warm, whole process", scale, "s",
                          floor_name="ClassStore.load", floor=warm.median)
        for _ in range(n):
            python.values.append(wall([sys.executable, "-c", "pass"]))
            validate.values.append(wall([sys.executable, "-m", "playlist_tui", "validate",
                                         folder]))
        if scale in ("M", "L"):
            validate.target = "< 0.3 s"
            validate.met = validate.median is not None and validate.median < 0.3
        add(python)
        add(validate)

        # ---- the morning sync: every student's file changed since the cache was written
        if scale in ("M", "L") and not args.no_sync:
            limit = {"M": 0.5, "L": 3.0}[scale]
            for fig in morning_sync(folder, scale, slow if scale == "L" else 3,
                                    fastest_name, fastest.median):
                fig.target = f"< {limit} s"
                fig.met = fig.median is not None and fig.median < limit
                add(fig)

        # ---- the app: first paint, dashboard, keys, changes on disk
        paint = Figure("app: start to first paint", scale, "s", floor_name="bare Textual",
                       floor=bare.median, target="<= 1.3x floor")
        # A usable screen: the dashboard's rows / the student's home, filled with the class
        # (issue 19: within 1.5x the bare Textual first paint at M, 2x at L).
        usable = {"M": 1.5, "L": 2.0}.get(scale)
        dash = Figure("app, teacher: start to usable screen (the dashboard kept from the "
                      "last run, else loaded)", scale, "s",
                      floor_name="bare Textual", floor=bare.median,
                      target=f"<= {usable}x floor" if usable else "")
        home = Figure("app, student: start to usable screen (the home kept from the last "
                      "run, else loaded)", scale, "s",
                      floor_name="bare Textual", floor=bare.median,
                      target=f"<= {usable}x floor" if usable else "")
        dash_loaded = Figure("app, teacher: start to dashboard shown with the class loaded",
                             scale, "s", floor_name="bare Textual", floor=bare.median)
        home_loaded = Figure("app, student: start to home shown with the class loaded",
                             scale, "s", floor_name="bare Textual", floor=bare.median)
        counted = Figure("app, teacher: start to whole class counted (checks waiting)",
                         scale, "s", target="< 2 s" if scale == "L" else "")
        keys = Figure("app, teacher: keypress (cursor down) to paint", scale, "ms",
                      target=f"<= 1 frame ({FRAME_MS:.1f} ms)", floor_name="bare DataTable")
        filters = Figure("app, teacher: filter key (g, next group) to paint", scale, "ms",
                         target=f"<= 1 frame ({FRAME_MS:.1f} ms)")
        change = Figure("app, teacher: file changed on disk to change shown", scale, "ms",
                        target="< 50 ms")
        change_s = Figure("app, student: file changed on disk to change shown", scale, "ms",
                          target="< 50 ms")
        mem_app = Figure("peak memory, app, teacher", scale, "MiB", floor_name="imports",
                         floor=imports.median)
        mem_student = Figure("peak memory, app, student", scale, "MiB", floor_name="imports",
                             floor=imports.median)
        teacher_runs, changes = n, 3
        people = {"teacher": _teacher_of(folder), "student": _student_of(folder)}
        rows = 0
        for role, count, figure_home, figure_loaded, figure_change, memory in (
                ("teacher", teacher_runs, dash, dash_loaded, change, mem_app),
                ("student", n, home, home_loaded, change_s, mem_student)):
            openings = 0
            for _ in range(count):
                try:
                    out = run_child("app", folder, str(changes if role == "teacher" else 3),
                                    str(args.keys if role == "teacher" else 0), role,
                                    people[role], timeout=1800)
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    figure_home.note = f"app run failed: {str(exc)[:300]}"
                    break
                paint.values.append(out["paint"])
                if "dashboard" in out:
                    figure_loaded.values.append(out["dashboard"])
                    if "opening" in out:
                        openings += 1
                        figure_home.values.append(out["opening"])
                figure_home.note = (
                    f"{openings} of {len(figure_loaded.values)} runs opened on the screen "
                    "kept from the run before (the first run of each person cannot): the "
                    "figure is theirs; the others are in 'with the class loaded'")
            if not openings:  # (then the usable screen is the one loaded)
                figure_home.values = list(figure_loaded.values)
                if "counted" in out:
                    counted.values.append(out["counted"])
                if out.get("keys"):
                    keys.values.append(statistics.median(out["keys"]))
                    rows = int(out.get("rows", 0))
                    keys.note = f"{rows} rows; median of {len(out['keys'])} keys per run"
                if out.get("filters"):
                    filters.values.extend(out["filters"])
                if out.get("change"):
                    figure_change.values.extend(out["change"])
                if out.get("change_error"):
                    figure_change.note = out["change_error"]
                memory.values.append(out["maxrss"])
        if paint.ratio is not None:
            paint.met = paint.ratio <= 1.3
        for figure in (dash, home):
            if usable is not None and figure.ratio is not None:
                figure.met = figure.ratio <= usable
        if scale == "L" and counted.median is not None:
            counted.met = counted.median < 2.0
        if keys.values and rows:
            floor_keys = [statistics.median(run_child("table", str(rows), str(args.keys))["keys"])
                          for _ in range(min(3, n))]
            keys.floor = statistics.median(floor_keys)
        if keys.median is not None:
            # Textual paints at most once a frame, so even a bare DataTable takes about a
            # frame from key to paint: within 10% of that is "no slower than a frame".
            keys.met = keys.median <= max(FRAME_MS / 1000, keys.floor or 0) * 1.1
        for figure in (change, change_s):
            if figure.median is not None:
                figure.met = figure.median < 0.050
        if filters.median is not None:
            filters.met = filters.median <= FRAME_MS / 1000 * 1.1
            filters.note = "a new group's rows are made and drawn; counting starts again"
        for fig in (paint, dash, home, dash_loaded, home_loaded, counted, keys, filters):
            add(fig)
        if scale in ("M", "L"):
            add(change)
            add(change_s)

        # ---- the store alone: one changed file
        if scale in ("M", "L"):
            out = run_child("change", folder, str(max(runs, 5)))
            refresh_floor = statistics.median(out["floor"])
            add(Figure("store: refresh() of one changed file", scale, "ms",
                       values=out["refresh"], floor_name="parse that file",
                       floor=refresh_floor, target="< 50 ms",
                       met=statistics.median(out["refresh"]) < 0.050))
            add(Figure("store: watcher + refresh() of one changed file", scale, "ms",
                       values=out["watch"], floor_name="parse that file",
                       floor=refresh_floor, target="< 50 ms",
                       met=statistics.median(out["watch"]) < 0.050))

        # ---- a tick until durable
        if scale == "M":
            out = run_child("tick", folder, str(max(runs * 4, 20)))
            add(Figure("store: tick applied and durable", scale, "ms", values=out["tick"],
                       floor_name="atomic write of the same bytes",
                       floor=statistics.median(out["floor"]), target="< 10 ms",
                       met=statistics.median(out["tick"]) < 0.010,
                       note=f"the tick changed {out['lines']} line(s) of the file"))
            if out.get("tick_parsed"):
                add(Figure("store: tick durable, file changed elsewhere first", scale, "ms",
                           values=out["tick_parsed"], floor_name="atomic write of the same bytes",
                           floor=statistics.median(out["floor"]), target="< 10 ms",
                           met=statistics.median(out["tick_parsed"]) < 0.010,
                           note="another program changed the file since the store saw it, "
                                "so it is parsed once"))

        # ---- memory
        if scale in ("M", "L"):
            if scale == "L":
                mem_load.target = "< 250 MiB"
                mem_load.met = mem_load.median is not None and mem_load.median < 250
            add(mem_load)
            add(mem_app)
            add(mem_student)

    if args.terminal:  # whole processes in a real terminal (tmux, 80x24)
        import terminal_change

        if shutil.which("tmux") is None:
            print("--terminal: tmux is not installed; skipped")
        else:
            for scale in scales:
                found = terminal_change.measure_scale(scale, ["student", "teacher"], 20)
                for view, words in (("student", "student home"),
                                    ("teacher", "teacher's page on the student")):
                    fig = Figure(f"terminal (tmux): file changed on disk to shown, {words}",
                                 scale, "ms", values=found.get(view, []), target="< 30 ms",
                                 note="20 changes; the clock stops at the first "
                                      "capture-pane showing the new count")
                    fig.met = fig.median is not None and fig.median < 0.030
                    add(fig)

    print()
    print(f"playlist-tui benchmark: {info['nproc']} cpus, {info['cpu']}, "
          f"Python {info['python']}; {time.time() - started:.0f} s")
    print()
    print_table(figures)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "machine": info, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "runs": runs,
        "scales": {s: str(folders[s]) for s in scales},
        "figures": [f.as_dict() for f in figures]}, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
