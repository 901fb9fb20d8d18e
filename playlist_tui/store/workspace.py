"""Privacy mode: the class repository, and one repository per student.

In the single-repository mode (the default) everything is in one git repository, and
every clone holds every student's record. In privacy mode, set by ``[repositories]`` in
``class.toml``::

    [repositories]
    students = "../math6-students/{id}"

the class repository holds only ``class.toml``, ``frameworks/`` and ``playlists/`` (it
ignores ``students/``), and each student's two files live in a repository of their own,
whose address is the template with the student's id (an address starting with ``./`` or
``../`` is relative to the class repository's remote, as git's submodules do it). A
student's clone holds the class repository and their own repository only; a teacher's
holds the class repository and the repository of every student in the roster.

On disk nothing else changes: a student's repository keeps its files at
``students/ID/student.toml`` and ``students/ID/teacher.toml`` inside the class folder (its
git folder is ``.git/playlist-tui/students/ID.git`` of the class repository, its work
tree is the class folder, and it ignores every other path). So loading, saving, the merge
driver, the history and the audit see the same paths in both modes.

:class:`Workspace` offers what :class:`~playlist_tui.store.gitrepo.GitRepo` offers (status,
commits of the app's changes, sync, repair, history) over all of these repositories;
:func:`open_repo` gives a ``Workspace`` in privacy mode and a plain ``GitRepo`` otherwise.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from playlist_tui.model import tomlparse
from playlist_tui.model.klass import ClassData
from playlist_tui.store import layout
from playlist_tui.store.atomic import atomic_write
from playlist_tui.store.gitcmd import NETWORK_TIMEOUT, GitError, repository, run_git
from playlist_tui.store.gitrepo import (
    STATE_DIR,
    GitRepo,
    GitStatus,
    HistoryEvent,
    Review,
    SyncResult,
)
from playlist_tui.store.lock import class_lock
from playlist_tui.store.reading import read_text

__all__ = [
    "PARALLEL", "Workspace", "open_repo", "privacy_template", "student_git_dir",
    "student_url",
]

PARALLEL = 8
"""Student repositories fetched and pushed at once by a teacher's sync."""

STUDENTS_GIT = "students"
"""Folder (in ``.git/playlist-tui``) holding the students' git folders."""

IDENTITY_FILE = "identity.config"
"""Git configuration (who you are, how you sign, how you reach the server) that every
student repository of a workspace includes, copied from the class repository."""

_IDENTITY_KEYS = ("user.name", "user.email", "user.signingkey", "gpg.format",
                  "gpg.ssh.program", "gpg.ssh.allowedsignersfile", "commit.gpgsign",
                  "core.sshcommand")

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


# --------------------------------------------------------------------------- settings


def privacy_template(root: Path) -> str | None:
    """The student repositories' address template from ``class.toml`` (None: the
    single-repository mode, or class.toml cannot be read)."""
    try:
        data = tomlparse.loads(read_text(root, layout.CLASS_FILE) or "")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    section = data.get("repositories")
    if not isinstance(section, dict):
        return None
    template = section.get("students")
    return template if isinstance(template, str) and "{id}" in template else None


def student_url(template: str, student: str, class_url: str | None) -> str:
    """The address of ``student``'s repository. ``./x`` and ``../x`` are resolved against
    the class repository's remote address (each ``../`` drops one part of it)."""
    url = template.replace("{id}", student)
    if not url.startswith(("./", "../")):
        return url
    if not class_url:
        raise GitError("the student repositories' address is relative, but the class "
                       "repository has no remote to resolve it against")
    base = class_url.rstrip("/")
    if base.endswith(".git"):
        base = base[:-4]
    rest = url
    while True:
        if rest.startswith("./"):
            rest = rest[2:]
        elif rest.startswith("../"):
            rest = rest[3:]
            cut = max(base.rfind("/"), base.rfind(":"))
            if cut < 0:
                raise GitError(f"cannot resolve {template!r} against {class_url!r}")
            keep_colon = base[cut] == ":"
            base = base[: cut + (1 if keep_colon else 0)]
        else:
            break
    return base + rest if base.endswith(":") else f"{base}/{rest}"


def _common_dir(root: Path) -> Path:
    out = run_git(root, "rev-parse", "--git-common-dir", check=False)
    if not out.ok:
        raise GitError("this class folder is not a git repository")
    path = Path(out.stdout.strip())
    return path if path.is_absolute() else (root / path).resolve()


def student_git_dir(root: Path, student: str) -> Path:
    """Where the git folder of ``student``'s own repository is kept."""
    return _common_dir(root) / STATE_DIR / STUDENTS_GIT / f"{student}.git"


def _exclude_text(student: str) -> str:
    return ("# playlist-tui: this repository holds only one student's files\n"
            f"/*\n!/{layout.STUDENTS_DIR}/\n/{layout.STUDENTS_DIR}/*\n"
            f"!/{layout.STUDENTS_DIR}/{student}/\n")


# --------------------------------------------------------------------------- workspace


@dataclass
class _Roster:
    students: list[str] = field(default_factory=list)
    person: str | None = None
    teacher: bool = False


class Workspace:
    """A class folder in privacy mode: the class repository and the students' own."""

    def __init__(self, root: Path | str, template: str | None = None,
                 parallel: int = PARALLEL, **options: Any) -> None:
        """``options`` go to every :class:`GitRepo` (push attempts, back-off)."""
        self.root = Path(root).resolve()
        self.options = options
        self.class_repo = GitRepo(self.root, **options)
        self.template = template or privacy_template(self.root)
        self.parallel = max(1, parallel)

    # ----------------------------------------------------------------- repositories

    def exclude_students(self) -> None:
        """The class repository ignores ``students/`` (in this clone's
        ``.git/info/exclude``: a committed ``.gitignore`` would hide the students' files
        from their own repositories too, which share the work tree)."""
        path = self.class_repo.state_dir().parent / "info" / "exclude"
        line = f"/{layout.STUDENTS_DIR}/"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        if line in text.splitlines():
            return
        body = text if not text or text.endswith("\n") else text + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, (body + "# playlist-tui privacy mode: students' files are in "
                            f"repositories of their own\n{line}\n").encode("utf-8"))

    def _roster(self) -> _Roster:
        try:
            data = tomlparse.loads(read_text(self.root, layout.CLASS_FILE) or "")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        roster = _Roster()
        people = data.get("students", [])
        for person in people if isinstance(people, list) else []:
            sid = person.get("id") if isinstance(person, dict) else None
            if isinstance(sid, str) and _ID.match(sid):
                roster.students.append(sid)
        actor, kind = self.class_repo._actor_role()
        roster.person = actor if kind else None
        roster.teacher = kind == "teachers"
        return roster

    def _git_root(self) -> Path:
        return self.class_repo.state_dir() / STUDENTS_GIT

    def present(self) -> list[str]:
        """Students whose repository this clone has."""
        folder = self._git_root()
        if not folder.is_dir():
            return []
        return sorted(p.name[:-4] for p in folder.iterdir()
                      if p.name.endswith(".git") and _ID.match(p.name[:-4]))

    def wanted(self) -> list[str]:
        """Students whose repository this clone should have: every student of the roster
        for a teacher, only yourself for a student, those already here for anyone else."""
        roster = self._roster()
        if roster.teacher:
            return sorted(set(roster.students))
        if roster.person and roster.person in roster.students:
            return [roster.person]
        return self.present()

    def student_repo(self, student: str) -> GitRepo:
        return GitRepo(self.root, git_dir=self._git_root() / f"{student}.git",
                       student=student, **self.options)

    def repos(self) -> list[tuple[str, GitRepo]]:
        return [(sid, self.student_repo(sid)) for sid in self.present()]

    def _class_url(self) -> str | None:
        out = self.class_repo.git("remote", "get-url", "origin", check=False)
        return out.stdout.strip() or None if out.ok else None

    def _write_identity(self) -> Path:
        """The class repository's identity settings, for the student repositories."""
        path = self.class_repo.state_dir() / IDENTITY_FILE
        lines = ["# written by playlist-tui from the class repository's configuration"]
        for key in _IDENTITY_KEYS:
            out = self.class_repo.git("config", "--get", key, check=False)
            if out.ok and out.stdout.strip():
                section, _, name = key.rpartition(".")
                value = out.stdout.strip().replace("\\", "\\\\").replace('"', '\\"')
                lines.append(f'[{section}]\n\t{name} = "{value}"')
        text = "\n".join(lines) + "\n"
        try:
            if path.read_text(encoding="utf-8") == text:
                return path
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode("utf-8"))
        return path

    def _init(self, student: str) -> Path:
        """The git folder of ``student``'s repository, made if it is not there yet (no
        network: see :meth:`_connect`)."""
        git_dir = self._git_root() / f"{student}.git"
        if (git_dir / "HEAD").exists():
            return git_dir
        git_dir.parent.mkdir(parents=True, exist_ok=True)
        with repository(git_dir, self.root):
            run_git(self.root, "init", "-q", "-b", "main")
            run_git(self.root, "config", "include.path", str(self._write_identity()))
            run_git(self.root, "config", "gc.auto", "0")
        (git_dir / "info").mkdir(exist_ok=True)
        atomic_write(git_dir / "info" / "exclude", _exclude_text(student).encode("utf-8"))
        return git_dir

    def _connect(self, student: str, url: str) -> str | None:
        """Give ``student``'s repository its remote and, the first time, what the remote
        has. None when done, else why not."""
        git_dir = self._init(student)
        with repository(git_dir, self.root):
            current = run_git(self.root, "remote", "get-url", "origin", check=False)
            if not current.ok:
                run_git(self.root, "remote", "add", "origin", url)
            elif current.stdout.strip() != url:
                run_git(self.root, "remote", "set-url", "origin", url)
            if run_git(self.root, "rev-parse", "-q", "--verify", "HEAD", check=False).ok:
                return None
            try:
                out = run_git(self.root, "fetch", "--quiet", "--no-tags", "origin",
                              "+refs/heads/main:refs/remotes/origin/main", check=False,
                              timeout=NETWORK_TIMEOUT)
            except GitError as exc:
                return exc.message
            if not out.ok:
                if "couldn't find remote ref" in out.stderr:
                    return None  # a new, empty repository: the first sync fills it
                return out.last_error_line()
            run_git(self.root, "update-ref", "refs/heads/main", "refs/remotes/origin/main")
            run_git(self.root, "config", "branch.main.remote", "origin")
            run_git(self.root, "config", "branch.main.merge", "refs/heads/main")
            with class_lock(self.root).hold(f"setting up {student}'s repository"):
                run_git(self.root, "read-tree", "HEAD")
                # files that are not here yet are written; files that are stay as they are
                run_git(self.root, "checkout-index", "--all", check=False)
        return None

    def connect(self) -> list[tuple[str, str]]:
        """Make sure this clone has every student repository it should have (see
        :meth:`wanted`). Returns (student, why not) for those that could not be had."""
        if not self.template:
            return []
        class_url = self._class_url()
        self._write_identity()
        failed: list[tuple[str, str]] = []
        todo = self.wanted()

        def one(student: str) -> tuple[str, str | None]:
            try:
                url = student_url(self.template or "", student, class_url)
                return student, self._connect(student, url)
            except GitError as exc:
                return student, exc.message

        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            for student, problem in pool.map(one, todo):
                if problem:
                    failed.append((student, problem))
        return failed

    # ----------------------------------------------------------------- like GitRepo

    def is_repo(self) -> bool:
        return self.class_repo.is_repo()

    @property
    def prefix(self) -> str:
        return self.class_repo.prefix

    def state_dir(self) -> Path:
        return self.class_repo.state_dir()

    def git(self, *args: str, check: bool = True, timeout: float | None = None) -> Any:
        return self.class_repo.git(*args, check=check, timeout=timeout)

    def _split(self, paths: Sequence[str]) -> dict[str | None, list[str]]:
        """Paths by repository: None for the class repository, else the student's id."""
        out: dict[str | None, list[str]] = {}
        for path in paths:
            norm = path.replace("\\", "/").lstrip("/")
            parts = norm.split("/")
            key = parts[1] if len(parts) >= 3 and parts[0] == layout.STUDENTS_DIR else None
            out.setdefault(key, []).append(norm)
        return out

    def pending_class_files(self) -> list[str]:
        pending = list(self.class_repo.pending_class_files())
        for _, repo in self.repos():
            pending += repo.pending_class_files()
        return sorted(set(pending))

    def describe_pending(self, paths: Sequence[str]) -> list[str]:
        """What the files' changes since each repository's HEAD are, in words."""
        said: list[str] = []
        for key, group in self._split(paths).items():
            repo = self.class_repo if key is None else self.student_repo(key)
            said += repo.describe_pending(group)
        return said

    def commit_app_changes(self, paths: Sequence[str], message: str) -> str | None:
        """Commit each repository's share of ``paths``: the message goes to the
        repository that holds all of them, else each commit describes its own files."""
        groups = self._split(paths)
        last: str | None = None
        for key, group in groups.items():
            repo = self.class_repo if key is None else self.student_repo(key)
            if key is not None and not (self._git_root() / f"{key}.git" / "HEAD").exists():
                self._init(key)
            text = message if len(groups) == 1 else _own_message(repo, group)
            done = repo.commit_app_changes(group, text)
            last = done or last
        return last

    def status(self) -> GitStatus:
        status = self.class_repo.status()
        if not status.is_repo:
            return status
        uncommitted = list(status.uncommitted_paths)
        ahead, behind = status.ahead, status.behind
        problem, hint = status.problem, status.hint
        for sid, repo in self.repos():
            try:
                one = repo.status()
            except GitError as exc:
                problem = problem or f"{sid}'s repository: {exc.message}"
                continue
            uncommitted += one.uncommitted_paths
            ahead += one.ahead
            behind += one.behind
            if one.problem and not problem:
                problem, hint = f"{sid}'s repository: {one.problem}", one.hint
        return replace(status, uncommitted=len(uncommitted),
                       uncommitted_paths=tuple(sorted(uncommitted)), ahead=ahead,
                       behind=behind, problem=problem, hint=hint)

    def last_sync(self) -> datetime | None:
        return self.class_repo.last_sync()

    def setup(self) -> list[str]:
        done = self.class_repo.setup()
        for _, repo in self.repos():
            repo.setup()
        return done

    def repair(self) -> list[str]:
        done = self.class_repo.repair()
        for sid, repo in self.repos():
            done += [f"{sid}'s repository: {line}" for line in repo.repair()]
        return done

    def _tracks_students(self) -> bool:
        out = self.class_repo.git("ls-files", "--", f"{layout.STUDENTS_DIR}/", check=False)
        return bool(out.stdout.strip())

    def sync(self, paths: Sequence[str] | None = None, message: str | None = None,
             accept: bool = False) -> SyncResult:
        """Sync the class repository, then every student repository (fetched and pushed
        :data:`PARALLEL` at a time). The result is ok only when all of them synced; its
        message names those that did not, and why."""
        self.exclude_students()
        if self._tracks_students():
            return SyncResult(False, "Cannot sync: class.toml asks for privacy mode (a "
                              "repository per student), but the class repository still "
                              "holds students' files. Run 'playlist-tui privacy migrate' "
                              "first (see docs/privacy.md). Nothing was changed.")
        groups = self._split(paths) if paths is not None else None
        class_paths = groups.get(None, []) if groups is not None else None
        class_message = message if groups is not None and set(groups) == {None} else None
        first = self.class_repo.sync(class_paths, class_message, accept)
        failed = [("the class repository", first.message)] if not first.ok else []
        failed += [(f"{sid}'s repository", why) for sid, why in self.connect()]
        repos = self.repos()

        def one(item: tuple[str, GitRepo]) -> tuple[str, SyncResult]:
            sid, repo = item
            chosen = groups.get(sid, []) if groups is not None else None
            return sid, repo.sync(chosen, None)

        totals = {"committed": first.committed, "fetched": first.fetched,
                  "merged": first.merged, "pushed": first.pushed}
        offline = first.offline
        if not first.ok:
            totals["fetched"] = totals["merged"] = 0  # received: only what was merged
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            for sid, result in pool.map(one, repos):
                for key in totals:
                    if result.ok or key in ("committed", "pushed"):
                        totals[key] += getattr(result, key)
                if not result.ok:
                    failed.append((f"{sid}'s repository", result.message))
                    offline = offline or result.offline
        words = []
        if totals["committed"]:
            words.append("saved your changes")
        if totals["fetched"]:
            words.append(f"received {_plural(totals['fetched'], 'commit')}")
        if totals["pushed"]:
            words.append(f"sent {_plural(totals['pushed'], 'commit')}")
        records = _plural(len(repos), "student record")
        head = (f"Synced the class and {records}"
                + (": " + ", ".join(words) if words else ": up to date") + ".")
        counts = (totals["committed"], totals["fetched"], totals["merged"],
                  totals["pushed"])
        if not failed:
            return SyncResult(True, head, *counts, attempts=first.attempts)
        shown = "; ".join(f"{name}: {_reason(why)}" for name, why in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        return SyncResult(False, f"{head} Not synced: {shown}{more}. Nothing was lost.",
                          *counts, offline=offline)

    def history(self, student: str | None = None, playlist: str | None = None,
                competency: str | None = None, limit: int | None = 200, *,
                rev: str = "HEAD", data: ClassData | None = None) -> list[HistoryEvent]:
        """The class repository's events and every student repository's here, in time
        order (a student's own come from their repository alone). ``rev`` names a
        revision of the class repository; students' repositories are read at HEAD."""
        data = self.class_repo._data(data)  # loaded once for every repository
        if student is not None and student in self.present():
            return self.student_repo(student).history(
                student, playlist, competency, limit, data=data)
        events = self.class_repo.history(student, playlist, competency, limit, rev=rev,
                                         data=data)
        if student is not None:
            return events  # a student whose repository is not in this clone

        def one(item: tuple[str, GitRepo]) -> list[HistoryEvent]:
            return item[1].history(None, playlist, competency, limit, data=data)

        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            for found in pool.map(one, self.repos()):
                events += found
        events.sort(key=lambda e: e.when)
        return events[-limit:] if limit else events

    def last_sync_range(self) -> str:
        return self.class_repo.last_sync_range()

    def user_email(self) -> str:
        return self.class_repo.user_email()

    def review(self, rev_range: str, *, data: ClassData | None = None) -> Review:
        """What ``rev_range`` changed in the class repository and in each student
        repository where that range means something (``ORIG_HEAD..HEAD``: what each
        one's last sync brought in), as one review."""
        data = self.class_repo._data(data)
        whole = self.class_repo.review(rev_range, data=data)
        commits, groups, diffs = list(whole.commits), list(whole.groups), [whole.diff]

        def one(item: tuple[str, GitRepo]) -> Review | None:
            try:
                return item[1].review(rev_range, data=data)
            except GitError:
                return None  # no ORIG_HEAD there yet, or fewer commits than the range

        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            for part in pool.map(one, self.repos()):
                if part is not None and part.commits:
                    commits += part.commits
                    groups += part.groups
                    diffs.append(part.diff)
        commits.sort(key=lambda c: c.when)
        return Review(rev_range, tuple(commits), tuple(groups),
                      "\n".join(d for d in diffs if d))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _reason(message: str) -> str:
    """Why one repository did not sync, without the reassurance and advice that the
    whole result says once ('Nothing was lost...')."""
    for cut in (" Nothing was lost", " Nothing was merged"):
        message = message.split(cut, 1)[0]
    return message.strip().rstrip(".")


def _own_message(repo: GitRepo, paths: list[str]) -> str:
    from playlist_tui.store.gitrepo import commit_message

    return commit_message(repo.actor_name(), repo.describe_pending(paths))


def open_repo(root: Path | str) -> GitRepo | Workspace:
    """The class folder's git side: a :class:`Workspace` in privacy mode, else a
    :class:`GitRepo`."""
    folder = Path(root).resolve()
    template = privacy_template(folder)
    if template is None:
        return GitRepo(folder)
    workspace = Workspace(folder, template)
    if workspace.is_repo():
        with contextlib.suppress(OSError, GitError):  # sync does it again, and says
            workspace.exclude_students()
    return workspace


# --------------------------------------------------------------------------- migration


_LOG_FORMAT = "%H%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%B%x01"


def _commits(root: Path, *paths: str) -> list[list[str]]:
    out = run_git(root, "log", "--reverse", "--topo-order", "--date=raw",
                  f"--format={_LOG_FORMAT}", "HEAD", "--", *paths)
    records = []
    for chunk in out.stdout.split("\x01"):
        chunk = chunk.lstrip("\n")
        if chunk:
            records.append(chunk.split("\0", 7))
    return records


def _mktree(root: Path, entries: list[str]) -> str:
    text = "".join(e + "\0" for e in entries)
    return run_git(root, "mktree", "-z", input=text).stdout.strip()


def _rewrite(root: Path, *, keep: str | None = None) -> str | None:
    """A new chain of commits, one for each commit of HEAD that changed what is kept:
    ``keep='ID'``: only ``students/ID/``; ``keep=None``: everything but ``students/``.
    Authors, dates and messages are kept (signatures cannot be: the commits are new).
    Returns the last new commit (None: nothing to keep)."""
    path = f"{layout.STUDENTS_DIR}/{keep}" if keep else ""
    parent: str | None = None
    last_tree: str | None = None
    for record in _commits(root, *([path] if path else [])):
        if len(record) < 8:
            continue
        sha, an, ae, ad, cn, ce, cd, message = record
        if keep:
            sub = run_git(root, "rev-parse", "-q", "--verify", f"{sha}:{path}",
                          check=False).stdout.strip()
            if sub:
                inner = _mktree(root, [f"040000 tree {sub}\t{keep}"])
                tree = _mktree(root, [f"040000 tree {inner}\t{layout.STUDENTS_DIR}"])
            else:
                tree = _mktree(root, [])
        else:
            listing = run_git(root, "ls-tree", "-z", sha).stdout.split("\0")
            tree = _mktree(root, [e for e in listing
                                  if e and e.split("\t", 1)[-1] != layout.STUDENTS_DIR])
        if tree == last_tree:
            continue
        args = ["commit-tree", tree, "-m", message.rstrip("\n") or "(no message)"]
        if parent:
            args[2:2] = ["-p", parent]
        env = {"GIT_AUTHOR_NAME": an, "GIT_AUTHOR_EMAIL": ae, "GIT_AUTHOR_DATE": ad,
               "GIT_COMMITTER_NAME": cn, "GIT_COMMITTER_EMAIL": ce, "GIT_COMMITTER_DATE": cd}
        parent = run_git(root, *args, env=env).stdout.strip()
        last_tree = tree
    return parent


@dataclass
class Migration:
    students: list[str]
    """Students who got a repository of their own (with their history)."""
    commits: dict[str, int]
    """Commits in each new repository ('' for the class repository)."""
    backup: str
    """The ref that keeps the old, single-repository history in this clone."""


BACKUP_REF = "refs/playlist-tui/before-privacy"


def migrate(root: Path | str, template: str, class_url: str | None = None) -> Migration:
    """Move a single-repository class into privacy mode, keeping each student's history.

    Each student's files, with every commit that changed them (authors, dates, messages),
    go to a repository of their own (in this clone, see :func:`student_git_dir`); the
    class repository's history is rewritten without ``students/``, and its last commit
    adds ``[repositories]`` to class.toml (the clone's ``.git/info/exclude`` gets
    ``/students/``). The old
    history stays in this clone under ``refs/playlist-tui/before-privacy``. Nothing is
    sent: ``class_url`` sets the class repository's (new) remote; the next sync pushes
    the class repository and every student repository. Plain git commands only."""
    folder = Path(root).resolve()
    repo = GitRepo(folder)
    if not repo.is_repo():
        raise GitError("this class folder is not a git repository")
    if repo.prefix:
        raise GitError("privacy mode needs the class folder at the top of its repository")
    if "{id}" not in template:
        raise GitError("the address of the student repositories must contain {id}")
    if privacy_template(folder):
        raise GitError("this class is in privacy mode already")
    if repo.pending_class_files():
        raise GitError("some class files have changes that are not committed: sync (or "
                       "commit) first")
    names = run_git(folder, "ls-tree", "--name-only", "HEAD",
                    f"{layout.STUDENTS_DIR}/").stdout.split()
    students = sorted(n.split("/", 1)[1] for n in names if n.count("/") == 1
                      and _ID.match(n.split("/", 1)[1]))
    ws = Workspace(folder, template)
    commits: dict[str, int] = {}
    with class_lock(folder).hold("moving the class to privacy mode"):
        for sid in students:
            tip = _rewrite(folder, keep=sid)
            git_dir = ws._init(sid)
            if tip is None:
                continue
            temp = f"refs/playlist-tui/migrate/{sid}"
            run_git(folder, "update-ref", temp, tip)
            class_git = run_git(folder, "rev-parse", "--absolute-git-dir").stdout.strip()
            with repository(git_dir, folder):
                run_git(folder, "fetch", "-q", "--no-tags", class_git, temp)
                run_git(folder, "update-ref", "refs/heads/main", tip)
                run_git(folder, "read-tree", "HEAD")
                commits[sid] = int(run_git(folder, "rev-list", "--count", "HEAD"
                                           ).stdout.strip() or 0)
            run_git(folder, "update-ref", "-d", temp)
        tip = _rewrite(folder)
        if tip is None:
            raise GitError("the class repository has no commit to keep")
        old = run_git(folder, "rev-parse", "HEAD").stdout.strip()
        run_git(folder, "update-ref", BACKUP_REF, old)
        run_git(folder, "update-ref", "-m", "playlist-tui: privacy mode", "HEAD", tip, old)
        run_git(folder, "reset", "-q", "--mixed", "HEAD")
        ws.exclude_students()
        class_file = folder / layout.CLASS_FILE
        text = class_file.read_text(encoding="utf-8")
        body = text if text.endswith("\n") else text + "\n"
        quoted = template.replace("\\", "\\\\").replace('"', '\\"')
        class_file.write_text(
            body + "\n# Privacy mode: each student's record is in a repository of its own "
            "(docs/privacy.md).\n[repositories]\n" f'students = "{quoted}"\n',
            encoding="utf-8")
        run_git(folder, "add", "--", layout.CLASS_FILE)
        actor = repo._actor()
        run_git(folder, "commit", "-q", "-m", f"{actor}: privacy mode: each student's record "
                "moves to a repository of its own", "--", layout.CLASS_FILE)
        commits[""] = int(run_git(folder, "rev-list", "--count", "HEAD").stdout.strip())
        if class_url:
            has = run_git(folder, "remote", "get-url", "origin", check=False)
            run_git(folder, "remote", "set-url" if has.ok else "add", "origin", class_url)
            for key in ("branch.main.remote", "branch.main.merge"):
                run_git(folder, "config", "--unset", key, check=False)
    return Migration(students, commits, BACKUP_REF)
