"""The Textual app: a thin shell over the class session; opens the right experience.

- ``role="student"``: the student experience for ``person`` (home, playlists,
  competencies, goals).
- ``role="teacher"`` (or a teacher found by git email): the class overview.
- neither: the person is recognised from ``git config user.email`` against the roster;
  otherwise a picker asks.

All disk and git work (saves, commit bursts, sync, the watcher) belongs to the
:class:`~playlist_tui.session.session.ClassSession`, which runs it in this app's thread
workers and publishes one event per change. Screens get their data in their constructor,
post :class:`ApplyOperation` to change something, and are given fresh data through
``update_data`` (the screen on top at once, the others when they are shown again).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from playlist_tui.model.safetext import safe_line, safe_text
from playlist_tui.session.events import Changed, Conflicts, Event, GitWords, Said
from playlist_tui.session.runner import Later
from playlist_tui.session.session import ClassSession
from playlist_tui.session.trace import enabled, mark
from playlist_tui.ui.commands import BindingsProvider
from playlist_tui.ui.messages import (
    ApplyOperation,
    KeepOpening,
    OpeningResumed,
    OpenPlaylist,
    RunOnUI,
    SettleConflict,
)
from playlist_tui.ui.screens.base import DataScreen
from playlist_tui.ui.theme import DEFAULT_THEME, HIGH_CONTRAST
from playlist_tui.ui.widgets import ControlFilter, ProblemsPanel

# The store, the models and the screens are imported by the loader thread after the
# first frame is painted (importing them costs more than starting Textual does): this
# module imports only Textual and the few light widgets of the loading screen. A test
# (tests/test_layers.py) keeps it that way.
if TYPE_CHECKING:
    from rich.console import RenderableType

    from playlist_tui.model.klass import ClassData
    from playlist_tui.store import identity
    from playlist_tui.store.gitrepo import GitRepo
    from playlist_tui.store.loader import LoadResult
    from playlist_tui.store.store import ClassStore
    from playlist_tui.store.workspace import Workspace


class TextualRunner:
    """The session's jobs as the app's thread workers, its timers as the app's timers
    (tests wait for workers); asked from any thread."""

    def __init__(self, app: App[None]) -> None:
        self.app = app

    def _on_ui(self, fn: Callable[[], object]) -> None:
        if self.app._thread_id == threading.get_ident():
            fn()
            return
        self.app.post_message(RunOnUI(fn))

    def run(self, job: Callable[[], None], group: str) -> None:
        self._on_ui(lambda: self.app.run_worker(job, thread=True, group=group))

    def later(self, seconds: float, later: Later) -> None:
        self._on_ui(lambda: self.app.set_timer(seconds, later.fire))


class PlaylistApp(App[None]):
    TITLE = "playlist-tui"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {BindingsProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
        Binding("r", "reload", "Reload", show=False, id="app.reload"),
        Binding("p", "toggle_problems", "Problems", id="app.problems"),
        Binding("ctrl+t", "toggle_contrast", "High contrast", show=False, id="app.contrast"),
        Binding("f5", "sync", "Sync", id="app.sync"),
        Binding("h", "history", "History", show=False, id="app.history"),
        Binding("C", "conflicts", "Shared-file conflicts", key_display="C", id="app.conflicts"),
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
                 git_sync: bool = True, acting: bool = False,
                 keymap: Mapping[str, str] | None = None) -> None:
        super().__init__()
        if keymap:  # binding id -> keys ("app.sync": "f6"); ids: docs/architecture.md
            self.set_keymap(dict(keymap))
        self._filters.append(ControlFilter())  # no control character reaches the terminal
        self.folder = Path(folder)
        self.session = ClassSession(self.folder, autocommit=autocommit, git_sync=git_sync,
                                    acting=acting, runner=TextualRunner(self))
        self.session.subscribe(self._heard)
        self.git_words: str | None = None
        self.conflicts: list[dict[str, Any]] = []
        """Shared-file conflicts not settled yet (see screens/conflicts.py)."""
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.role = role
        self.person = person
        self.watch_disk = watch
        self._open_later: identity.Person | None = None
        self._kept: tuple[str, dict[str, Any]] | None = None
        self._leaving: tuple[str, ClassData, dict[str, Any], str | None] | tuple[()] | None \
            = None

    # The session's state, as the screens and tests know it.
    @property
    def store(self) -> ClassStore:
        return self.session.store

    @property
    def git(self) -> GitRepo | Workspace:
        return self.session.git

    @property
    def result(self) -> LoadResult | None:
        return self.session.result

    @property
    def user(self) -> identity.Person | None:
        return self.session.user

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    # ------------------------------------------------------------------ start
    def get_default_screen(self) -> Screen[Any]:
        """The home screen as the last run left it, while the class folder is exactly as
        it was then (session/opening.py): the first screen, usable at once, until the
        real screen takes its place (ui/screens/opening.py); else the loading screen."""
        kept = self.session.opening(self.role, self.person)
        if kept is not None:
            from playlist_tui.ui.screens.opening import opening_screen

            screen = opening_screen(kept[1])
            if screen is not None:
                mark("start: opening")
                self._kept = kept
                return screen
        return super().get_default_screen()

    def compose(self) -> ComposeResult:
        if self._kept is not None:  # (the opening composes itself)
            return
        yield Header()
        yield Static("Loading the class…", id="loading")
        yield ProblemsPanel(id="problems")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        self.theme = DEFAULT_THEME
        self.sub_title = self.folder.resolve().name
        self.session.commit_after = self.COMMIT_AFTER
        self.session.sync_every = self.SYNC_EVERY

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
        mark("start: load")
        from playlist_tui.ui.screens import dashboard, student_home  # noqa: F401

        mark("start: imported")
        result = self.session.load()
        mark("start: loaded")
        self.call_from_thread(self.loaded, result, self.session.email)

    def loaded(self, result: LoadResult, email: str | None) -> None:
        mark("start: on the UI thread")
        from playlist_tui.store import identity

        bottom = self.screen_stack[0]  # (the loading screen, or the opening)
        for loading in bottom.query("#loading"):
            loading.display = False
        for panel in bottom.query(ProblemsPanel):
            panel.show(result.problems)
        self.title = safe_line(result.data.info.name)
        if self.role is not None:
            found = identity.find(result.data, "student" if self.role == "student"
                                  else "teacher", self.person or "")
            if found is None:
                self.ask_who(f"There is no {self.role} with id {self.person!r} in the roster.",
                             read_only=self.session.unknown)
            else:
                self.open_for(found)
        else:
            found = identity.match_email(result.data, email)
            if found is not None:
                self.open_for(found)
            else:
                reason = (f"Your git email ({email}) is not in the roster."
                          if email else "Git does not say who you are here.")
                self.ask_who(reason, read_only=self.session.unknown)
        if self.watch_disk:
            self.session.start_watching()
        self.session.update_git_status()

    # ------------------------------------------------------------------ the session
    def _heard(self, event: Event) -> None:
        """The session's events, from any thread, shown on the UI thread."""
        if self._thread_id == threading.get_ident():
            self._show(event)
            return
        with contextlib.suppress(RuntimeError):  # the app has ended
            self.call_from_thread(self._show, event)

    def _show(self, event: Event) -> None:
        if isinstance(event, Changed):
            mark("ui")
            self.show_result(event.result)
            mark("updated")
        elif isinstance(event, Said):
            # sync's words hold git's and the class files' text: control characters shown
            self.notify(safe_text(event.message), title=safe_line(event.title),
                        severity=event.severity, timeout=event.timeout, markup=False)
        elif isinstance(event, GitWords):
            self._show_git(event.words)
        elif isinstance(event, Conflicts):
            self.show_conflicts(event.records, event.fresh)

    def show_conflicts(self, records: list[dict[str, Any]], fresh: bool = True) -> None:
        """Values two people changed at once: a choice for each (screens/conflicts.py),
        offered at once after the sync that found them (unless a dialog is open: then the
        notice says how to get there), later with C or the command palette."""
        from playlist_tui.ui.screens.conflicts import ConflictsDialog

        self.conflicts = list(records)
        self.refresh_bindings()
        for screen in self.screen_stack:
            if isinstance(screen, ConflictsDialog):
                screen.show_records(self.conflicts)
                return
        if not (fresh and records) or self.user is None:
            return
        if isinstance(self.screen, DataScreen):
            self.push_screen(ConflictsDialog(self.conflicts))
        else:
            from playlist_tui.engine.progress import counted

            self.notify(f"{counted(len(records), 'shared-file conflict')} to settle: press "
                        "C when this dialog is closed.", severity="warning", timeout=10)

    def action_conflicts(self) -> None:
        from playlist_tui.ui.screens.conflicts import ConflictsDialog

        if not self.conflicts:
            self.notify("No shared-file conflicts to settle.")
            return
        if not any(isinstance(s, ConflictsDialog) for s in self.screen_stack):
            self.push_screen(ConflictsDialog(self.conflicts))

    @on(SettleConflict)
    def _settle(self, message: SettleConflict) -> None:
        message.stop()
        self.session.settle_conflict(message.record, message.side)

    def _show_git(self, words: str | None) -> None:
        self.git_words = words
        for screen in self.screen_stack:
            if isinstance(screen, DataScreen):
                screen.show_git(words)

    def show_result(self, result: LoadResult) -> None:
        """The new class to every screen: drawn by the top one (the one on view, maybe
        under a dialog), by the others when they are shown again."""
        for panel in self.query(ProblemsPanel):
            panel.show(result.problems)
        screens = [s for s in self.screen_stack if isinstance(s, DataScreen)]
        for screen in screens:
            screen.update_data(result.data, result.problems, shown=screen is screens[-1])

    # ------------------------------------------------------------------ actions
    def action_sync(self) -> None:
        self.session.sync()

    def action_history(self) -> None:
        from playlist_tui.ui.screens.history import HistoryScreen

        if self.result is None or self.user is None:
            return
        student = self.user.id if self.user.role == "student" else None
        self.push_screen(HistoryScreen(self.result.data, self.result.problems, self.git,
                                       student=student,
                                       review_range=None if student else "auto"))

    def ask_who(self, reason: str, read_only: bool = False) -> None:
        from playlist_tui.ui.screens.picker import PickerScreen

        assert self.result is not None
        self.session.read_only = read_only
        self.push_screen(PickerScreen(self.result.data, reason, read_only), self.open_for)

    def open_for(self, person: identity.Person | None) -> None:
        if person is None or self.result is None:
            return
        from playlist_tui.ui.screens.opening import Opening

        openings = [s for s in self.screen_stack if isinstance(s, Opening) and not s.done]
        if openings and self.screen is not openings[-1]:
            # (help or the palette is open over the opening: the real screen takes its
            # place when it is on top again, see OpeningResumed)
            self._open_later = person
            return
        self.session.user = person
        data, problems = self.result.data, self.result.problems
        screen: DataScreen
        if person.role == "student":
            from playlist_tui.ui.screens.student_home import StudentHome

            screen = StudentHome(data, problems, person.id)
        else:
            from playlist_tui.ui.screens.dashboard import DashboardScreen

            screen = DashboardScreen(data, problems, person.id, self.clock,
                                     tally=self.session.pending_tally)
        # Over the opening (the first screen: it stays below, never seen again), the
        # cursor where it was moved to, then the key pressed there that needed the class.
        self.push_screen(screen)
        if openings:
            opening = openings[-1]
            opening.done = True
            take_over = getattr(screen, "take_over", None)
            if take_over is not None:
                self.call_after_refresh(take_over, opening.cursor(), opening.action)
        if problems:
            errors = sum(1 for p in problems if p.severity == "error")
            from playlist_tui.engine.progress import counted

            self.notify(f"The class folder has {counted(len(problems), 'problem')} "
                        f"({counted(errors, 'error')}); "
                        "press p to see them.", severity="warning", timeout=6)

    if enabled():  # PLAYLIST_TUI_TRACE (session/trace.py): when each frame is written
        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                mark("frame")

    @on(OpeningResumed)
    def _opening_resumed(self, message: OpeningResumed) -> None:
        message.stop()
        person, self._open_later = self._open_later, None
        if person is not None:
            self.open_for(person)

    @on(KeepOpening)
    def _keep_opening_later(self, message: KeepOpening) -> None:
        """The home screen has counted the whole class: keep what it shows now, in the
        background, so that even a run that is killed leaves its opening."""
        message.stop()
        homes = [s for s in self.screen_stack if isinstance(s, DataScreen) and s.home]
        # (a picture made from the data alone is made in the worker too: the dashboard's
        # first rows at 5,000 students are records to make; a student's home is read
        # from its widgets, here)
        anywhere = bool(homes) and getattr(homes[0], "opening_anywhere", False)
        kept = None if anywhere else self._opening_picture()
        if not anywhere and kept is None:
            return

        def keep() -> None:
            with contextlib.suppress(Exception):  # (only an optimisation of the next start)
                found = kept or self._opening_picture()
                if found is not None:
                    self.session.keep_opening(*found)

        self.run_worker(keep, thread=True, group="opening", exclusive=True)

    def _opening_picture(self) -> tuple[str, ClassData, dict[str, Any], str | None] | None:
        """For whom, from which class, and what the home screen at the bottom shows."""
        whom = self.session.whom(self.role, self.person)
        homes = [s for s in self.screen_stack if isinstance(s, DataScreen) and s.home]
        if whom is None or not homes:
            return None
        # (the data first: the picture is made from exactly this data, or not at all)
        data = homes[0].data
        opening = getattr(homes[0], "opening", None)
        picture = opening(data) if opening is not None else None
        if picture is None:
            return None
        # (the git line's words are read again at each start: the opening says so, in
        # the same place, so that nothing moves when they come)
        picture["git_line"] = bool(self.git_words)
        # (a student's home shows of the students' files only their own two)
        only = self.session.user.id if self.session.user is not None and \
            self.session.user.role == "student" else None
        return (whom, data, picture, only)

    def exit(self, result: None = None, return_code: int = 0,
             message: RenderableType | None = None) -> None:
        # What the home screen shows, taken before Textual closes the screens; kept in
        # on_unmount (where the app no longer draws).
        if self._leaving is None:
            self._leaving = ()
            if self._thread_id == threading.get_ident():  # (the screens are this thread's)
                try:
                    # (files saved or changed a while ago were read while they were
                    # changing: read again now, the class shown can be kept)
                    settled = self.session.settle() if self.session.result is not None \
                        else None
                    if settled is not None:
                        self.show_result(settled)
                    self._leaving = self._opening_picture() or ()
                except Exception:  # (keeping the opening never stops quitting)
                    self._leaving = ()
        super().exit(result, return_code, message)

    def on_unmount(self) -> None:
        if self._leaving:
            with contextlib.suppress(Exception):  # (the next start reads the class)
                self.session.keep_opening(*self._leaving)
        self.session.close()

    @on(ApplyOperation)
    def _apply(self, message: ApplyOperation) -> None:
        message.stop()
        refused = None if self.read_only else self._refused(message.operation.path)
        if refused is not None:  # said on the student's screens; a tick or a note says it
            if message.done_message:
                self.notify(safe_text(f"Not saved. {refused.removeprefix('! ')}"),
                            severity="warning", timeout=12, markup=False)
            return
        self.session.save(message.operation, message.done_message)

    def _refused(self, path: str) -> str | None:
        """Why a save to a student's own file is not even tried: nothing of the file could
        be read (the store would refuse too; the words are the student's screens' words)."""
        parts = path.split("/")
        if self.result is None or len(parts) != 3 or parts[::2] != ["students", "student.toml"]:
            return None
        from playlist_tui.ui.screens.student_home import file_trouble

        trouble = file_trouble(self.result.data, self.result.problems, parts[1])
        return trouble[1] if trouble is not None and trouble[0] else None

    @on(RunOnUI)
    def _run_on_ui(self, message: RunOnUI) -> None:
        message.stop()
        message.call()

    @on(OpenPlaylist)
    def _open_playlist(self, message: OpenPlaylist) -> None:
        from playlist_tui.ui.screens.playlist import PlaylistScreen

        if self.result is None or self.user is None:
            return
        self.push_screen(PlaylistScreen(self.result.data, self.result.problems, self.user.id,
                                        message.playlist))

    def action_reload(self) -> None:
        self.session.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_problems":
            return bool(self.result and self.result.problems)
        if action == "conflicts":
            return bool(self.conflicts)
        return True

    def action_toggle_problems(self) -> None:
        if not (self.result and self.result.problems):
            self.notify("No problems in this class folder.")
            return
        if isinstance(self.screen, DataScreen):
            self.screen.toggle_problems()
        else:
            for panel in self.query(ProblemsPanel):
                panel.toggle()

    def action_toggle_contrast(self) -> None:
        self.theme = DEFAULT_THEME if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name

    def action_help(self) -> None:
        from playlist_tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    # ------------------------------------------------------------------ quitting
    async def action_quit(self) -> None:
        """Commit what is waiting; with work not sent to the remote, ask first."""
        from playlist_tui.ui.screens.modals import QuitDialog

        if isinstance(self.screen, QuitDialog):
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.session.commit_now)
        unsent = await loop.run_in_executor(None, self.session.unsent)
        if not unsent:
            self._leave(None)
            return

        def chosen(choice: str | None) -> None:
            if choice == "sync":
                self.run_worker(self._sync_then_leave(unsent), group="quit", exclusive=True)
            elif choice == "anyway":
                self._leave(self.session.left_words(unsent))

        self.push_screen(QuitDialog(f"{unsent} not sent to the class's remote yet. Sync "
                                    "now, then quit? (Quit anyway keeps them committed "
                                    "here, to send next time.)"), chosen)

    async def _sync_then_leave(self, unsent: str) -> None:
        """Sync, waiting at most QUIT_SYNC_WAIT seconds, then quit and say what happened
        (on stderr, once the terminal is back)."""
        self.notify("Sending your changes before quitting…", timeout=self.QUIT_SYNC_WAIT)
        words = await asyncio.get_running_loop().run_in_executor(
            None, self.session.sync_before_quit, unsent, self.QUIT_SYNC_WAIT)
        self._leave(words)

    def _leave(self, words: str | None) -> None:
        """Exit; ``words`` are printed on stderr after the app has left the terminal."""
        from rich.text import Text

        self.session.close()
        self.exit(message=Text(safe_text(words)) if words else None)
