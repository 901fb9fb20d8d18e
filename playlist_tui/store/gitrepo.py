"""The class folder as a git repository: status, commits of the app's changes, sync.

Sync is a plain git workflow that never loses anything:

1. preflight: refuse (changing nothing) while a rebase, merge, cherry-pick, revert or
   bisect is in progress, when HEAD is detached, or when files have unresolved conflicts;
2. commit the class files the app writes that have changed (never other files);
3. fetch the remote branch;
4. integrate it with a **merge** (never a rebase, a reset or a forced push); student and
   teacher files are merged by meaning by the ``playlist-tui`` merge driver
   (:mod:`playlist_tui.store.merge`); if a file still conflicts (a hand-edited file the
   driver does not handle), the merge is undone with ``git merge --abort`` and the files
   are named;
5. push; a push rejected because someone else pushed first is retried, with a growing
   pause, after fetching and merging again (a bounded number of times).

An unreachable remote is reported plainly; every local commit stays.
"""

from __future__ import annotations

import contextlib
import os
import random
import shlex
import shutil
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import TypeVar

from playlist_tui.model import tomlparse
from playlist_tui.model.klass import ClassData
from playlist_tui.store import layout
from playlist_tui.store.atomic import atomic_write
from playlist_tui.store.gitcmd import (
    NETWORK_TIMEOUT,
    BlobReader,
    Completed,
    GitError,
    repository,
    run_git,
)
from playlist_tui.store.history import (
    HistoryEvent,
    Review,
    build_review,
    file_changes,
    parse_version,
    read_history,
    tidy_summaries,
)
from playlist_tui.store.lock import LockBusy, class_lock
from playlist_tui.store.merge_shared import read_conflicts, write_conflicts
from playlist_tui.store.reading import parse_bytes, read_text

__all__ = [
    "ATTRIBUTES", "DRIVER", "GitError", "GitRepo", "GitStatus", "HistoryEvent", "Review",
    "SyncResult", "commit_message", "driver_command",
]

DRIVER = "playlist-tui"
"""Name of the merge driver in ``.gitattributes`` and ``git config merge.NAME.*``."""

ATTRIBUTES = (
    f"{layout.STUDENTS_DIR}/*/{layout.STUDENT_FILE} merge={DRIVER}",
    f"{layout.STUDENTS_DIR}/*/{layout.TEACHER_FILE} merge={DRIVER}",
    f"/{layout.CLASS_FILE} merge={DRIVER}",
    f"{layout.FRAMEWORKS_DIR}/*.toml merge={DRIVER}",
    f"{layout.PLAYLISTS_DIR}/*.toml merge={DRIVER}",
)
"""The files the merge driver merges by meaning: every student's two files
(:mod:`playlist_tui.store.merge`) and the files teachers share
(:mod:`playlist_tui.store.merge_shared`)."""
DRIVER_DESCRIPTION = "playlist-tui: merge student and teacher files by meaning"
STATE_DIR = "playlist-tui"
"""Folder inside ``.git`` for the app's own files (last sync time, allowed signers)."""

SUBJECT_LIMIT = 72

_T = TypeVar("_T")

MERGE_MARKER = "merging"
"""File in the state folder written just before a sync starts to check out a merge
(``OLD TARGET``) and removed when HEAD points at TARGET: if it is there when no sync
runs, the sync that wrote it was stopped half-way and the next one finishes its work."""

STALE_GIT_LOCK_AGE = 600.0
"""Seconds after which ``index.lock`` counts as stale where running git processes
cannot be seen (no ``/proc``)."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class GitStatus:
    """Where the class folder stands, without touching the network."""

    is_repo: bool
    branch: str | None = None
    uncommitted: int = 0
    """Class files (those the app writes) changed and not committed yet."""
    uncommitted_paths: tuple[str, ...] = ()
    ahead: int = 0
    """Commits here that the remote does not have yet (as of the last fetch)."""
    behind: int = 0
    """Commits on the remote not merged here yet (as of the last fetch)."""
    has_remote: bool = False
    upstream: str | None = None
    last_sync: datetime | None = None
    problem: str | None = None
    """Why sync cannot run now, e.g. 'a rebase is in progress'."""
    hint: str = ""
    """What to do about ``problem``."""
    syncing: bool = False
    """A sync of this GitRepo is running (a merge seen meanwhile is the sync's own)."""


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    message: str
    """For a person: what happened, or why not and what to do."""
    committed: int = 0
    """Commits made of the app's pending changes (changes saved while the sync fetched
    are committed before the merge, so this may be more than 1)."""
    fetched: int = 0
    """Commits received from the remote."""
    merged: int = 0
    """Merge commits made (a fast-forward makes none)."""
    pushed: int = 0
    """Commits sent to the remote."""
    attempts: int = 0
    """Pushes tried."""
    offline: bool = False
    conflicts: tuple[str, ...] = ()


# --------------------------------------------------------------------------- messages


def _one_line(text: str) -> str:
    return " ".join(text.split())


def commit_message(actor_name: str, summaries: Sequence[str], limit: int = SUBJECT_LIMIT
                   ) -> str:
    """``ana: ticked ratios/intro-video, requested a check on RP.1``.

    A burst of operations becomes one message: as many summaries as fit in a subject of
    at most ``limit`` characters (then '... and N more'), the rest listed in the body."""
    actor = _one_line(actor_name) or "someone"
    items = tidy_summaries([_one_line(s) for s in summaries])  # (a re-tick said once)
    if len(f"{actor}: " + ", ".join(items)) > limit:
        # not all fit: what matters most first, a request, a decision or a goal before
        # ticks ('ticked a, ticked b and 1 more' hid the request of a burst)
        items.sort(key=lambda s: s.startswith(("ticked ", "unticked ")))
    if not items:
        return f"{actor}: saved changes"
    head = f"{actor}: "
    shown = 0
    subject = ""
    for k in range(len(items), 0, -1):
        rest = len(items) - k
        candidate = head + ", ".join(items[:k]) + (f" and {rest} more" if rest else "")
        if len(candidate) <= limit:
            subject, shown = candidate, k
            break
    if not subject:  # the first summary cut short: the body has it whole
        tail = f" and {len(items) - 1} more" if len(items) > 1 else ""
        room = max(limit - len(head) - len(tail), 2)
        subject = head + items[0][: room - 1] + "…" + tail
    body = items[shown:]
    return subject + ("\n\n" + "\n".join(f"- {s}" for s in body) if body else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------- the driver


def driver_command() -> str:
    """How git should run this program's merge driver (absolute, quoted for the shell)."""
    script = Path(sys.executable).parent / "playlist-tui"
    if script.is_file():
        base = shlex.quote(str(script.absolute()))
    else:
        found = shutil.which("playlist-tui")
        base = (shlex.quote(str(Path(found).absolute())) if found
                else f"{shlex.quote(sys.executable)} -m playlist_tui")
    return f"{base} merge-driver %O %A %B %P"


def _runnable(command: str) -> bool:
    """Whether the program that a configured driver command starts exists."""
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):
        return False
    if os.sep in program:
        return os.access(program, os.X_OK)
    return shutil.which(program) is not None


def _denied(stderr: str) -> str | None:
    """The line in which a server with access control (gitolite: 'FATAL: W any repo
    user DENIED by fallthru') refused, shown safely; None when it did not say so."""
    for line in stderr.splitlines():
        text = line.removeprefix("remote:").strip()
        if "DENIED" in text or text.startswith("FATAL:"):
            text = text.replace("<<newline>>", " ")
            return "".join(c if c.isprintable() else " " for c in text)[:300]
    return None


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _in_repo(method: Callable[..., _T]) -> Callable[..., _T]:
    """Run a public method of :class:`GitRepo` with its git commands aimed at its own
    repository (see ``git_dir``)."""
    @wraps(method)
    def run(self: GitRepo, *args: object, **kwargs: object) -> _T:
        with repository(self.git_dir, self.root):
            return method(self, *args, **kwargs)
    return run


# --------------------------------------------------------------------------- the repo


@dataclass(frozen=True)
class _Info:
    git_dir: Path
    common_dir: Path
    prefix: str
    bare: bool


@dataclass
class _Scan:
    """``git status --porcelain=v2 --branch`` of the class folder."""

    branch: str | None = None
    detached: bool = False
    upstream: str | None = None
    ahead: int | None = None
    behind: int | None = None
    changed: tuple[str, ...] = ()
    unmerged: tuple[str, ...] = ()


class GitRepo:
    """A class folder inside a git working tree (the folder may be a subfolder of it).

    ``git_dir``: the repository's git folder when it is not found from the folder: a
    student's own repository in privacy mode, whose work tree is the class folder and
    which holds only that student's files (:mod:`playlist_tui.store.workspace`);
    ``student`` is then whose it is (sync judges what it fetches by the class's roster)."""

    def __init__(self, root: Path | str, *, push_attempts: int = 6, backoff: float = 0.5,
                 rng: random.Random | None = None, git_dir: Path | None = None,
                 student: str | None = None) -> None:
        self.root = Path(root).resolve()
        self.git_dir = git_dir
        self.student = student
        self.push_attempts = max(1, push_attempts)
        self.backoff = backoff
        self.rng = rng or random.Random()
        self._info_cache: _Info | None = None
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- basics

    @_in_repo
    def git(self, *args: str, check: bool = True, timeout: float | None = None) -> Completed:
        if timeout is None:
            return run_git(self.root, *args, check=check)
        return run_git(self.root, *args, check=check, timeout=timeout)

    @_in_repo
    def _info(self) -> _Info | None:
        if self._info_cache is not None:
            return self._info_cache
        if not self.root.is_dir():
            return None
        try:
            out = self.git("rev-parse", "--absolute-git-dir", "--git-common-dir",
                           "--is-bare-repository", "--show-prefix", check=False)
        except GitError:
            return None
        lines = out.stdout.split("\n")
        if not out.ok or len(lines) < 3:
            return None
        common = Path(lines[1])
        if not common.is_absolute():
            common = (self.root / common).resolve()
        prefix = lines[3] if len(lines) > 3 else ""
        self._info_cache = _Info(Path(lines[0]), common, prefix, lines[2] == "true")
        return self._info_cache

    @_in_repo
    def is_repo(self) -> bool:
        return self._info() is not None

    @property
    def prefix(self) -> str:
        """Where the class folder is inside the repository ('' at the top, else 'a/b/')."""
        info = self._info()
        return info.prefix if info else ""

    @_in_repo
    def state_dir(self) -> Path:
        info = self._info()
        if info is None:
            raise GitError("not a git repository")
        return info.common_dir / STATE_DIR

    def _rel(self, path: str) -> str | None:
        """A repository path as a class-folder path (None: outside the class folder)."""
        prefix = self.prefix
        if prefix and not path.startswith(prefix):
            return None
        return path[len(prefix):]

    def _scan(self) -> _Scan:
        # No optional locks: a status taken while a commit or a merge runs must not make
        # it fail on git's index.lock.
        out = run_git(self.root, "status", "--porcelain=v2", "--branch", "-z",
                      "--untracked-files=all", "--no-renames", "--", ".",
                      env={"GIT_OPTIONAL_LOCKS": "0"})
        if not out.ok:
            raise GitError(f"git status failed: {out.last_error_line()}", out.stderr,
                           out.returncode)
        scan = _Scan()
        changed: list[str] = []
        unmerged: list[str] = []
        tokens = out.stdout.split("\0")
        skip = False
        for token in tokens:
            if skip:
                skip = False
                continue
            if token.startswith("# branch.head "):
                head = token.removeprefix("# branch.head ")
                scan.detached = head == "(detached)"
                scan.branch = None if scan.detached else head
            elif token.startswith("# branch.upstream "):
                scan.upstream = token.removeprefix("# branch.upstream ")
            elif token.startswith("# branch.ab "):
                ahead, behind = token.removeprefix("# branch.ab ").split()
                scan.ahead, scan.behind = int(ahead), -int(behind)
            elif token.startswith("1 "):
                changed.append(token.split(" ", 8)[8])
            elif token.startswith("2 "):
                changed.append(token.split(" ", 9)[9])
                skip = True  # the original path follows
            elif token.startswith("u "):
                unmerged.append(token.split(" ", 10)[10])
            elif token.startswith("? "):
                changed.append(token[2:])
        rels = [r for r in (self._rel(p) for p in changed) if r is not None]
        scan.changed = tuple(sorted(set(rels)))
        scan.unmerged = tuple(sorted({r for r in (self._rel(p) for p in unmerged)
                                      if r is not None}))
        return scan

    def _remotes(self) -> list[str]:
        return self.git("remote").stdout.split()

    def _config(self, key: str) -> str | None:
        out = self.git("config", "--get", key, check=False)
        return out.stdout.strip() or None if out.ok else None

    def _count(self, spec: str) -> int:
        out = self.git("rev-list", "--count", spec, check=False)
        return int(out.stdout.strip() or 0) if out.ok else 0

    def _rev(self, rev: str) -> str | None:
        out = self.git("rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
        return out.stdout.strip() or None if out.ok else None

    # ----------------------------------------------------------------- status

    def _state(self, scan: _Scan) -> tuple[str, str] | None:
        info = self._info()
        if info is None:
            return ("this folder is not a git repository",
                    "run 'git init' there (or clone the class), then 'playlist-tui setup-git'")
        g = info.git_dir
        if (g / "rebase-merge").exists() or (g / "rebase-apply").exists():
            if (g / "rebase-apply" / "applying").exists():
                return ("'git am' is in progress",
                        "finish it with 'git am --continue' or undo it with 'git am --abort'")
            return ("a rebase is in progress",
                    "finish it with 'git rebase --continue' or undo it with 'git rebase --abort'")
        if (g / "MERGE_HEAD").exists():
            return ("a merge is in progress",
                    "finish it (fix the files, then 'git commit') or undo it with "
                    "'git merge --abort'")
        if (g / "CHERRY_PICK_HEAD").exists():
            return ("a cherry-pick is in progress",
                    "finish it with 'git cherry-pick --continue' or undo it with "
                    "'git cherry-pick --abort'")
        if (g / "REVERT_HEAD").exists():
            return ("a revert is in progress",
                    "finish it with 'git revert --continue' or undo it with 'git revert --abort'")
        if (g / "BISECT_LOG").exists():
            return "a bisect is in progress", "end it with 'git bisect reset'"
        if scan.detached:
            return ("HEAD is detached (an old version is checked out, not a branch)",
                    "go back to your branch with 'git switch main' (or your branch's name)")
        if scan.unmerged:
            return (f"some files have unresolved conflicts: {', '.join(scan.unmerged)}",
                    "fix them, 'git add' them and commit, or put them back with "
                    "'git checkout HEAD -- FILE'")
        return None

    @_in_repo
    def status(self) -> GitStatus:
        info = self._info()
        if info is None or info.bare:
            return GitStatus(is_repo=False, problem="this folder is not a git repository",
                             hint="run 'git init' there, then 'playlist-tui setup-git'")
        scan = self._scan()
        pending = tuple(p for p in scan.changed if layout.writer_of(p) is not None)
        remotes = self._remotes()
        ahead, behind = scan.ahead or 0, scan.behind or 0
        upstream = scan.upstream
        if scan.ahead is None and remotes and scan.branch:
            remote = "origin" if "origin" in remotes else remotes[0]
            tracking = f"refs/remotes/{remote}/{scan.branch}"
            if self._rev(tracking):
                ahead, behind = self._count(f"{tracking}..HEAD"), self._count(f"HEAD..{tracking}")
            else:
                ahead = self._count("HEAD") if self._rev("HEAD") else 0
        syncing = self._lock.locked()
        state = None if syncing else self._state(scan)
        return GitStatus(
            is_repo=True, branch=scan.branch, uncommitted=len(pending),
            uncommitted_paths=pending, ahead=ahead, behind=behind, has_remote=bool(remotes),
            upstream=upstream, last_sync=self.last_sync(),
            problem=state[0] if state else None, hint=state[1] if state else "",
            syncing=syncing)

    @_in_repo
    def last_sync(self) -> datetime | None:
        try:
            text = (self.state_dir() / "last-sync").read_text(encoding="utf-8").strip()
            return datetime.fromisoformat(text)
        except (OSError, ValueError, GitError):
            return None

    def _record_sync(self) -> None:
        try:
            folder = self.state_dir()
            folder.mkdir(parents=True, exist_ok=True)
            now = datetime.now(UTC).replace(microsecond=0)
            (folder / "last-sync").write_text(now.isoformat() + "\n", encoding="utf-8")
        except (OSError, GitError):
            pass

    # ----------------------------------------------------------------- commits

    @_in_repo
    def pending_class_files(self) -> list[str]:
        """Class files (those the app writes, see layout.writer_of) changed since HEAD."""
        return [p for p in self._scan().changed if layout.writer_of(p) is not None]

    @_in_repo
    def commit_app_changes(self, paths: Sequence[str], message: str) -> str | None:
        """Commit exactly these files (class-folder paths) as the user's git identity.

        Other files, staged or not, are left as they are. Returns the new commit's id, or
        None when none of the files changed. Holds the class lock, and first finishes the
        work of a sync that was stopped half-way (so a half-done merge is never committed
        as an ordinary change)."""
        try:
            with class_lock(self.root).hold("committing"):
                self._recover()
                return self._commit_files(paths, message)
        except LockBusy as exc:
            raise GitError(str(exc)) from None

    def _commit_files(self, paths: Sequence[str], message: str) -> str | None:
        wanted = sorted({p.replace("\\", "/").lstrip("/") for p in paths if p})
        if not wanted:
            return None
        changed = set(self._scan().changed)
        staged = set(self.git("diff", "--cached", "--name-only", "--relative", "-z", "--",
                              *wanted, check=False).stdout.split("\0")) - {""}
        todo = [p for p in wanted if p in changed or p in staged]
        if not todo:
            return None
        self.git("add", "-A", "--", *todo)
        out = self.git("commit", "--quiet", "--no-edit", "--only", "-m", message, "--", *todo,
                       check=False)
        if not out.ok:
            text = out.stderr + out.stdout
            if "nothing to commit" in text or "no changes added" in text:
                return None
            if "Please tell me who you are" in text or "empty ident" in text:
                raise GitError("git does not know who you are: run git config user.name "
                               "\"Your Name\" and git config user.email you@example.org "
                               "in the class folder", text, out.returncode)
            raise GitError(f"could not commit: {out.last_error_line()}", text, out.returncode)
        return self.git("rev-parse", "HEAD").stdout.strip()

    def _actor(self) -> str:
        """The roster id of the git identity (by email), else its name."""
        return self._actor_role()[0]

    def _roster_person(self) -> tuple[dict[str, object], str] | None:
        """The roster entry of the git identity (by email) and 'teachers' or 'students'."""
        email = (self._config("user.email") or "").lower()
        if not email:
            return None
        try:
            data = tomlparse.loads(read_text(self.root, layout.CLASS_FILE) or "")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        for kind in ("teachers", "students"):
            people = data.get(kind, [])
            for person in people if isinstance(people, list) else []:
                emails = person.get("emails", []) if isinstance(person, dict) else []
                if isinstance(emails, list) and email in (str(e).lower() for e in emails):
                    return person, kind
        return None

    def actor_name(self) -> str:
        """Who commits, as people read it in a commit subject: the roster name of the git
        identity (by email), else its git name ('Ms Lee: ticked ...', never an id)."""
        found = self._roster_person()
        if found is not None:
            name = found[0].get("name") or found[0].get("id")
            if isinstance(name, str) and name.strip():
                return name
        return self._config("user.name") or "someone"

    def _actor_role(self) -> tuple[str, str | None]:
        """The roster id of the git identity (by email) and 'teachers' or 'students';
        else its name and None."""
        found = self._roster_person()
        if found is not None:
            return str(found[0].get("id", "")), found[1]
        return self._config("user.name") or "someone", None

    @_in_repo
    def describe_pending(self, paths: Sequence[str]) -> list[str]:
        """Operation-style summaries of what changed in these files since HEAD."""
        summaries: list[str] = []
        with BlobReader(self.root) as reader:
            for path in paths:
                found = reader.read(f"HEAD:{self.prefix}{path}")
                old = parse_version(found[1] if found else None)
                try:
                    raw: bytes | None = (self.root / path).read_bytes()
                except OSError:
                    raw = None
                new = parse_version(raw)
                for change in file_changes(path, old, new, existed=found is not None,
                                           exists=raw is not None):
                    summaries.append(change.summary)
        return summaries

    # ----------------------------------------------------------------- set-up

    @_in_repo
    def setup(self) -> list[str]:
        """Register the merge driver: ``.gitattributes`` lines and ``git config``.

        Idempotent; existing lines of ``.gitattributes`` are kept. Returns what was done."""
        if self._info() is None:
            raise GitError("this folder is not a git repository: run 'git init' first")
        done: list[str] = []
        attributes = self.root / ".gitattributes"
        try:
            text = attributes.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        present = {" ".join(line.split()) for line in text.splitlines()}
        missing = [line for line in ATTRIBUTES if line not in present]
        if missing:
            body = text if not text or text.endswith("\n") else text + "\n"
            header = "" if text else ("# playlist-tui: merge student and teacher files by "
                                      "meaning (see docs/git.md)\n")
            attributes.write_text(body + header + "\n".join(missing) + "\n", encoding="utf-8")
            done.append(f"added {len(missing)} line(s) to .gitattributes (commit it so every "
                        "clone uses them)")
        command = driver_command()
        if self._config(f"merge.{DRIVER}.driver") != command:
            self.git("config", f"merge.{DRIVER}.name", DRIVER_DESCRIPTION)
            self.git("config", f"merge.{DRIVER}.driver", command)
            done.append(f"set git config merge.{DRIVER}.driver to {command!r}")
        return done

    def _ensure_driver(self) -> list[str]:
        """Make sure git runs the merge driver for student and teacher files, whatever
        this clone lacks: the lines in ``.git/info/attributes`` (local to this clone, so
        merges work even where ``.gitattributes`` is missing or was changed) and the
        driver's command in ``git config`` (registered again when missing or when the
        program it names is gone, e.g. after the virtual environment moved). Returns
        what was repaired, in words."""
        done: list[str] = []
        info = self._info()
        if info is None:
            return done
        attributes = info.common_dir / "info" / "attributes"
        wanted = [f"/{self.prefix}{line.lstrip('/')}" if self.prefix else line
                  for line in ATTRIBUTES]
        try:
            text = attributes.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        except OSError:
            text = None  # unreadable: leave it alone; .gitattributes may still do
        if text is not None:
            present = {" ".join(line.split()) for line in text.splitlines()}
            missing = [line for line in wanted if line not in present]
            if missing:
                body = text if not text or text.endswith("\n") else text + "\n"
                header = "# playlist-tui: merge student and teacher files by meaning\n"
                # Quietly: this is set-up, not a repair a person needs to hear about.
                with contextlib.suppress(OSError):
                    attributes.parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(attributes, (body + header + "\n".join(missing) + "\n"
                                              ).encode("utf-8"))
        command = self._config(f"merge.{DRIVER}.driver")
        if command is None or not _runnable(command):
            self.git("config", f"merge.{DRIVER}.name", DRIVER_DESCRIPTION)
            self.git("config", f"merge.{DRIVER}.driver", driver_command())
            if command is not None:
                done.append("registered the merge driver again (the program it named is "
                            "gone)")
        return done

    @_in_repo
    def repair(self) -> list[str]:
        """What the app does when it opens a class folder: finish the work of a sync that
        was stopped half-way, remove git's stale lock, and make sure the merge driver is
        reachable (see :meth:`_recover` and :meth:`_ensure_driver`). Returns what was
        done, in words (empty when nothing needed doing)."""
        info = self._info()
        if info is None or info.bare:
            return []
        try:
            with class_lock(self.root).hold("repairing after a stopped sync"):
                return self._recover() + self._ensure_driver()
        except LockBusy as exc:
            raise GitError(str(exc)) from None

    def _commit_attributes(self) -> int:
        """A teacher's sync adds the merge driver's lines to ``.gitattributes`` and commits
        it, so that every clone (and any other git tool) merges student files by meaning.
        A student may not write that file, so a student's clone relies on its own
        ``.git/info/attributes`` (see :meth:`_ensure_driver`). Returns commits made."""
        actor, role = self._actor_role()
        if role != "teachers":
            return 0
        path = self.root / ".gitattributes"
        try:
            text = path.read_text(encoding="utf-8") if path.exists() else ""
        except OSError:
            return 0
        present = {" ".join(line.split()) for line in text.splitlines()}
        if all(line in present for line in ATTRIBUTES):
            tracked = self.git("ls-files", "--error-unmatch", "--", ".gitattributes",
                               check=False).ok
            changed = ".gitattributes" in self._scan().changed
            if tracked and not changed:
                return 0
        else:
            self.setup()
        done = self._commit_files([".gitattributes"], f"{actor}: merge student and teacher "
                                  "files by meaning in every clone (.gitattributes)")
        return 1 if done else 0

    # ----------------------------------------------------------------- recovery

    def _worktree_top(self) -> Path:
        depth = len([p for p in self.prefix.split("/") if p])
        top = self.root
        for _ in range(depth):
            top = top.parent
        return top

    def _git_running(self) -> bool | None:
        """Whether a git process runs in this repository now (None: cannot be seen)."""
        proc = Path("/proc")
        info = self._info()
        if info is None or not (proc / "self" / "cwd").exists():
            return None
        places = {self._worktree_top(), info.git_dir, info.common_dir}
        for entry in proc.iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                comm = (entry / "comm").read_text(encoding="utf-8", errors="replace").strip()
                if not comm.startswith("git"):
                    continue
                cwd = Path(os.readlink(entry / "cwd"))
            except OSError:
                continue  # gone meanwhile, or not ours to look at
            if any(cwd == place or place in cwd.parents for place in places):
                return True
        return False

    def _recover(self) -> list[str]:
        """Put right what a git command or a sync that was killed left behind (call with
        the class lock held). Returns what was done, in words.

        - ``index.lock`` whose git process is gone (no git process runs in this
          repository) is removed;
        - a merge this app was checking out when it was stopped (the marker file, see
          :data:`MERGE_MARKER`) is finished: every file the merge changes is brought to
          the merged version, and a change saved to such a file after the stop is merged
          into it by meaning, so nothing is lost and nothing half-done is committed;
        - ``.merge_file_*`` temporary files of a dead merge driver are removed.

        A merge, rebase or cherry-pick that a person started by hand is left alone."""
        info = self._info()
        if info is None or info.bare:
            return []
        done: list[str] = []
        running: bool | None = None
        index_lock = info.git_dir / "index.lock"
        if index_lock.exists():
            running = self._git_running()
            stale = (not running) if running is not None else _age(index_lock) > \
                STALE_GIT_LOCK_AGE
            if stale:
                with contextlib.suppress(FileNotFoundError):
                    index_lock.unlink()
                done.append("removed git's lock file left by a git command that was stopped")
        marker = self.state_dir() / MERGE_MARKER
        if marker.exists():
            done += self._finish_checkout(marker)
        temps = [p for folder in {self._worktree_top(), self.root}
                 for p in folder.glob(".merge_file_*") if p.is_file()]
        if temps:
            if running is None:
                running = self._git_running()
            if running is False:
                for temp in temps:
                    with contextlib.suppress(OSError):
                        temp.unlink()
        return done

    def _finish_checkout(self, marker: Path) -> list[str]:
        try:
            old, target = marker.read_text(encoding="utf-8").split()[:2]
        except (OSError, ValueError):
            marker.unlink(missing_ok=True)
            return []
        head = self._rev("HEAD")
        if head == target or self._rev(target) is None or head != old:
            # Finished (only the marker was left), or someone moved HEAD by hand since:
            # nothing of ours to finish.
            marker.unlink(missing_ok=True)
            return []
        from playlist_tui.store.merge import MergeError, merge_bytes, merged_by_meaning

        top = self._worktree_top()
        names = self.git("diff", "--name-only", "-z", "--no-renames", old, target
                         ).stdout.split("\0")
        kept: list[str] = []
        with BlobReader(top) as reader:
            for name in (n for n in names if n):
                path = top / name
                o = reader.read(f"{old}:{name}")
                t = reader.read(f"{target}:{name}")
                ob, tb = (o[1] if o else None), (t[1] if t else None)
                try:
                    wt: bytes | None = path.read_bytes() if not path.is_symlink() else None
                except (FileNotFoundError, IsADirectoryError):
                    wt = None
                if wt == tb:
                    continue
                if wt == ob or wt is None:
                    if tb is None:
                        path.unlink(missing_ok=True)
                    else:
                        atomic_write(path, tb)
                    continue
                # Changed here after the stop (a save): keep that change, merged in.
                if ob is not None and tb is not None and merged_by_meaning(name):
                    try:
                        merged, _ = merge_bytes(ob, wt, tb)
                        atomic_write(path, merged)
                        continue
                    except MergeError:
                        pass
                kept.append(name)
        self.git("update-ref", "-m", "playlist-tui: finish an interrupted sync", "HEAD",
                 target, old)
        self.git("reset", "--quiet", "--mixed", "HEAD", check=False)
        marker.unlink(missing_ok=True)
        words = ["finished a merge that an interrupted sync had started (nothing was lost)"]
        if kept:
            words.append("these files were changed here after it stopped and are kept as "
                         "they are; check them: " + ", ".join(kept))
        return words

    # ----------------------------------------------------------------- sync

    def _upstream(self, branch: str) -> tuple[str, str, bool] | None:
        """(remote, remote branch, configured?) or None when there is no remote."""
        remote = self._config(f"branch.{branch}.remote")
        merge = self._config(f"branch.{branch}.merge")
        if remote and remote != "." and merge:
            return remote, merge.removeprefix("refs/heads/"), True
        remotes = self._remotes()
        if not remotes:
            return None
        return ("origin" if "origin" in remotes else remotes[0]), branch, False

    @_in_repo
    def sync(self, paths: Sequence[str] | None = None, message: str | None = None,
             accept: bool = False) -> SyncResult:
        """Commit the app's pending changes, fetch, merge, push. See the module doc.

        ``paths``: the files to commit (default: every changed class file);
        ``message``: the commit message (default: built from what changed);
        ``accept``: merge fetched commits even when the audit refuses them (a teacher's
        explicit choice)."""
        with self._lock:
            notes: list[str] = []
            try:
                result = self._sync(paths, message, notes, accept)
            except GitError as exc:
                result = SyncResult(False, f"Sync stopped: {exc.message}. Nothing was lost: "
                                    "your changes are still in the class folder.")
            except LockBusy as exc:
                result = SyncResult(False, f"Sync waited: {exc}. Nothing was changed.")
            if notes:
                said = " ".join(n[:1].upper() + n[1:] + "." for n in notes)
                result = replace(result, message=f"{result.message} {said}")
            return result

    def _refuse(self, problem: str, hint: str) -> SyncResult:
        return SyncResult(False, f"Cannot sync: {problem}. {hint[:1].upper()}{hint[1:]}, then "
                          "sync again. Nothing was changed.")

    def _commit_pending(self, paths: Sequence[str] | None, message: str | None
                        ) -> int | SyncResult:
        """Commit the class files the app writes that changed (call with the class lock
        held). The number of commits made, or why not."""
        pending = self.pending_class_files()
        if paths is not None:
            chosen = {p.replace("\\", "/") for p in paths}
            pending = [p for p in pending if p in chosen]
        broken = []
        for path in pending:
            try:
                raw = (self.root / path).read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                broken.append(f"{path}: cannot be read ({exc.strerror})")
                continue
            parsed = parse_bytes(path, raw)
            if parsed.problems:
                p = parsed.problems[0]
                broken.append(f"{path}:{p.line}:{p.col}: {p.message}")
        if broken:
            return SyncResult(False, "Cannot sync: a class file has a problem, so it was not "
                              "committed or sent: " + "; ".join(broken) + ". Fix it (see "
                              "'playlist-tui validate'), then sync again. Nothing was changed.")
        if not pending:
            return 0
        text = message or commit_message(self.actor_name(), self.describe_pending(pending))
        return 1 if self._commit_files(pending, text) is not None else 0

    def _sync(self, paths: Sequence[str] | None, message: str | None, notes: list[str],
              accept: bool = False) -> SyncResult:
        info = self._info()
        if info is None or info.bare:
            return self._refuse("this folder is not a git repository",
                                "run 'git init' there (or clone the class) and "
                                "'playlist-tui setup-git'")
        lock = class_lock(self.root)
        # 1. Put right what a stopped sync left, then commit the app's changes: while
        # holding the class lock, so no save lands half-way.
        with lock.hold("syncing: committing"):
            notes += self._recover()
            scan = self._scan()
            state = self._state(scan)
            if state is not None:
                return self._refuse(*state)
            assert scan.branch is not None
            notes += self._ensure_driver()
            made = self._commit_pending(paths, message)
            if isinstance(made, SyncResult):
                return made
            committed = made + self._commit_attributes()
        branch = scan.branch

        # 2. Where to sync with.
        target = self._upstream(branch)
        if target is None:
            saved = "Your changes were saved here (committed). " if committed else ""
            return SyncResult(False, f"{saved}This class folder has no remote to sync with: "
                              "add one with 'git remote add origin URL'.", committed=committed)
        remote, remote_branch, configured = target
        tracking = f"refs/remotes/{remote}/{remote_branch}"
        fetched = merged = pushed = attempts = conflicts = 0

        def offline(reason: str) -> SyncResult:
            waiting = self._count(f"{tracking}..HEAD") if self._rev(tracking) else \
                self._count("HEAD")
            saved = f" ({_plural(waiting, 'commit')} waiting to be sent)" if waiting else ""
            return SyncResult(False, f"Could not reach {remote}: {reason.rstrip('. ')}. "
                              "Nothing was lost: "
                              f"your work is saved on this device{saved}. Sync again when the "
                              "connection is back.", committed, fetched, merged, pushed,
                              attempts, offline=True)

        brought_from: str | None = None  # HEAD before this sync's first merge
        while True:
            # 3. Fetch (the work tree is not touched: saves go on meanwhile).
            try:
                out = self.git("fetch", "--quiet", "--no-tags", remote,
                               f"+refs/heads/{remote_branch}:{tracking}", check=False,
                               timeout=NETWORK_TIMEOUT)
            except GitError as exc:
                return offline(exc.message)
            remote_exists = True
            if not out.ok and _denied(out.stderr):
                return SyncResult(False, f"{remote} refused access: {_denied(out.stderr)}. "
                                  "Nothing was lost: your work is saved on this device. Ask "
                                  "a teacher to check that the server knows your key.",
                                  committed, fetched, merged, pushed, attempts)
            if not out.ok:
                if "couldn't find remote ref" in out.stderr:
                    remote_exists = False  # an empty remote: the first push creates it
                else:
                    return offline(out.last_error_line())
            # 4. Merge, holding the class lock: first the changes saved while fetching are
            # committed, so the merge is checked out over a clean work tree.
            if remote_exists and self._rev(tracking):
                incoming = self._count(f"HEAD..{tracking}")
                if incoming:
                    fetched += incoming
                    refused = None if accept else self._check_incoming(tracking, remote)
                    if refused is not None:
                        return replace(refused, committed=committed, fetched=fetched)
                    with lock.hold("syncing: merging"):
                        made = self._commit_pending(paths, None)
                        if isinstance(made, SyncResult):
                            return replace(made, committed=committed, fetched=fetched)
                        committed += made
                        if brought_from is None:
                            brought_from = self._rev("HEAD")
                        known = len(read_conflicts(self.state_dir()))
                        result = self._merge(tracking, remote)
                        if not isinstance(result, SyncResult):
                            conflicts += self._annotate_conflicts(known, tracking)
                    if isinstance(result, SyncResult):
                        return SyncResult(result.ok, result.message, committed, fetched,
                                          merged, pushed, attempts, conflicts=result.conflicts)
                    merged += result
                outgoing = self._count(f"{tracking}..HEAD")
            else:
                outgoing = self._count("HEAD") if self._rev("HEAD") else 0
            if outgoing == 0:
                break
            # 5. Push.
            attempts += 1
            args = ["push", "--porcelain"]
            if not configured:
                args.append("--set-upstream")
            try:
                out = self.git(*args, remote, f"HEAD:refs/heads/{remote_branch}",
                               check=False, timeout=NETWORK_TIMEOUT)
            except GitError as exc:
                return offline(exc.message)
            if out.ok:
                pushed += outgoing
                configured = True
                break
            verdict = self._push_failure(out)
            if verdict == "offline":
                return offline(out.last_error_line())
            if verdict != "retry":
                return SyncResult(False, f"{remote} refused the changes: {verdict}. Nothing "
                                  "was lost: your work is saved on this device.", committed,
                                  fetched, merged, pushed, attempts)
            if attempts >= self.push_attempts:
                return SyncResult(False, f"{remote} kept receiving other changes while "
                                  f"sending ({attempts} tries). Nothing was lost: your work is "
                                  "saved on this device; sync again in a moment.", committed,
                                  fetched, merged, pushed, attempts)
            pause = min(30.0, self.backoff * 2 ** (attempts - 1))
            time.sleep(pause * self.rng.uniform(0.5, 1.5))

        self._record_sync()
        # What this sync brought in is ORIG_HEAD..HEAD (as after 'git merge'); nothing,
        # when it brought nothing: the history's review shows the last sync, not an older.
        head_now = self._rev("HEAD")
        if head_now is not None:
            self.git("update-ref", "-m", "playlist-tui sync", "ORIG_HEAD",
                     brought_from or head_now, check=False)
        done = []
        if committed:
            done.append("saved your changes")
        if fetched:
            done.append(f"received {_plural(fetched, 'commit')}")
        if pushed:
            done.append(f"sent {_plural(pushed, 'commit')}")
        text = f"Synced with {remote}: " + ", ".join(done) + "." if done else \
            f"Up to date with {remote}."
        if conflicts:
            verb = "was" if conflicts == 1 else "were"
            text += (f" {_plural(conflicts, 'value')} {verb} changed on both sides: yours "
                     f"{verb} kept, and the other is offered ('playlist-tui conflicts').")
        return SyncResult(True, text, committed, fetched, merged, pushed, attempts)

    def _annotate_conflicts(self, known: int, tracking: str) -> int:
        """Say who wrote each side of the true conflicts the merge just recorded (the
        merge driver cannot know). Returns how many there are."""
        state = self.state_dir()
        records = read_conflicts(state)
        fresh = records[known:]
        if not fresh:
            return 0
        for record in fresh:
            path = f"{self.prefix}{record['file']}" if not str(record["file"]).startswith(
                self.prefix) else str(record["file"])
            for side, spec in (("theirs_by", f"HEAD^1..{tracking}"),
                               ("ours_by", f"{tracking}..HEAD^1")):
                out = self.git("log", "-1", "--format=%an", spec, "--", path, check=False)
                record[side] = out.stdout.strip() or record.get(side, "")
        write_conflicts(state, records)
        return len(fresh)

    def _check_incoming(self, tracking: str, remote: str) -> SyncResult | None:
        """Judge the fetched commits by the rules this clone already has (the audit's
        trusted side: our HEAD's roster) before merging them: a commit that breaks them
        is not merged, and the result says which, who and what rule. A student's own
        repository of privacy mode (``student``) holds no roster: its commits are judged
        by the class repository's (its HEAD, which this clone trusts), and only that
        student's files belong in it."""
        from playlist_tui.store.audit import (
            AuditError,
            audit_incoming,
            audit_student,
            roster_at,
        )

        try:
            if self.git_dir is None:
                report = audit_incoming(self.root, "HEAD", tracking)
            elif self.student is None:
                return None  # a repository of its own that is no student's: not ours to judge
            else:
                with repository(None, self.root):  # the class repository's roster
                    roster = roster_at(self.root, "HEAD")
                head = "HEAD" if self._rev("HEAD") else None
                report = audit_student(self.root, self.student, roster, head, tracking,
                                       fast_forward=False)
        except (AuditError, GitError) as exc:
            return SyncResult(False, f"Did not merge the changes from {remote}: they could "
                              f"not be checked ({exc}). Nothing was merged and nothing was "
                              "lost.")
        if report.ok:
            return None
        return SyncResult(False, f"Did not merge the changes from {remote}: "
                          f"{report.summary()}. Nothing was merged and nothing was lost: "
                          "your work is kept here. Look at them in the history; a teacher "
                          "who accepts them can run 'playlist-tui sync --accept'.")

    def _merge(self, tracking: str, remote: str) -> int | SyncResult:
        """Merge the remote branch (call with the class lock held). The number of merge
        commits made, or a failed result.

        The merge is made without touching the work tree (``git merge-tree``, which runs
        the merge driver), committed (``git commit-tree``), and only then checked out:
        so a conflict changes nothing here, and a sync stopped at any moment leaves either
        nothing to do or a checkout that the next sync finishes (:meth:`_recover`)."""
        head = self._rev("HEAD")
        theirs = self._rev(tracking)
        if head is None or theirs is None:
            return self._merge_with_git(tracking, remote)
        if self.git("merge-base", "--is-ancestor", head, theirs, check=False).ok:
            made, target = 0, theirs  # a fast-forward
        else:
            out = self.git("merge-tree", "--write-tree", "--name-only", "--no-messages",
                           head, theirs, check=False)
            if out.returncode == 129 or "usage:" in out.stderr:  # git older than 2.38
                return self._merge_with_git(tracking, remote)
            lines = out.stdout.split("\n")
            if out.returncode == 1 and lines and lines[0]:
                conflicted = tuple(sorted({r for r in (self._rel(p) for p in lines[1:] if p)
                                           if r is not None}))
                return self._conflict(remote, conflicted)
            if not out.ok:
                detail = out.last_error_line()
                if "unrelated histories" in out.stderr:
                    detail = ("the remote's history does not share a beginning with this "
                              "class folder (refusing to merge unrelated histories)")
                return SyncResult(False, f"Could not merge the changes from {remote}: "
                                  f"{detail}. Nothing was changed here.")
            tree = lines[0].strip()
            short = tracking.removeprefix("refs/remotes/")
            args = ["commit-tree", tree, "-p", head, "-p", theirs, "-m",
                    f"Merge remote-tracking branch '{short}'"]
            if (self._config("commit.gpgsign") or "").lower() in ("true", "yes", "on", "1"):
                args.insert(1, "-S")
            made_out = self.git(*args, check=False)
            if not made_out.ok:
                return SyncResult(False, f"Could not record the merge: "
                                  f"{made_out.last_error_line()}. Nothing was changed here.")
            made, target = 1, made_out.stdout.strip()
        checked = self._checkout(head, target)
        if checked is not None:
            return SyncResult(False, f"Could not merge the changes from {remote}: {checked}. "
                              "Commit or move those files, then sync again. Nothing was lost.")
        return made

    def _checkout(self, old: str, target: str) -> str | None:
        """Move the work tree, the index and the branch from ``old`` to ``target``; None
        when done, else why not (then nothing was changed). A marker file says what is
        under way, so that a stop half-way is finished by the next sync."""
        marker = self.state_dir() / MERGE_MARKER
        marker.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(marker, f"{old} {target}\n".encode())
        self.git("update-index", "-q", "--refresh", check=False)
        out = self.git("read-tree", "-m", "-u", old, target, check=False)
        if not out.ok:
            marker.unlink(missing_ok=True)
            files = [line.strip() for line in out.stderr.splitlines()
                     if line.startswith("\t")]
            if files:
                return ("files changed here but not saved by the app would be overwritten: "
                        + ", ".join(files))
            return out.last_error_line()
        self.git("update-ref", "-m", "playlist-tui sync: merge", "HEAD", target, old)
        marker.unlink(missing_ok=True)
        return None

    def _conflict(self, remote: str, conflicted: tuple[str, ...]) -> SyncResult:
        names = ", ".join(conflicted) or "some files"
        hint = ("These files are not merged by the app (they were edited by hand on both "
                "sides)")
        if any(layout.writer_of(p) for p in conflicted):
            hint = ("If the merge driver is not set up here, run 'playlist-tui setup-git'; "
                    "otherwise a file did not parse on one side")
        return SyncResult(False, f"Could not merge the changes from {remote}: {names} "
                          f"changed both here and there in ways that cannot be combined "
                          f"automatically. Nothing was changed here and nothing was lost: "
                          f"your commits are kept. {hint}. Fix them by hand (see "
                          "docs/git.md), then sync again.", conflicts=conflicted)

    def _merge_with_git(self, tracking: str, remote: str) -> int | SyncResult:
        """``git merge`` (for git older than 2.38, which has no ``merge-tree
        --write-tree``)."""
        before = self._rev("HEAD")
        short = tracking.removeprefix("refs/remotes/")
        out = self.git("merge", "--no-edit", "--ff", "--no-stat", "--quiet", "-m",
                       f"Merge remote-tracking branch '{short}'", tracking, check=False)
        info = self._info()
        assert info is not None
        if out.ok:
            after = self._rev("HEAD")
            return 0 if after == self._rev(tracking) and before != after else 1
        if (info.git_dir / "MERGE_HEAD").exists():
            conflicted = self._scan().unmerged
            aborted = self.git("merge", "--abort", check=False)
            result = self._conflict(remote, conflicted)
            if not aborted.ok:
                return replace(result, message=result.message.replace(
                    "Nothing was changed here", "The merge could NOT be undone ("
                    + aborted.last_error_line() + "): run 'git merge --abort'"))
            return result
        detail = out.last_error_line()
        files = [line.strip() for line in out.stderr.splitlines() if line.startswith("\t")]
        if files:
            detail = ("files changed here but not saved by the app would be overwritten: "
                      + ", ".join(files))
        return SyncResult(False, f"Could not merge the changes from {remote}: {detail}. "
                          "Commit or move those files, then sync again. Nothing was lost.")

    @staticmethod
    def _push_failure(out: Completed) -> str:
        """'retry' (someone pushed first), 'offline', or why the remote refused."""
        statuses = [line.split("\t") for line in out.stdout.splitlines()
                    if line[:1] in "!* +-=" and line.count("\t") >= 2]
        rejected = [parts[2] for parts in statuses if parts[0] == "!"]
        if not statuses:
            denied = _denied(out.stderr)
            return denied or "offline"
        retry = ("fetch first", "non-fast-forward", "stale info", "lock", "update ref",
                 "old value")
        if rejected and all(any(r in reason for r in retry) for reason in rejected):
            return "retry"
        remote_says = [line.removeprefix("remote:").strip() for line in out.stderr.splitlines()
                       if line.startswith("remote:") and line.removeprefix("remote:").strip()]
        reason = "; ".join(rejected) or out.last_error_line()
        return reason + (" (" + " / ".join(remote_says[-5:]) + ")" if remote_says else "")

    # ----------------------------------------------------------------- history

    def _data(self, data: ClassData | None) -> ClassData | None:
        if data is not None:
            return data
        from playlist_tui.store.loader import load_class

        return load_class(self.root).data

    @_in_repo
    def history(self, student: str | None = None, playlist: str | None = None,
                competency: str | None = None, limit: int | None = 200, *,
                rev: str = "HEAD", data: ClassData | None = None) -> list[HistoryEvent]:
        """Plain-language events, oldest first (the newest ``limit`` of them)."""
        if not self.is_repo():
            return []
        return read_history(self.root, data=self._data(data), revs=[rev], student=student,
                            playlist=playlist, competency=competency, limit=limit)

    def last_sync_range(self) -> str:
        """What the last sync brought in (``ORIG_HEAD..HEAD``, which sync sets), else the
        last commits (up to ten)."""
        if self._rev("ORIG_HEAD") is not None:
            return "ORIG_HEAD..HEAD"
        count = self._count("HEAD") if self._rev("HEAD") else 0
        back = min(10, count - 1) if count > 1 else 0
        return f"HEAD~{back}..HEAD" if back else "HEAD"

    def user_email(self) -> str:
        """The git identity's email here ('' when none)."""
        return self._config("user.email") or ""

    @_in_repo
    def review(self, rev_range: str, *, data: ClassData | None = None) -> Review:
        """What ``rev_range`` changed (``A..B``, ``A...B`` or one commit): in words, grouped
        by student and playlist, with the raw ``git diff``."""
        if not self.is_repo():
            raise GitError("this folder is not a git repository")
        return build_review(self.root, rev_range, data=self._data(data))
