"""The Textual app: loads the class in the background, then opens the right experience.

- ``role="student"``: the student experience for ``person`` (home, playlists,
  competencies, goals).
- ``role="teacher"`` (or a teacher found by git email): the class overview.
- neither: the person is recognised from ``git config user.email`` against the roster;
  otherwise a picker asks.

All disk and git work happens in workers through :class:`ClassStore`. Screens get their
data in their constructor, post :class:`ApplyOperation` to change something, and are
given fresh data through ``update_data`` after every reload.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Footer, Header, Static

from playlist_tui.model.safetext import safe_line, safe_text
from playlist_tui.ui.commands import BindingsProvider
from playlist_tui.ui.messages import ApplyOperation, OpenPlaylist
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.theme import DEFAULT_THEME, HIGH_CONTRAST
from playlist_tui.ui.widgets import ControlFilter, ProblemsPanel

# The store, the models and the screens are imported by the loader thread after the
# first frame is painted (importing them costs more than starting Textual does): this
# module imports only Textual and the few light widgets of the loading screen. A test
# (tests/test_layers.py) keeps it that way.
if TYPE_CHECKING:
    from playlist_tui.store import identity
    from playlist_tui.store.gitrepo import GitRepo, GitStatus
    from playlist_tui.store.loader import LoadResult
    from playlist_tui.store.ops import Operation
    from playlist_tui.store.store import ClassStore
    from playlist_tui.store.workspace import Workspace


def git_words(status: GitStatus, autocommit: bool) -> str | None:
    """The status line: 'git main · 2 changes to commit · ↑1 ↓0 · synced 24 Nov 14:02'."""
    if not status.is_repo:
        return None
    parts = [f"git {status.branch or '(no branch)'}"]
    if status.problem:
        parts.append(f"! {status.problem}" + (f": {status.hint}" if status.hint else ""))
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


class PlaylistApp(App[None]):
    TITLE = "playlist-tui"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {BindingsProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("r", "reload", "Reload", show=False),
        Binding("p", "toggle_problems", "Problems"),
        Binding("ctrl+t", "toggle_contrast", "High contrast", show=False),
        Binding("f5", "sync", "Sync"),
        Binding("h", "history", "History"),
    ]
    COMMIT_AFTER = 2.0
    """Seconds of quiet after which a burst of changes becomes one commit."""
    SYNC_EVERY = 300.0
    """Seconds between automatic syncs when the class folder has a remote."""
    LOAD_AFTER = 0.02
    """Seconds between the first frame and the start of loading."""
    QUIT_SYNC_WAIT = 20.0
    """Seconds that "sync now" on quitting waits for the sync before quitting anyway."""

    def __init__(self, folder: Path | str, role: str | None = None,
                 person: str | None = None, *, watch: bool = True,
                 clock: Callable[[], datetime] | None = None, autocommit: bool = True,
                 git_sync: bool = True, acting: bool = False) -> None:
        super().__init__()
        self._filters.append(ControlFilter())  # no control character reaches the terminal
        self.autocommit = autocommit
        self.git_sync = git_sync
        self.folder = Path(folder)
        self._git: GitRepo | Workspace | None = None
        self._store: ClassStore | None = None
        self.git_words: str | None = None
        self._burst: list[tuple[str, str]] = []  # (path, summary) not committed yet
        self._burst_timer: Timer | None = None
        # Saves asked for but not finished: a sync waits for them (counted on the UI
        # thread when asked, so a tick followed at once by f5 is always in the sync).
        self._saves = threading.Condition()
        self._repaired = False  # the git repository was checked once (GitRepo.repair)
        self._pending_saves = 0
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.result: LoadResult | None = None
        self.role = role
        self.person = person
        self.watch_disk = watch
        self.user: identity.Person | None = None
        self.acting = acting  # --as: the commits say the git identity is someone else's
        self.read_only = False  # a git email not in a shared class's roster: saves nothing
        self._email: str | None = None
        self._unknown = False
        self._stop_watch = asyncio.Event()

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

    # ------------------------------------------------------------------ start
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the class…", id="loading")
        yield ProblemsPanel(id="problems")
        yield Footer()

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        self.theme = DEFAULT_THEME
        self.sub_title = self.folder.resolve().name

    def on_ready(self) -> None:
        # Start loading once the loading screen is on the terminal (Textual sends Ready
        # after the first frame; the pause lets the driver's thread write it out): the
        # loader thread imports the store and unpickles the cache, which holds Python's
        # lock for long stretches and would otherwise delay the first paint.
        self.set_timer(self.LOAD_AFTER, self.load)

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        # Imported here, off the UI thread and after the first paint, so that later
        # imports on the UI thread (the screens) find them loaded.
        from playlist_tui.store import identity
        from playlist_tui.ui.screens import dashboard, student_home  # noqa: F401

        self.store.clean()
        result = self.store.load()
        email = identity.git_email(self.store.root)
        self._email = email
        # Not in the roster of a shared class: the picker (if it is needed) is read-only.
        self._unknown = (not self.acting and identity.match_email(result.data, email) is None
                         and self.git_sync  # the bundled demo is nobody's class
                         and identity.is_shared(self.store.root))
        self.call_from_thread(self.loaded, result, email)

    def loaded(self, result: LoadResult, email: str | None) -> None:
        from playlist_tui.store import identity

        self.result = result
        self.query_one("#loading").display = False
        self.query_one(ProblemsPanel).show(result.problems)
        self.title = safe_line(result.data.info.name)
        if self.role is not None:
            found = identity.find(result.data, "student" if self.role == "student"
                                  else "teacher", self.person or "")
            if found is None:
                self.ask_who(f"There is no {self.role} with id {self.person!r} in the roster.",
                             read_only=self._unknown)
            else:
                self.open_for(found)
        else:
            found = identity.match_email(result.data, email)
            if found is not None:
                self.open_for(found)
            else:
                reason = (f"Your git email ({email}) is not in the roster."
                          if email else "Git does not say who you are here.")
                self.ask_who(reason, read_only=self._unknown)
        if self.watch_disk:
            self.watch_files()
        self.update_git_status()

    # ------------------------------------------------------------------ git
    @work(thread=True, exclusive=True, group="git-status")
    def update_git_status(self) -> None:
        from playlist_tui.store.gitrepo import GitError

        try:
            if self.git_sync and not self._repaired:
                self._repaired = True
                repaired = self.git.repair()
                if repaired:
                    self.call_from_thread(self.notify, "; ".join(repaired), title="Git",
                                          markup=False)
            status = self.git.status()
        except (GitError, OSError) as exc:
            words: str | None = f"git: {exc}"
        else:
            words = git_words(status, self.autocommit)
            if not self.git_sync:
                words = "git: commits and sync are off for the demo class (it lives inside " \
                        "the playlist-tui project)"
            elif status.has_remote and self.watch_disk and not getattr(self, "_sync_timer",
                                                                       None):
                self.call_from_thread(self._start_sync_timer)
        self.call_from_thread(self._show_git, words)

    def _start_sync_timer(self) -> None:
        self._sync_timer = self.set_interval(self.SYNC_EVERY, self.action_sync)

    def _show_git(self, words: str | None) -> None:
        self.git_words = words
        for screen in self.screen_stack:
            if isinstance(screen, DataScreen):
                screen.show_git(words)

    def _queue_commit(self, path: str, summary: str) -> None:
        if not self.autocommit:
            self.update_git_status()
            return
        self._burst.append((path, summary))
        if self._burst_timer is not None:
            self._burst_timer.stop()
        self._burst_timer = self.set_timer(self.COMMIT_AFTER, self.commit_burst)

    def _take_burst(self) -> list[tuple[str, str]]:
        if self._burst_timer is not None:
            self._burst_timer.stop()
        burst, self._burst = self._burst, []
        return burst

    def commit_burst(self) -> None:
        burst, self._burst = self._burst, []
        if burst:
            self._commit(burst)

    @work(thread=True, group="git")
    def _commit(self, burst: list[tuple[str, str]]) -> None:
        from playlist_tui.store.gitrepo import GitError, commit_message

        actor = self.user.id if self.user else "someone"
        paths = sorted({p for p, _ in burst})
        try:
            self.git.commit_app_changes(paths, self._acting_note(
                commit_message(actor, [s for _, s in burst])))
        except GitError as exc:
            self.call_from_thread(self.notify, f"Saved, but not committed to git: {exc}",
                                  severity="warning", timeout=10, markup=False)
        self.update_git_status()

    def action_sync(self) -> None:
        if not self.git_sync:
            self.notify("Sync is off for the demo class: it lives inside the playlist-tui "
                        "project's own repository.", severity="warning")
            return
        if self._burst_timer is not None:
            self._burst_timer.stop()
        burst, self._burst = self._burst, []
        self.sync(burst)

    @work(thread=True, exclusive=True, group="git")
    def sync(self, burst: list[tuple[str, str]]) -> None:
        from playlist_tui.store.gitrepo import GitError, commit_message

        self._wait_for_saves()
        # saves that finished meanwhile queued their commits: take them into this sync
        extra: list[tuple[str, str]] = []
        self.call_from_thread(lambda: extra.extend(self._take_burst()))
        burst = burst + extra
        actor = self.user.id if self.user else "someone"
        message = self._acting_note(commit_message(actor, [s for _, s in burst])) \
            if burst else None
        try:
            result = self.git.sync(sorted({p for p, _ in burst}) or None, message)
        except GitError as exc:
            self.call_from_thread(self.notify, f"Sync failed: {exc}", severity="error",
                                  timeout=12, markup=False)
        else:
            self.call_from_thread(self.notify, result.message, title="Sync",
                                  severity="information" if result.ok else "warning",
                                  timeout=8 if result.ok else 15, markup=False)
            if result.fetched:
                self.call_from_thread(self.reload_all)
        self.update_git_status()

    def action_history(self) -> None:
        from playlist_tui.ui.screens.history import HistoryScreen

        if self.result is None or self.user is None:
            return
        student = self.user.id if self.user.role == "student" else None
        self.push_screen(HistoryScreen(self.result.data, self.result.problems, self.git,
                                       student=student,
                                       review_range=None if student else "auto"))

    def _acting_note(self, message: str) -> str:
        """With --as, every commit says whose git identity made it (docs/git.md)."""
        if not self.acting or self.user is None:
            return message
        from playlist_tui.store import identity

        return f"{message}\n\n{identity.acting_note(self.user.name, self._email)}"

    def ask_who(self, reason: str, read_only: bool = False) -> None:
        from playlist_tui.ui.screens.picker import PickerScreen

        assert self.result is not None
        self.read_only = read_only
        self.push_screen(PickerScreen(self.result.data, reason, read_only), self.open_for)

    def open_for(self, person: identity.Person | None) -> None:
        if person is None or self.result is None:
            return
        self.user = person
        data, problems = self.result.data, self.result.problems
        if person.role == "student":
            from playlist_tui.ui.screens.student_home import StudentHome

            self.push_screen(StudentHome(data, problems, person.id))
        else:
            from playlist_tui.ui.screens.dashboard import DashboardScreen

            self.push_screen(DashboardScreen(data, problems, person.id, self.clock))
        if problems:
            errors = sum(1 for p in problems if p.severity == "error")
            self.notify(f"The class folder has {len(problems)} problems ({errors} errors); "
                        "press p to see them.", severity="warning", timeout=6)

    # ------------------------------------------------------------------ data flow
    def show_result(self, result: LoadResult) -> None:
        self.result = result
        self.query_one(ProblemsPanel).show(result.problems)
        for screen in self.screen_stack:
            if isinstance(screen, DataScreen):
                screen.update_data(result.data, result.problems)

    def _refresh_sync(self, changed: set[str]) -> LoadResult:
        refresh = getattr(self.store, "refresh", None)
        if refresh is not None:
            result: LoadResult = refresh(changed)
            return result
        return self.store.load()

    @work(exclusive=True, group="watch")
    async def watch_files(self) -> None:
        from playlist_tui.store.watch import changes

        try:
            async for changed in changes(self.store.root, self._stop_watch):
                self.reload_changed(changed)
        finally:
            self._stop_watch.set()

    def on_unmount(self) -> None:
        self._stop_watch.set()

    @work(thread=True, group="reload")
    def reload_changed(self, changed: set[str]) -> None:
        result = self._refresh_sync(changed)
        self.call_from_thread(self.show_result, result)

    @on(ApplyOperation)
    def _apply(self, message: ApplyOperation) -> None:
        message.stop()
        if self.read_only:
            self.notify("Read-only: your git email is not in this class's roster, so nothing "
                        "is saved. Ask a teacher to add it to class.toml.", severity="warning",
                        timeout=8, markup=False)
            return
        refused = self._refused(message.operation.path)
        if refused is not None:  # said on the student's screens; a tick or a note says it
            if message.done_message:
                self.notify(f"Not saved. {refused.removeprefix('! ')}", severity="warning",
                            timeout=12, markup=False)
            return
        with self._saves:
            self._pending_saves += 1
        self.save(message.operation, message.done_message)

    def _refused(self, path: str) -> str | None:
        """Why a save to a student's own file is not even tried: nothing of the file could
        be read (the store would refuse too; the words are the student's screens' words)."""
        parts = path.split("/")
        if self.result is None or len(parts) != 3 or parts[::2] != ["students", "student.toml"]:
            return None
        from playlist_tui.ui.screens.student_home import file_trouble

        trouble = file_trouble(self.result.data, self.result.problems, parts[1])
        return trouble[1] if trouble is not None and trouble[0] else None

    def _save_done(self) -> None:
        with self._saves:
            self._pending_saves -= 1
            self._saves.notify_all()

    def _wait_for_saves(self, timeout: float = 30.0) -> None:
        with self._saves:
            self._saves.wait_for(lambda: self._pending_saves == 0, timeout=timeout)

    @work(thread=True, group="save")
    def save(self, operation: Operation, done_message: str) -> None:
        try:
            self._save(operation, done_message)
        finally:
            self._save_done()

    def _save(self, operation: Operation, done_message: str) -> None:
        from playlist_tui.store.store import OperationError

        try:
            applied = self.store.apply(operation)
        except OperationError as exc:
            self.call_from_thread(self.notify, f"Not saved: {exc.message}", title=exc.path,
                                  severity="error", timeout=12, markup=False)
            return
        result = self._refresh_sync({applied.path})
        self.call_from_thread(self.show_result, result)
        if applied.changed:
            self.call_from_thread(self._queue_commit, applied.path, operation.summary)
        if done_message and applied.changed:
            self.call_from_thread(self.notify, done_message, timeout=3, markup=False)

    @on(OpenPlaylist)
    def _open_playlist(self, message: OpenPlaylist) -> None:
        from playlist_tui.ui.screens.playlist import PlaylistScreen

        if self.result is None or self.user is None:
            return
        self.push_screen(PlaylistScreen(self.result.data, self.result.problems, self.user.id,
                                        message.playlist))

    # ------------------------------------------------------------------ actions
    def action_reload(self) -> None:
        self.reload_all()

    @work(thread=True, group="reload")
    def reload_all(self) -> None:
        result = self.store.load()
        self.call_from_thread(self.show_result, result)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_problems":
            return bool(self.result and self.result.problems)
        return True

    def action_toggle_problems(self) -> None:
        if not (self.result and self.result.problems):
            self.notify("No problems in this class folder.")
            return
        if isinstance(self.screen, DataScreen):
            self.screen.toggle_problems()
        else:
            self.query_one(ProblemsPanel).toggle()

    def action_toggle_contrast(self) -> None:
        self.theme = DEFAULT_THEME if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name

    def action_help(self) -> None:
        from playlist_tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    async def action_quit(self) -> None:
        """Commit what is waiting; with work not sent to the remote, ask first."""
        from playlist_tui.ui.screens.modals import QuitDialog

        if isinstance(self.screen, QuitDialog):
            return
        await asyncio.get_running_loop().run_in_executor(None, self._wait_for_saves, 5.0)
        if self._burst:  # commit what is still waiting, so nothing is left behind
            burst = self._take_burst()
            await self.workers.wait_for_complete([self._commit(burst)])
        unsent = await self._unsent()
        if not unsent:
            self._leave(None)
            return

        def chosen(choice: str | None) -> None:
            if choice == "sync":
                self.run_worker(self._sync_then_leave(unsent), group="quit", exclusive=True)
            elif choice == "anyway":
                self._leave(f"{unsent} not sent: committed in {self.folder}, to send with "
                            "f5 or 'playlist-tui sync' next time.")

        self.push_screen(QuitDialog(f"{unsent} not sent to the class's remote yet. Sync "
                                    "now, then quit? (Quit anyway keeps them committed "
                                    "here, to send next time.)"), chosen)

    async def _unsent(self) -> str:
        """'4 changes' not sent to the remote (commits ahead and files not committed), or
        '' when there is no remote, nothing waits, or git cannot say."""
        from playlist_tui.store.gitrepo import GitError

        if not self.git_sync or self.read_only:
            return ""
        try:
            status = await asyncio.get_running_loop().run_in_executor(None, self.git.status)
        except (GitError, OSError):
            return ""
        count = status.ahead + status.uncommitted
        if not status.has_remote or count == 0:
            return ""
        return f"{count} change{'s' if count != 1 else ''}"

    async def _sync_then_leave(self, unsent: str) -> None:
        """Sync, waiting at most QUIT_SYNC_WAIT seconds, then quit and say what happened
        (on stderr, once the terminal is back). A sync still running is left to the end of
        the process: its commits are already safe in the folder."""
        self.notify("Sending your changes before quitting…", timeout=self.QUIT_SYNC_WAIT)
        done = threading.Event()
        outcome: list[object] = []

        def run() -> None:
            try:
                outcome.append(self.git.sync())
            except Exception as exc:  # said on stderr, never a traceback
                outcome.append(exc)
            finally:
                done.set()

        threading.Thread(target=run, name="sync-before-quit", daemon=True).start()
        finished = await asyncio.get_running_loop().run_in_executor(
            None, done.wait, self.QUIT_SYNC_WAIT)
        result = outcome[0] if finished and outcome else None
        left = (f"{unsent} not sent: committed in {self.folder}, to send with f5 or "
                "'playlist-tui sync' next time.")
        if result is None:
            words = f"The sync did not finish in {self.QUIT_SYNC_WAIT:g} s. {left}"
        elif isinstance(result, Exception):
            words = f"The sync before quitting failed: {result}. {left}"
        elif getattr(result, "ok", False):
            words = f"Synced before quitting: {getattr(result, 'message', '')}"
        else:
            words = f"The sync before quitting did not finish: {getattr(result, 'message', '')}"
        self._leave(words)

    def _leave(self, words: str | None) -> None:
        """Exit; ``words`` are printed on stderr after the app has left the terminal."""
        from rich.text import Text

        self._stop_watch.set()
        self.exit(message=Text(safe_text(words)) if words else None)
