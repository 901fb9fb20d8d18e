"""Eight clones of one class working at once: nothing is lost, nobody needs a person.

Students ana (two devices), ben (two devices) and cy, teachers lee (two devices) and kim
tick, untick, write notes, request checks, read feedback and record decisions, and sync
in interleaved rounds (some rounds all at once, in threads, so pushes race). At the end
everyone syncs twice more; then every clone is on the same commit, and the files hold
every action that was done (checked against a log of the actions).
"""

from __future__ import annotations

import random
import subprocess
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.model.files import Result
from playlist_tui.store import ops
from playlist_tui.store.audit import audit
from playlist_tui.store.gitrepo import GitRepo, SyncResult, commit_message
from playlist_tui.store.store import ClassStore
from playlist_tui.store.workspace import Workspace, migrate, open_repo
from tests.conftest import git
from tests.gitutil import clone, head, seed_class

SEED = 20261120
ROUNDS = 15
ACTIVITIES = ["video", "practice", "tables", "tape", "recipe", "design"]
SHARED = "design"  # every device of a student may tick it (never untick): earliest time wins
OWNED = [["video", "practice", "tables"], ["tape", "recipe"]]
START = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


@dataclass
class Device:
    name: str
    person: str
    index: int  # which device of this person
    path: Path
    repo: GitRepo | Workspace
    store: ClassStore
    teacher: bool

    def owned(self, multi: bool) -> list[str]:
        return OWNED[self.index] if multi else [a for a in ACTIVITIES if a != SHARED]


@dataclass
class Log:
    ticks: dict[tuple[str, str], tuple[str, datetime] | None] = field(default_factory=dict)
    """(student, activity) -> the owner's intended final state: (device, time) or None."""
    shared: dict[str, list[datetime]] = field(default_factory=dict)
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    shared_note: dict[str, str] = field(default_factory=dict)
    requests: Counter[tuple[str, str, str, datetime]] = field(default_factory=Counter)
    decisions: Counter[tuple[str, str, str, str, datetime]] = field(default_factory=Counter)
    answered: list[tuple[str, str, str]] = field(default_factory=list)
    seen: dict[str, datetime] = field(default_factory=dict)


def read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text()) if path.exists() else {}


def pending(device: Device, student: str) -> list[tuple[str, str]]:
    record = read(device.path / f"students/{student}/student.toml").get("requests", {})
    decided = {d.get("request") for d in
               read(device.path / f"students/{student}/teacher.toml").get("decisions", {}).values()}
    return [(rid, r["competency"]) for rid, r in record.items() if rid not in decided]


def act(device: Device, rng: random.Random, log: Log, now: datetime, n: int,
        multi: set[str]) -> list[str]:
    """One random action on this device; returns its summary (for the commit message)."""
    label = f"{device.name}-{n}"
    if device.teacher:
        student = rng.choice(["ana", "ben", "cy"])
        waiting = pending(device, student)
        mastered = rng.random() < 0.5
        request, competency = rng.choice(waiting) if waiting and rng.random() < 0.7 else \
            (None, rng.choice(["RP.1", "RP.2"]))
        op: ops.Operation = ops.RecordDecision(
            student=student, result=Result.MASTERED if mastered else Result.NOT_YET,
            by=device.person, request=request, competency=competency,
            level=3 if mastered else 2, feedback=label, at=now)
        device.store.apply(op)
        log.decisions[(student, device.person, competency, label, now)] += 1
        if request:
            log.answered.append((student, request, competency))
        return [op.summary]
    student, is_multi = device.person, device.person in multi
    choice = rng.random()
    if choice < 0.45:
        activity = rng.choice(device.owned(is_multi) + ([SHARED] if is_multi else []))
        key = f"ratios/{activity}"
        ticked = key in read(device.path / f"students/{student}/student.toml").get("ticks", {})
        if activity == SHARED:
            if not ticked:
                applied = device.store.apply(ops.Tick(student=student, playlist="ratios",
                                                      activity=activity, at=now))
                assert applied.changed
                log.shared.setdefault(student, []).append(now)
            return [f"ticked {key}"]
        if ticked:
            device.store.apply(ops.Untick(student=student, playlist="ratios", activity=activity))
            log.ticks[(student, activity)] = None
            return [f"unticked {key}"]
        device.store.apply(ops.Tick(student=student, playlist="ratios", activity=activity,
                                    at=now))
        log.ticks[(student, activity)] = (device.name, now)
        return [f"ticked {key}"]
    if choice < 0.65:
        shared = is_multi and rng.random() < 0.5
        activity = SHARED if shared else rng.choice(device.owned(is_multi))
        device.store.apply(ops.SetNote(student=student, playlist="ratios", activity=activity,
                                       reflection=label))
        if shared:
            log.shared_note[student] = label
        else:
            log.notes[(student, activity)] = label
        return [f"wrote a note on ratios/{activity}"]
    if choice < 0.9:
        competency = rng.choice(["RP.1", "RP.2"])
        device.store.apply(ops.RequestCheck(student=student, competency=competency,
                                            playlist="ratios", note=label, at=now))
        log.requests[(student, competency, label, now)] += 1
        return [f"requested a check on {competency}"]
    device.store.apply(ops.MarkFeedbackSeen(student=student, at=now))
    log.seen[student] = max(log.seen.get(student, now), now)
    return ["read feedback"]


def _privacy(tmp_path: Path, seed: Path) -> Path:
    """Move the seeded class into privacy mode (docs/privacy.md), with the class and a
    repository per student on this machine; returns the new class remote."""
    server = tmp_path / "private"
    for name in ("class", "s/ana", "s/ben", "s/cy"):
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main",
                        str(server / f"{name}.git")], check=True)
    migrate(seed, "../s/{id}.git", str(server / "class.git"))
    assert open_repo(seed).sync().ok
    return server / "class.git"


@pytest.mark.parametrize("privacy", [False, True], ids=["one-repository", "privacy-mode"])
def test_eight_clones_sync_for_many_rounds_without_losing_anything(tmp_path: Path,
                                                                   privacy: bool) -> None:
    rng = random.Random(SEED)
    bare, seed = seed_class(tmp_path)
    if privacy:
        bare = _privacy(tmp_path, seed)
    people = [("ana", 0), ("ana", 1), ("ben", 0), ("ben", 1), ("cy", 0), ("lee", 0),
              ("lee", 1), ("kim", 0)]
    devices = []
    for person, index in people:
        name = f"{person}{index}"
        path = clone(bare, tmp_path / name, person, f"device {index}")
        options: dict[str, Any] = {"push_attempts": len(people) + 2, "backoff": 0.02,
                                   "rng": random.Random(f"{SEED}{name}")}
        repo: GitRepo | Workspace = Workspace(path, **options) if privacy else \
            GitRepo(path, **options)
        if privacy:
            assert repo.sync().ok  # fetches this person's student repositories
        devices.append(Device(name, person, index, path, repo, ClassStore(path),
                              person in ("lee", "kim")))
    multi = {"ana", "ben"}
    log = Log()
    # What the seed files already hold counts as done.
    for student in ("ana", "ben", "cy"):
        record = read(seed / f"students/{student}/student.toml")
        for key, when in record.get("ticks", {}).items():
            activity = key.split("/")[1]
            if student in multi and activity not in OWNED[0] + OWNED[1]:
                log.shared.setdefault(student, []).append(when)
            else:
                log.ticks[(student, activity)] = ("seed", when)
        for key, note in record.get("notes", {}).items():
            log.notes[(student, key.split("/")[1])] = note["reflection"]
        for request in record.get("requests", {}).values():
            log.requests[(student, request["competency"], request.get("note", ""),
                          request["at"])] += 1
        for decision in read(seed / f"students/{student}/teacher.toml").get(
                "decisions", {}).values():
            log.decisions[(student, decision["by"], "RP.1", decision.get("feedback", ""),
                           decision["at"])] += 1

    failures: list[tuple[str, SyncResult]] = []

    def sync(device: Device) -> None:
        result = device.repo.sync()
        if not result.ok:
            failures.append((device.name, result))

    n = 0
    for round_ in range(ROUNDS):
        base = START + timedelta(hours=round_)
        for device in rng.sample(devices, len(devices)):
            summaries: list[str] = []
            for _ in range(rng.randint(1, 3)):
                n += 1
                # Devices share seconds on purpose: the same id can be made twice.
                now = base + timedelta(seconds=rng.choice([0, 1]))
                summaries += act(device, rng, log, now, n, multi)
            if rng.random() < 0.4:
                paths = device.repo.pending_class_files()
                device.repo.commit_app_changes(paths, commit_message(device.person, summaries))
            if round_ % 3 != 2 and rng.random() < 0.6:
                sync(device)
        if round_ % 3 == 2:  # everyone at once: pushes race and are retried
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(sync, devices))
    for _ in range(2):
        for device in devices:
            sync(device)

    assert failures == []
    heads = {head(d.path) for d in devices}
    assert len(heads) == 1
    assert heads == {git(bare, "rev-parse", "main").strip()}
    for device in devices:
        assert git(device.path, "status", "--porcelain") == ""
        assert not (device.path / ".git" / "MERGE_HEAD").exists()
        if isinstance(device.repo, Workspace):  # each student repository converged too
            for sid, repo in device.repo.repos():
                remote = bare.parent / "s" / f"{sid}.git"
                assert repo.git("rev-parse", "HEAD").stdout.strip() == \
                    git(remote, "rev-parse", "main").strip(), (device.name, sid)
                assert repo.pending_class_files() == []
    if privacy:  # a student's devices hold only their own record
        assert sorted(p.name for p in (devices[0].path / "students").iterdir()) == ["ana"]
    final = devices[5].path  # lee's first device: every record
    for student in ("ana", "ben", "cy"):
        record = read(final / f"students/{student}/student.toml")
        decisions = read(final / f"students/{student}/teacher.toml").get("decisions", {})
        ticks = record.get("ticks", {})
        for (who, activity), state in log.ticks.items():
            if who != student:
                continue
            key = f"ratios/{activity}"
            if state is None:
                assert key not in ticks, (student, activity)
            else:
                assert ticks.get(key) == state[1], (student, activity)
        if student in log.shared:
            assert ticks[f"ratios/{SHARED}"] == min(log.shared[student])
        notes = record.get("notes", {})
        for (who, activity), text in log.notes.items():
            if who == student:
                assert notes[f"ratios/{activity}"]["reflection"] == text
        if student in log.shared_note:
            assert log.shared_note[student] in notes[f"ratios/{SHARED}"]["reflection"]
        requests = Counter((student, r["competency"], r.get("note", ""), r["at"])
                           for r in record.get("requests", {}).values())
        assert requests == Counter({k: v for k, v in log.requests.items() if k[0] == student})
        got: Counter[tuple[str, str, str, str, datetime]] = Counter()
        for d in decisions.values():
            competency = d.get("competency") or record["requests"][d["request"]]["competency"]
            got[(student, d["by"], competency, d.get("feedback", ""), d["at"])] += 1
        assert got == Counter({k: v for k, v in log.decisions.items() if k[0] == student})
        if student in log.seen:
            assert record["seen"]["feedback"] == log.seen[student]
    # A decision still answers the request it was made for (ids never moved under it).
    for student, request, competency in log.answered:
        record = read(final / f"students/{student}/student.toml")
        assert record["requests"][request]["competency"] == competency
    # Every clone wrote only what it may write.
    report = audit(final)
    assert report.violations == [], [v.line() for v in report.violations[:5]]
    # (in privacy mode the class repository holds only the class's own commits; the
    # server's per-file rules guard the student repositories: tests/test_gitolite.py)
    assert report.commits > (1 if privacy else ROUNDS)
