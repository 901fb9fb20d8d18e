"""Nothing is lost under concurrency and crashes: tested with processes and real git.

- several processes saving to one student's file in one clone at once;
- saves while ``playlist-tui sync`` runs in the same clone, with merges coming in;
- ``kill -9`` of ``sync`` at every phase (and at random moments): the next sync recovers
  by itself, no half-done merge is committed, the audit stays clean, nothing is lost;
- newcomer clones without ``.gitattributes`` or with a stale merge-driver path.

No assertion depends on timing: pauses only make the processes overlap.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.model.files import Result
from playlist_tui.store import ops
from playlist_tui.store.audit import audit
from playlist_tui.store.gitrepo import MERGE_MARKER, GitRepo
from playlist_tui.store.store import ClassStore
from tests.conftest import git
from tests.gitutil import clone, seed_class

SAVER = r"""
import sys, time
from datetime import UTC, datetime
from playlist_tui.store.ops import Tick
from playlist_tui.store.store import ClassStore

folder, student, tag, count, pause = sys.argv[1:6]
store = ClassStore(folder)
for i in range(int(count)):
    name = f"{tag}-{i}"
    store.apply(Tick(student, "ratios", name, at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))
    print(name, flush=True)
    time.sleep(float(pause))
"""

REAL_GIT = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True,
                          check=True).stdout.strip()


def ticks_of(folder: Path, student: str = "ana") -> set[str]:
    path = folder / f"students/{student}/student.toml"
    if not path.exists():
        return set()
    return set(tomllib.loads(path.read_text()).get("ticks", {}))


def decisions_of(folder: Path, student: str = "ana") -> set[str]:
    path = folder / f"students/{student}/teacher.toml"
    if not path.exists():
        return set()
    return {str(d.get("feedback")) for d in
            tomllib.loads(path.read_text()).get("decisions", {}).values()}


def savers(folder: Path, student: str, tags: list[str], count: int, pause: float
           ) -> list[subprocess.Popen[str]]:
    return [subprocess.Popen([sys.executable, "-c", SAVER, str(folder), student, tag,
                              str(count), str(pause)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for tag in tags]


def finish(procs: list[subprocess.Popen[str]]) -> set[str]:
    """Wait for the savers; every name they reported as saved."""
    saved: set[str] = set()
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        saved |= {line.strip() for line in out.splitlines() if line.strip()}
    return saved


def sync_cli(folder: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "playlist_tui", "sync", str(folder)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


# --------------------------------------------------------------------------- one clone


@pytest.mark.parametrize("writers", [2, 3, 5])
def test_processes_saving_to_one_file_lose_nothing(small_class: Path, writers: int) -> None:
    tags = [f"w{k}" for k in range(writers)]
    saved = finish(savers(small_class, "ana", tags, 25, 0.0))
    assert len(saved) == 25 * writers
    on_disk = ticks_of(small_class)
    assert {f"ratios/{name}" for name in saved} <= on_disk


def test_a_second_writer_waits_and_names_the_holder(small_class: Path) -> None:
    """A save that cannot get the lock in time says who holds it and writes nothing."""
    from playlist_tui.store.lock import class_lock
    from playlist_tui.store.store import OperationError

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from playlist_tui.store.lock import class_lock\n"
         "with class_lock(sys.argv[1]).hold('a long save'):\n"
         "    print('held', flush=True)\n    time.sleep(60)\n", str(small_class)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = (small_class / "students/ana/student.toml").read_bytes()
        store = ClassStore(small_class)
        with pytest.raises(OperationError) as info:
            store.apply(ops.Tick("ana", "ratios", "waited"), wait=0.3)
        assert f"pid {holder.pid}" in info.value.message
        assert "a long save" in info.value.message
        assert (small_class / "students/ana/student.toml").read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    # the kernel released the dead holder's lock: the next save goes through at once
    assert ClassStore(small_class).apply(ops.Tick("ana", "ratios", "after")).changed
    assert class_lock(small_class).held is False


def test_a_missing_tracked_file_is_never_started_again(small_class: Path) -> None:
    """While git replaces a file (or it was lost), a save refuses instead of writing a
    record with only the new entry in it."""
    from playlist_tui.store.store import OperationError

    store = ClassStore(small_class)
    store.load()
    (small_class / "students/ana/student.toml").unlink()
    with pytest.raises(OperationError) as info:
        store.apply(ops.Tick("ana", "ratios", "lonely"))
    assert "git tracks it" in info.value.message
    assert not (small_class / "students/ana/student.toml").exists()
    # a student who never had a file gets one
    git(small_class, "rm", "-q", "--cached", "students/ana/student.toml")
    fresh = ClassStore(small_class)
    fresh.load()
    assert fresh.apply(ops.Tick("ana", "ratios", "first")).changed


def test_a_save_never_follows_a_symlink(small_class: Path, tmp_path: Path) -> None:
    from playlist_tui.store.store import OperationError

    outside = tmp_path / "outside.toml"
    outside.write_text("# not a class file\n")
    record = small_class / "students/ana/student.toml"
    record.unlink()
    record.symlink_to(outside)
    with pytest.raises(OperationError) as info:
        ClassStore(small_class).apply(ops.Tick("ana", "ratios", "x"))
    assert "symbolic link" in info.value.message
    assert outside.read_text() == "# not a class file\n"
    # a student folder that is a link is refused too
    (small_class / "students/ben").rename(tmp_path / "ben")
    (small_class / "students/ben").symlink_to(tmp_path / "ben")
    with pytest.raises(OperationError) as info:
        ClassStore(small_class).apply(ops.Tick("ben", "ratios", "x"))
    assert "folder students/ben is a symbolic link" in info.value.message


# --------------------------------------------------------------------------- with syncs


def first_parent_removals(folder: Path, path: str) -> list[str]:
    """Commits (first-parent chain) after which ``path`` lost tick lines its first parent
    had: a record 'recreated from scratch' or a save reverted by a merge."""
    bad = []
    revs = git(folder, "rev-list", "--first-parent", "HEAD").split()
    for rev in revs:
        parents = git(folder, "rev-list", "--parents", "-n", "1", rev).split()[1:]
        if not parents:
            continue
        def ticks(commit: str) -> set[str]:
            try:
                text = git(folder, "show", f"{commit}:{path}")
            except subprocess.CalledProcessError:
                return set()
            return set(tomllib.loads(text).get("ticks", {}))
        lost = ticks(parents[0]) - ticks(rev)
        if lost:
            bad.append(f"{rev[:8]} lost {sorted(lost)[:3]}")
    return bad


def test_saves_during_syncs_in_one_clone_lose_nothing(tmp_path: Path) -> None:
    remote, _ = seed_class(tmp_path)
    one = clone(remote, tmp_path / "ana-laptop", "ana", "laptop")
    two = clone(remote, tmp_path / "ana-tablet", "ana", "tablet")
    # Both devices save continuously while each syncs again and again: every sync of
    # one device brings in the other's commits, so merges run in the folder being saved.
    procs = savers(one, "ana", ["laptop"], 60, 0.02) + savers(two, "ana", ["tablet"], 60, 0.02)
    results: list[subprocess.CompletedProcess[str]] = []
    while any(p.poll() is None for p in procs):
        results += [sync_cli(one), sync_cli(two)]
    saved = finish(procs)
    for _ in range(2):
        results += [sync_cli(one), sync_cli(two)]
    assert all(r.returncode in (0, 1) for r in results), [r.stderr for r in results]
    assert all("Traceback" not in r.stderr for r in results)
    want = {f"ratios/{name}" for name in saved}
    assert len(want) == 120
    for device in (one, two):
        assert want <= ticks_of(device), sorted(want - ticks_of(device))[:5]
        assert git(device, "status", "--porcelain", "--", "students").strip() == ""
        assert first_parent_removals(device, "students/ana/student.toml") == []
    assert git(one, "rev-parse", "HEAD") == git(two, "rev-parse", "HEAD")
    assert audit(one).ok


# --------------------------------------------------------------------------- kill -9


WRAPPER = """#!/bin/sh
# Pauses one git step of a sync (before or after it runs) so a test can kill it there.
pause() { : > "$PTUI_READY"; sleep 20; }
case " $* " in *" $PTUI_PAUSE_AT "*) [ "$PTUI_PAUSE_WHEN" = before ] && pause ;; esac
"$PTUI_REAL_GIT" "$@"
rc=$?
case " $* " in *" $PTUI_PAUSE_AT "*) [ "$PTUI_PAUSE_WHEN" = after ] && pause ;; esac
exit $rc
"""

DRIVER_WRAPPER = """#!/bin/sh
# The real merge driver, after a pause in which a test kills the sync that runs it.
: > "$PTUI_READY"
sleep 1
exec "$PTUI_REAL_DRIVER" "$@"
"""


class Crash:
    """A teacher's clone and a student's clone of one class; a sync of the teacher's is
    killed in each trial and the next sync must put everything right."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        remote, _ = seed_class(tmp_path)
        self.lee = clone(remote, tmp_path / "lee", "lee")
        self.ana = clone(remote, tmp_path / "ana", "ana")
        self.kim = clone(remote, tmp_path / "kim", "kim")
        self.ana_store = ClassStore(self.ana)
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        (self.bin / "git").write_text(WRAPPER)
        (self.bin / "git").chmod(0o755)
        self.driver = git(self.lee, "config", "merge.playlist-tui.driver").strip()
        program = self.driver.split(" merge-driver")[0]
        (self.bin / "driver").write_text(DRIVER_WRAPPER)
        (self.bin / "driver").chmod(0o755)
        self.real_driver = program
        self.ticks: set[str] = set()
        self.decisions: set[str] = set()
        self.n = 0
        self.clock = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def student_work(self) -> None:
        for _ in range(2):
            self.n += 1
            name = f"a{self.n}"
            self.ana_store.apply(ops.Tick("ana", "ratios", name, at=self.now()))
            self.ticks.add(f"ratios/{name}")
        assert GitRepo(self.ana).sync().ok
        # a second teacher decides too, so the teacher's file is merged by the driver
        words = f"kim {self.n}"
        ClassStore(self.kim).apply(ops.RecordDecision(
            student="ana", result=Result.NOT_YET, by="kim", competency="RP.2",
            feedback=words, at=self.now()))
        self.decisions.add(words)
        assert GitRepo(self.kim).sync().ok

    def decide(self, words: str) -> None:
        ClassStore(self.lee).apply(ops.RecordDecision(
            student="ana", result=Result.NOT_YET, by="lee", competency="RP.1",
            feedback=words, at=self.now()))
        self.decisions.add(words)

    def killed_sync(self, env: dict[str, str], group: bool, delay: float | None) -> str:
        ready = self.tmp / "ready"
        ready.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-m", "playlist_tui", "sync", str(self.lee)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
            env={**os.environ, "PTUI_READY": str(ready), "PTUI_REAL_GIT": REAL_GIT,
                 "PTUI_REAL_DRIVER": self.real_driver, **env})
        if delay is None:
            deadline = time.monotonic() + 60
            while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
        else:
            time.sleep(delay)
        reached = "paused" if ready.exists() else "finished" if proc.poll() is not None \
            else "running"
        if group:
            with _suppress():
                os.killpg(proc.pid, signal.SIGKILL)
        else:
            with _suppress():
                os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
        for _ in range(3000):  # orphans of a process-only kill finish their git command
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.01)
        else:  # pragma: no cover
            os.killpg(proc.pid, signal.SIGKILL)
        return reached

    def check(self, label: str) -> None:
        result = sync_cli(self.lee)
        assert result.returncode == 0, f"{label}: {result.stdout}{result.stderr}"
        assert GitRepo(self.ana).sync().ok, label
        again = sync_cli(self.lee)
        assert again.returncode == 0, f"{label}: {again.stderr}"
        git_dir = self.lee / ".git"
        for leftover in ("MERGE_HEAD", "index.lock", f"playlist-tui/{MERGE_MARKER}"):
            assert not (git_dir / leftover).exists(), f"{label}: {leftover} left"
        assert not list(self.lee.glob(".merge_file_*")), label
        assert git(self.lee, "status", "--porcelain", "--", "students").strip() == "", label
        for folder in (self.lee, self.ana):
            assert self.ticks <= ticks_of(folder), f"{label}: ticks lost in {folder.name}"
            assert self.decisions <= decisions_of(folder), f"{label}: decisions lost"
        report = audit(self.lee)
        assert report.ok, f"{label}: {[v.line() for v in report.violations]}"


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is ProcessLookupError


PHASES = [
    ("commit", "before"), ("commit", "after"),
    ("fetch", "before"), ("fetch", "after"),
    ("merge-tree", "before"), ("merge-tree", "after"),
    ("commit-tree", "after"),
    ("read-tree", "before"), ("read-tree", "after"),
    ("update-ref", "before"), ("update-ref", "after"),
    ("push", "before"), ("push", "after"),
]


@pytest.fixture
def crash(tmp_path: Path) -> Iterator[Crash]:
    yield Crash(tmp_path)


def trials() -> Iterator[tuple[str, dict[str, str], bool, float | None, bool]]:
    """(label, environment, kill the whole group?, delay or None (wait for the pause),
    save after the kill?) for every phase, the driver, and random moments: 34 trials."""
    for i, (step, when) in enumerate(PHASES):
        env = {"PATH": f"{{bin}}:{os.environ['PATH']}", "PTUI_PAUSE_AT": step,
               "PTUI_PAUSE_WHEN": when}
        yield f"{step}/{when}", env, True, None, i % 2 == 0
    for group in (True, False):
        for save_after in (False, True):
            yield (f"driver/{'group' if group else 'process'}", {"DRIVER": "1"}, group, None,
                   save_after)
    rng = random.Random(20261205)
    for k in range(17):
        group = k % 3 != 0
        yield f"random-{k}", {}, group, rng.uniform(0.05, 0.9), k % 2 == 0


def test_kill_9_of_sync_at_any_moment_recovers_by_itself(crash: Crash) -> None:
    done = 0
    for label, env, group, delay, save_after in trials():
        crash.student_work()
        crash.decide(f"{label}: before")
        if env.pop("DRIVER", None):
            git(crash.lee, "config", "merge.playlist-tui.driver",
                f"{crash.bin / 'driver'} merge-driver %O %A %B %P")
        env = {k: v.replace("{bin}", str(crash.bin)) for k, v in env.items()}
        reached = crash.killed_sync(env, group, delay)
        git(crash.lee, "config", "merge.playlist-tui.driver", crash.driver)
        if delay is None:
            assert reached == "paused", f"{label}: the sync never reached its pause"
        if save_after:
            crash.decide(f"{label}: after the kill")
        crash.check(label)
        done += 1
    assert done >= 30


def test_a_merge_started_by_hand_is_left_alone(crash: Crash) -> None:
    crash.student_work()
    crash.decide("mine")
    git(crash.lee, "add", "-A")
    git(crash.lee, "commit", "-q", "-m", "lee: a decision")
    git(crash.lee, "fetch", "-q")
    subprocess.run(["git", "-C", str(crash.lee), "merge", "--no-commit", "--no-ff",
                    "origin/main"], capture_output=True, check=False)
    assert (crash.lee / ".git/MERGE_HEAD").exists()
    result = GitRepo(crash.lee).sync()
    assert not result.ok and "a merge is in progress" in result.message
    assert (crash.lee / ".git/MERGE_HEAD").exists()


# --------------------------------------------------------------------------- newcomers


def _diverge(tmp_path: Path, prepare: Any) -> tuple[Path, Path]:
    remote, _ = seed_class(tmp_path)
    laptop = clone(remote, tmp_path / "laptop", "ana", "laptop")
    tablet = clone(remote, tmp_path / "tablet", "ana", "tablet")
    prepare(laptop)
    ClassStore(tablet).apply(ops.Tick("ana", "ratios", "from-tablet"))
    assert GitRepo(tablet).sync().ok
    ClassStore(laptop).apply(ops.Tick("ana", "ratios", "from-laptop"))
    return laptop, tablet


def test_a_clone_without_gitattributes_merges_student_files(tmp_path: Path) -> None:
    def strip(folder: Path) -> None:
        (folder / ".gitattributes").unlink()
        git(folder, "config", "--unset", "merge.playlist-tui.driver")
    laptop, _ = _diverge(tmp_path, strip)
    result = GitRepo(laptop).sync()
    assert result.ok, result.message
    assert {"ratios/from-tablet", "ratios/from-laptop"} <= ticks_of(laptop)


def test_a_stale_driver_path_is_registered_again(tmp_path: Path) -> None:
    def stale(folder: Path) -> None:
        git(folder, "config", "merge.playlist-tui.driver",
            "/gone/venv/bin/playlist-tui merge-driver %O %A %B %P")
    laptop, _ = _diverge(tmp_path, stale)
    result = GitRepo(laptop).sync()
    assert result.ok, result.message
    assert "registered the merge driver again" in result.message.lower()
    assert {"ratios/from-tablet", "ratios/from-laptop"} <= ticks_of(laptop)
    assert "/gone/" not in git(laptop, "config", "merge.playlist-tui.driver")


def test_a_teachers_sync_commits_gitattributes_for_every_clone(tmp_path: Path) -> None:
    remote, seed = seed_class(tmp_path)
    git(seed, "rm", "-q", ".gitattributes")
    git(seed, "commit", "-qm", "lee: no attributes")
    git(seed, "push", "-q")
    lee = clone(remote, tmp_path / "lee", "lee")
    (lee / ".gitattributes").unlink(missing_ok=True)
    result = GitRepo(lee).sync()
    assert result.ok, result.message
    assert "merge=playlist-tui" in git(lee, "show", "origin/main:.gitattributes")
    assert audit(lee).ok
