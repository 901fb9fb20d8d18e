"""One class folder as the app uses it: saves, commits, sync and the watcher, no Textual.

A :class:`ClassSession` owns the store and git. The UI forwards what the person does
(``save``, ``sync``, ``commit_now``) and subscribes a listener that is given one
:mod:`event <playlist_tui.session.events>` per change, from a worker thread:

- a save: the operation is applied by :meth:`ClassStore.apply` (under the class lock),
  the store is refreshed for that one file and the new class is published once
  (:class:`~playlist_tui.session.events.Changed`); the change joins the commit burst;
- a burst: after ``commit_after`` seconds of quiet (or at sync or quit) one commit says
  who did what, by the person's roster name (``Ms Lee: Ana Souza, not yet on RP.1``);
- the watcher: files changed on disk are refreshed, except the session's own writes
  (their identity is remembered before the refresh that read them), so a save comes back
  once, not twice;
- sync: waits for the saves asked for, commits the burst, syncs, reloads what it
  fetched, and publishes the values two people changed at once
  (:class:`~playlist_tui.session.events.Conflicts`).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playlist_tui.session.events import Changed, Conflicts, Event, GitWords, Said, Severity
from playlist_tui.session.runner import Later, Runner, ThreadRunner
from playlist_tui.session.trace import mark

if TYPE_CHECKING:
    from playlist_tui.model.klass import ClassData
    from playlist_tui.session.tallies import Tally
    from playlist_tui.store.gitrepo import GitRepo, GitStatus, SyncResult
    from playlist_tui.store.identity import Person
    from playlist_tui.store.loader import LoadResult
    from playlist_tui.store.merge_shared import Settled, Side
    from playlist_tui.store.ops import Operation
    from playlist_tui.store.store import ClassStore
    from playlist_tui.store.workspace import Workspace

Listener = Callable[[Event], None]
Signature = tuple[int, int, int]

READ_ONLY = ("Read-only: your git email is not in this class's roster, so nothing is saved. "
             "Ask a teacher to add it to class.toml.")
DEMO_SYNC = ("Sync is off for the demo class: it lives inside the playlist-tui project's own "
             "repository.")
DEMO_WORDS = ("git: commits and sync are off for the demo class (it lives inside the "
              "playlist-tui project)")
LOADED_MARGIN_NS = 50_000_000
"""A file last written this long before a whole load started was read by it (more than a
coarse file-system clock can lag)."""


def git_words(status: GitStatus, autocommit: bool, conflicts: int = 0) -> str | None:
    """The status line: 'git main · 2 changes to commit · ↑1 ↓0 · synced 24 Nov 14:02'
    ('· 1 conflict to settle (C)' when a sync kept values two people changed)."""
    if not status.is_repo:
        return None
    parts = [f"git {status.branch or '(no branch)'}"]
    if status.problem:
        parts.append(f"! {status.problem}" + (f": {status.hint}" if status.hint else ""))
    if conflicts:
        parts.append(f"{conflicts} conflict{'s' if conflicts != 1 else ''} to settle (C)")
    if status.uncommitted:
        parts.append(f"{status.uncommitted} change{'s' if status.uncommitted != 1 else ''} "
                     "not committed" + ("" if autocommit else " (auto-commit off)"))
    if status.has_remote:
        parts.append(f"↑{status.ahead} ↓{status.behind}")
        if status.last_sync:
            local = status.last_sync.astimezone()
            parts.append(f"synced {local.day} {local:%b %H:%M}")
        parts.append("f5 sync")
    else:
        parts.append("no remote")
    return " · ".join(parts)


class ClassSession:
    """The class folder, its git and the app's work on them (see the module)."""

    def __init__(self, folder: Path | str, *, autocommit: bool = True,
                 git_sync: bool = True, acting: bool = False, runner: Runner | None = None,
                 commit_after: float = 2.0, sync_every: float = 300.0) -> None:
        self.folder = Path(folder)
        self.autocommit = autocommit
        self.git_sync = git_sync
        self.acting = acting  # --as: the commits say the git identity is someone else's
        self.runner: Runner = runner or ThreadRunner()
        self.commit_after = commit_after
        """Seconds of quiet after which a burst of changes becomes one commit."""
        self.sync_every = sync_every
        """Seconds between automatic syncs (while watching, with a remote)."""
        self.user: Person | None = None
        """Who acts: their roster name is in every commit."""
        self.email: str | None = None
        self.unknown = False
        """The git email is not in the roster of a shared class."""
        self.read_only = False
        """Nothing is saved (set by the UI when an unknown person looks around)."""
        self.result: LoadResult | None = None
        self.conflicts: list[dict[str, Any]] = []
        """The shared-file conflicts not settled yet, as last published."""
        self.counts: Counter[str] = Counter()
        """What the session did: apply, refresh, load, published, skipped (own writes)."""
        self._store: ClassStore | None = None
        self._git: GitRepo | Workspace | None = None
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()  # the burst, its timer and the own writes
        self._burst: list[tuple[str, str]] = []  # (path, summary) not committed yet
        self._burst_later: Later | None = None
        self._sync_later: Later | None = None
        self._git_lock = threading.Lock()  # one commit or sync at a time
        # Saves asked for but not finished: a sync waits for them (counted when asked,
        # so a tick followed at once by a sync is always in the sync).
        self._saves = threading.Condition()
        self._pending_saves = 0
        self._jobs = threading.Condition()
        self._running = 0
        self._repaired = False
        self._own: dict[str, Signature | None] = {}
        self._loaded_ns = 0  # when the last whole load started
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._disk_pending: set[str] = set()  # seen by the watcher, not refreshed yet
        self._disk_running = False  # a job refreshing them runs (see _disk_job)

    # ------------------------------------------------------------------ parts
    @property
    def store(self) -> ClassStore:
        """The class folder (made, and the store imported, on first use)."""
        if self._store is None:
            from playlist_tui.store.store import ClassStore

            self._store = ClassStore(self.folder)
        return self._store

    @property
    def git(self) -> GitRepo | Workspace:
        if self._git is None:
            from playlist_tui.store.workspace import open_repo

            self._git = open_repo(self.folder)  # a Workspace in privacy mode
        return self._git

    @git.setter
    def git(self, repo: GitRepo | Workspace) -> None:
        self._git = repo

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every event (from the thread that made it)."""
        self._listeners.append(listener)

    def _publish(self, event: Event) -> None:
        self.counts["published"] += 1
        for listener in list(self._listeners):
            listener(event)

    def _say(self, message: str, title: str = "", severity: Severity = "information",
             timeout: float | None = None) -> None:
        self._publish(Said(message, title, severity, timeout))

    def _spawn(self, job: Callable[[], object], group: str) -> None:
        with self._jobs:
            self._running += 1

        def run() -> None:
            try:
                job()
            finally:
                with self._jobs:
                    self._running -= 1
                    self._jobs.notify_all()

        self.runner.run(run, group)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no job of the session runs (True), or ``timeout`` seconds (False)."""
        with self._jobs:
            return self._jobs.wait_for(lambda: self._running == 0, timeout=timeout)

    # ------------------------------------------------------------------ loading
    def load(self) -> LoadResult:
        """Load the whole class (blocking) and find out who git says is here."""
        from playlist_tui.store import identity

        mark("start: store imported")
        self.store.clean()
        result = self._load_all()
        mark("start: class loaded")
        self.email = identity.git_email(self.store.root)
        # Not in the roster of a shared class: the picker (if needed) is read-only.
        self.unknown = (not self.acting and identity.match_email(result.data, self.email) is None
                        and self.git_sync  # the bundled demo is nobody's class
                        and identity.is_shared(self.store.root))
        return result

    def _load_all(self) -> LoadResult:
        self._loaded_ns = time.time_ns()
        self.counts["load"] += 1
        self.result = self.store.load()
        return self.result

    def _refresh(self, changed: set[str]) -> LoadResult:
        self.counts["refresh"] += 1
        self.result = self.store.refresh(changed)
        return self.result

    def pending_tally(self, data: ClassData) -> Tally | None:
        """The numbers of requests waiting, kept per student from earlier runs, for the
        class ``data`` if it is the one last loaded (see :mod:`playlist_tui.session.tallies`);
        None when there is no such class (then everything is counted)."""
        from playlist_tui.session.tallies import Tally

        result = self.result
        if result is None or result.data is not data:
            return None
        idents = self.store.identities_for(result)
        grown = self.store.growths_for(result)
        if idents is None or grown is None:
            return None
        # (the requests waiting are read from the student's requests and the teacher's
        # decisions: new ticks or notes change nothing of them)
        return Tally(self.store.root, "pending", idents, sources=("engine/mastery.py",),
                     grown=grown, unaffected=frozenset({"ticks", "notes"}))

    # ------------------------------------------------------------------ the opening
    def opening(self, role: str | None, person: str | None) -> tuple[str, dict[str, Any]] | None:
        """The home screen kept from the last run for this person (given, or found by the
        git email when ``role`` is None), if the class folder is exactly as it was then
        (see :mod:`playlist_tui.session.opening`): (whom, picture). Reads no model."""
        from playlist_tui.session import opening

        email = None
        if role is None and not self.acting:
            from playlist_tui.store import identity

            email = identity.git_email(self.folder)
        whom = opening.who(role, person, email)
        picture = opening.read(self.folder, whom)
        return None if whom is None or picture is None else (whom, picture)

    def whom(self, role: str | None, person: str | None) -> str | None:
        """Whom an opening kept now is for: the person given, or the one the git email
        found (None if the person was picked by hand: the next run asks again)."""
        from playlist_tui.session import opening
        from playlist_tui.store import identity

        user, result = self.user, self.result
        if user is None or result is None or self.read_only:
            return None
        if role is not None:
            return opening.who(role, person, None) if person == user.id else None
        if self.acting or identity.match_email(result.data, self.email) != user:
            return None
        return opening.who(None, None, self.email)

    SETTLE_AT_MOST = 20
    """Files read while they were changing that :meth:`settle` reads again, at most."""

    def settle(self) -> LoadResult | None:
        """Read again the files of the class last read whose identity the store could not
        trust (they were changing when read: a save, a change that came in just then),
        so that the class shown can be kept as the next run's opening: the class as it
        is now, or None when there is nothing to read again (or too much: more than
        SETTLE_AT_MOST files). Blocking; a file still changing stays untrusted."""
        result = self.result
        idents = self.store.identities_for(result) if result is not None else None
        if idents is None:
            return None
        # (the store reads them as ever, refusing links; a file it refuses stays untrusted,
        # which the opening's stamp covers)
        racy = {rel for rel, ident in idents.items() if ident is None}
        if not racy or len(racy) > self.SETTLE_AT_MOST:
            return None
        return self._refresh(racy)

    def keep_opening(self, whom: str, data: ClassData, picture: dict[str, Any],
                     only: str | None = None) -> bool:
        """Keep ``picture`` (what the home screen shows of ``data``; of the students'
        files, only student ``only``'s if given) for the next run, if ``data`` is the
        class last read and no file changed since (blocking)."""
        from playlist_tui.session import opening

        result = self.result
        if result is None or result.data is not data:
            return False
        used = self.store.identities_for(result)
        if used is None:
            return False
        return opening.keep(self.store.root, whom, picture, used, only)

    def reload(self) -> None:
        """Read the whole class again (in the background) and publish it."""
        self._spawn(lambda: self._publish(Changed(self._load_all(), "reload")), "reload")

    # ------------------------------------------------------------------ saving
    def save(self, operation: Operation, done_message: str = "") -> bool:
        """Apply ``operation`` in the background; False (and said why) when read-only."""
        if self.read_only:
            self._say(READ_ONLY, severity="warning", timeout=8)
            return False
        with self._saves:
            self._pending_saves += 1

        def job() -> None:
            try:
                self.save_now(operation, done_message)
            finally:
                with self._saves:
                    self._pending_saves -= 1
                    self._saves.notify_all()

        self._spawn(job, "save")
        return True

    def save_now(self, operation: Operation, done_message: str = "") -> bool:
        """Apply ``operation`` here and now; publish the class once; queue the commit.
        False (and said why) when it was not saved."""
        from playlist_tui.store.store import OperationError

        self.counts["apply"] += 1
        try:
            applied = self.store.apply(operation)
        except OperationError as exc:
            self._say(f"Not saved: {exc.message}", title=exc.path, severity="error",
                      timeout=12)
            return False
        self._remember(applied.path)  # before the refresh reads it: see disk_changed
        self._publish(Changed(self._refresh({applied.path}), "save"))
        if applied.changed:
            self.queue_commit(applied.path, operation.summary)
            if done_message:
                self._say(done_message, timeout=3)
        return True

    def _signature(self, path: str) -> Signature | None:
        try:
            st = os.stat(self.store.root / path, follow_symlinks=False)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _remember(self, path: str) -> None:
        sig = self._signature(path)
        with self._lock:
            self._own[path] = sig

    def wait_for_saves(self, timeout: float = 30.0) -> bool:
        with self._saves:
            return self._saves.wait_for(lambda: self._pending_saves == 0, timeout=timeout)

    # ------------------------------------------------------------------ the watcher
    def start_watching(self) -> None:
        """Watch the class folder on a thread of the session's own (until :meth:`close`)."""
        if self._watcher is not None:
            return
        from playlist_tui.store.watch import changes_blocking

        root = self.store.root

        def watch() -> None:
            try:
                for changed in changes_blocking(root, self._stop):
                    mark("watched")
                    with self._lock:
                        self._disk_pending |= changed
                        if self._disk_running:
                            continue  # the running job takes them when it is done
                        self._disk_running = True
                    self._spawn(self._disk_job, "reload")
            except Exception:  # a watcher that stops must not take the app with it
                return

        self._watcher = threading.Thread(target=watch, name="session-watch", daemon=True)
        self._watcher.start()

    def _disk_job(self) -> None:
        """Refresh what the watcher saw, then what it saw meanwhile, until nothing waits:
        one job at a time, so the batches of a long burst (a git pull) that arrive while a
        refresh runs become one refresh, not one each, and none is lost."""
        try:
            while True:
                with self._lock:
                    changed, self._disk_pending = self._disk_pending, set()
                    if not changed:
                        self._disk_running = False
                        return
                self.disk_changed(changed)
        except BaseException:
            with self._lock:
                self._disk_running = False
            raise

    @property
    def watching(self) -> bool:
        return self._watcher is not None and not self._stop.is_set()

    def disk_changed(self, changed: set[str]) -> LoadResult | None:
        """Refresh the files that changed on disk and publish the class, unless the data
        already has them: the session's own saves (the file is as it was when the
        refresh after the save read it) and files a whole load started after."""
        fresh = set()
        for path in changed:
            sig = self._signature(path)
            with self._lock:
                own = path in self._own and self._own[path] == sig
            old = sig is not None and sig[1] < self._loaded_ns - LOADED_MARGIN_NS
            if sig is not None and (own or old):
                self.counts["skipped"] += 1
            else:
                fresh.add(path)
        if not fresh:
            return None
        mark("job")
        result = self._refresh(fresh)
        mark("refreshed")
        self._publish(Changed(result, "disk"))
        return result

    # ------------------------------------------------------------------ commits
    def message(self, summaries: Sequence[str]) -> str:
        """The commit message of a burst: the acting person's roster name, what they did
        (and with --as, whose git identity made it)."""
        from playlist_tui.store import identity
        from playlist_tui.store.gitrepo import commit_message

        text = commit_message(self.user.name if self.user else "someone", summaries)
        if self.acting and self.user is not None:
            text += f"\n\n{identity.acting_note(self.user.name, self.email)}"
        return text

    def _honest_message(self, paths: Sequence[str], burst: Sequence[tuple[str, str]]
                        ) -> str:
        """The burst's message, unless the files hold more changes than this app made
        (another window or program saved in the same files since the last commit): then
        the message says what the whole diff holds, so a commit never claims lines it
        does not describe."""
        from playlist_tui.store.gitrepo import GitError
        from playlist_tui.store.history import tidy_summaries

        ours = tidy_summaries([s for _, s in burst])
        try:
            found = tidy_summaries(self.git.describe_pending(list(paths)))
        except (GitError, OSError):  # describing is a courtesy: commit all the same
            return self.message(ours)
        if len(found) <= len(ours):
            return self.message(ours)
        text = self.message(found)
        note = ("Some of these changes were saved by another window or program in this "
                "class folder.")
        return text + ("\n" if "\n\n" in text else "\n\n") + note

    def queue_commit(self, path: str, summary: str) -> None:
        if not self.autocommit:
            self.update_git_status()
            return
        later = Later(self.commit_burst)
        with self._lock:
            self._burst.append((path, summary))
            if self._burst_later is not None:
                self._burst_later.cancel()
            self._burst_later = later
        self.runner.later(self.commit_after, later)

    @property
    def waiting(self) -> int:
        """Changes saved and not committed yet."""
        with self._lock:
            return len(self._burst)

    def take_burst(self) -> list[tuple[str, str]]:
        with self._lock:
            if self._burst_later is not None:
                self._burst_later.cancel()
                self._burst_later = None
            burst, self._burst = self._burst, []
        return burst

    def commit_burst(self) -> None:
        """Commit the burst in the background."""
        burst = self.take_burst()
        if burst:
            self._spawn(lambda: self._commit(burst), "git")

    def commit_now(self, wait: float = 5.0) -> None:
        """Wait for the saves asked for, then commit what waits (blocking: on quit)."""
        self.wait_for_saves(wait)
        burst = self.take_burst()
        if burst:
            self._commit(burst)

    def _commit(self, burst: list[tuple[str, str]]) -> None:
        from playlist_tui.store.gitrepo import GitError

        paths = sorted({p for p, _ in burst})
        with self._git_lock:
            try:
                self.git.commit_app_changes(paths, self._honest_message(paths, burst))
            except GitError as exc:
                self._say(f"Saved, but not committed to git: {exc}", severity="warning",
                          timeout=10)
        self._status()

    # ------------------------------------------------------------------ sync
    def sync(self) -> bool:
        """Sync in the background (False, and said why, for the demo)."""
        if not self.git_sync:
            self._say(DEMO_SYNC, severity="warning")
            return False
        burst = self.take_burst()
        self._spawn(lambda: self.sync_now(burst), "git")
        return True

    def sync_now(self, burst: Sequence[tuple[str, str]] = ()) -> SyncResult | None:
        """Wait for the saves asked for, commit the burst, sync, publish what came."""
        from playlist_tui.store.gitrepo import GitError

        self.wait_for_saves()
        burst = [*burst, *self.take_burst()]  # saves that finished meanwhile
        message = self.message([s for _, s in burst]) if burst else None
        known = self._conflict_records()
        result: SyncResult | None = None
        with self._git_lock:
            try:
                result = self.git.sync(sorted({p for p, _ in burst}) or None, message)
            except GitError as exc:
                self._say(f"Sync failed: {exc}", severity="error", timeout=12)
        if result is not None:
            self._say(result.message, title="Sync",
                      severity="information" if result.ok else "warning",
                      timeout=8 if result.ok else 15)
            if result.fetched:
                self._publish(Changed(self._load_all(), "sync"))
            records = self._conflict_records()
            if len(records) > len(known):
                self.conflicts = records
                self._publish(Conflicts(records))
        self._status()
        return result

    # ------------------------------------------------------------------ conflicts
    def settle_conflict(self, record: dict[str, Any], side: Side) -> bool:
        """Settle one shared-file conflict in the background (False, and said why, when
        read-only)."""
        if self.read_only:
            self._say(READ_ONLY, severity="warning", timeout=8)
            return False
        self._spawn(lambda: self.settle_now(record, side), "save")
        return True

    def settle_now(self, record: dict[str, Any], side: Side) -> Settled | None:
        """Settle one conflict here and now (:func:`~playlist_tui.store.merge_shared.settle`,
        the same as ``playlist-tui conflicts --take``): theirs is written as one save
        (published once, committed with the burst), ours keeps the file; then the list
        and the status line are published again. None (and said why) when not settled."""
        from playlist_tui.store.gitrepo import GitError
        from playlist_tui.store.merge_shared import SettleError, settle

        try:
            with self._git_lock:  # not while a sync records new conflicts
                settled = settle(self.store, self.git.state_dir(), record, side,
                                 self.git.prefix)
        except (SettleError, GitError, OSError) as exc:
            self._say(f"Not settled: {exc}", severity="error", timeout=12)
            self._status()
            return None
        if settled.changed:
            self._remember(settled.path)
            self._publish(Changed(self._refresh({settled.path}), "save"))
            self.queue_commit(settled.path, settled.summary)
        kept = "took the other value" if side == "theirs" else "kept yours"
        self._say(f"{settled.path}: {settled.where} = {settled.value} ({kept}). Sync to "
                  "share it.", title="Conflict settled", timeout=6)
        self._status()
        return settled

    def _conflict_records(self) -> list[dict[str, Any]]:
        """The true conflicts recorded by shared-file merges, not settled yet."""
        from playlist_tui.store.gitrepo import GitError
        from playlist_tui.store.merge_shared import read_conflicts

        if not self.git_sync:
            return []
        try:
            return read_conflicts(self.git.state_dir())
        except (GitError, OSError):
            return []

    def _auto_sync(self) -> None:
        self.sync()
        self._schedule_sync()

    def _schedule_sync(self) -> None:
        if self._stop.is_set():
            return
        later = Later(self._auto_sync)
        with self._lock:
            self._sync_later = later
        self.runner.later(self.sync_every, later)

    # ------------------------------------------------------------------ git status
    def update_git_status(self) -> None:
        """Publish the git status line (in the background)."""
        self._spawn(self._status, "git-status")

    def _status(self) -> None:
        from playlist_tui.store.gitrepo import GitError

        try:
            if self.git_sync and not self._repaired:
                self._repaired = True
                repaired = self.git.repair()
                if repaired:
                    self._say("; ".join(repaired), title="Git")
            status = self.git.status()
        except (GitError, OSError) as exc:
            words: str | None = f"git: {exc}"
        else:
            records = self._conflict_records()
            if records != self.conflicts:
                self.conflicts = records
                self._publish(Conflicts(records, fresh=False))
            words = git_words(status, self.autocommit, len(records))
            if not self.git_sync:
                words = DEMO_WORDS
            elif status.has_remote and self.watching and self._sync_later is None:
                self._schedule_sync()
        self._publish(GitWords(words))

    # ------------------------------------------------------------------ quitting
    def unsent(self) -> str:
        """'4 changes' not sent to the remote (commits ahead and files not committed), or
        '' when there is no remote, nothing waits, or git cannot say."""
        from playlist_tui.store.gitrepo import GitError

        if not self.git_sync or self.read_only:
            return ""
        try:
            status = self.git.status()
        except (GitError, OSError):
            return ""
        count = status.ahead + status.uncommitted
        if not status.has_remote or count == 0:
            return ""
        return f"{count} change{'s' if count != 1 else ''}"

    def left_words(self, unsent: str) -> str:
        return (f"{unsent} not sent: committed in {self.folder}, to send with f5 or "
                "'playlist-tui sync' next time.")

    def sync_before_quit(self, unsent: str, wait: float) -> str:
        """Sync, waiting at most ``wait`` seconds, and say what happened. A sync still
        running is left to the end of the process: its commits are already safe."""
        done = threading.Event()
        outcome: list[object] = []

        def run() -> None:
            try:
                outcome.append(self.git.sync())
            except Exception as exc:  # said in words, never a traceback
                outcome.append(exc)
            finally:
                done.set()

        threading.Thread(target=run, name="sync-before-quit", daemon=True).start()
        finished = done.wait(wait)
        result = outcome[0] if finished and outcome else None
        left = self.left_words(unsent)
        if result is None:
            return f"The sync did not finish in {wait:g} s. {left}"
        if isinstance(result, Exception):
            return f"The sync before quitting failed: {result}. {left}"
        if getattr(result, "ok", False):
            return f"Synced before quitting: {getattr(result, 'message', '')}"
        return f"The sync before quitting did not finish: {getattr(result, 'message', '')}"

    def close(self) -> None:
        """Stop the watcher and the automatic sync (the burst is left to commit_now)."""
        self._stop.set()
        with self._lock:
            if self._sync_later is not None:
                self._sync_later.cancel()
