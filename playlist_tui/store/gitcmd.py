"""Running the real ``git`` command: one place for the environment, errors and timeouts.

Everything git-related in the store goes through :func:`run_git` (one command, output
captured) or :class:`BlobReader` (one long-lived ``git cat-file --batch`` process that
reads many file versions cheaply). Output is decoded as UTF-8; git's own messages are
asked for in English so they can be recognised.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

NETWORK_TIMEOUT = 120.0
"""Seconds a fetch or push may take before it counts as 'the remote cannot be reached'."""

LOCAL_TIMEOUT = 120.0


class GitError(Exception):
    """A git command failed. ``message`` is for a person; ``stderr`` is git's own text."""

    def __init__(self, message: str, stderr: str = "", returncode: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.stderr = stderr
        self.returncode = returncode


@dataclass(frozen=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def last_error_line(self) -> str:
        """git's most telling line of stderr (the last 'fatal:' or 'error:' one)."""
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        for line in reversed(lines):
            if line.startswith(("fatal:", "error:")):
                return line.split(":", 1)[1].strip()
        return lines[-1] if lines else f"git exited with status {self.returncode}"


_REPOSITORY: ContextVar[tuple[str, str] | None] = ContextVar("repository", default=None)
"""(git folder, work tree) of a repository whose git folder is not ``WORKTREE/.git``: a
student's own repository in privacy mode (:mod:`playlist_tui.store.workspace`)."""


@contextlib.contextmanager
def repository(git_dir: Path | None, work_tree: Path) -> Iterator[None]:
    """Within the block (in this thread), every git command of the store runs in the
    repository whose git folder is ``git_dir`` and whose work tree is ``work_tree``.
    ``git_dir=None``: the ordinary repository found from the folder."""
    token = _REPOSITORY.set(None if git_dir is None else (str(git_dir), str(work_tree)))
    try:
        yield
    finally:
        _REPOSITORY.reset(token)


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"):
        env.pop(name, None)  # never inherited: the store says which repository it means
    chosen = _REPOSITORY.get()
    if chosen is not None:
        env["GIT_DIR"], env["GIT_WORK_TREE"] = chosen
    env.update({
        "LC_ALL": "C",
        "LANGUAGE": "C",
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password nobody will type
        "GIT_MERGE_AUTOEDIT": "no",
        "GIT_EDITOR": "true",
    })
    if extra:
        env.update(extra)
    return env


def run_git(root: Path, *args: str, check: bool = True, input: str | None = None,
            timeout: float = LOCAL_TIMEOUT, env: Mapping[str, str] | None = None,
            config: Sequence[str] = ()) -> Completed:
    """Run ``git -C root [-c config...] args``. With ``check``, a failure raises GitError."""
    command = ["git", "-C", str(root)]
    for item in config:
        command += ["-c", item]
    command += list(args)
    try:
        out = subprocess.run(command, capture_output=True, input=input, timeout=timeout,
                             env=git_env(env), check=False, encoding="utf-8",
                             errors="replace")
    except FileNotFoundError as exc:
        raise GitError("git is not installed (or not on PATH); install git first",
                       returncode=127) from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"'git {args[0] if args else ''}' took longer than {timeout:.0f} "
                       "seconds and was stopped", returncode=124) from exc
    done = Completed(tuple(command), out.returncode, out.stdout, out.stderr)
    if check and not done.ok:
        raise GitError(f"git {' '.join(args[:2])} failed: {done.last_error_line()}",
                       done.stderr, done.returncode)
    return done


class BlobReader:
    """Read objects by name (``SHA`` or ``REV:path``) through ``git cat-file --batch``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._proc: subprocess.Popen[bytes] | None = None
        self._check: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _spawn(self, mode: str) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(["git", "-C", str(self.root), "cat-file", mode],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, env=git_env())
        except FileNotFoundError as exc:
            raise GitError("git is not installed (or not on PATH)") from exc

    def _process(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            self._proc = self._spawn("--batch")
        return self._proc

    def oid(self, name: str) -> str | None:
        """The id of a blob (``REV:path``) without reading it; None if there is none."""
        if not name or "\n" in name:
            return None
        if self._check is None:
            self._check = self._spawn("--batch-check")
        assert self._check.stdin is not None and self._check.stdout is not None
        self._check.stdin.write(name.encode("utf-8") + b"\n")
        self._check.stdin.flush()
        header = self._check.stdout.readline().decode("utf-8", "replace").split()
        if not header:
            raise GitError("git cat-file stopped unexpectedly")
        return header[0] if len(header) == 3 and header[1] == "blob" else None

    def read(self, name: str) -> tuple[str, bytes] | None:
        """``(object id, bytes)`` of a blob, or None if there is no such object."""
        if not name or "\n" in name:
            return None
        proc = self._process()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(name.encode("utf-8") + b"\n")
        proc.stdin.flush()
        header = proc.stdout.readline().decode("utf-8", "replace").split()
        if len(header) != 3:
            if not header:
                raise GitError("git cat-file stopped unexpectedly")
            return None  # "<name> missing" or "<name> ambiguous"
        size = int(header[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)  # the newline after the contents
        if header[1] != "blob":
            return None
        return header[0], data

    def close(self) -> None:
        procs = [p for p in (self._proc, self._check) if p is not None]
        self._proc = self._check = None
        for proc in procs:
            if proc.stdin is not None:
                proc.stdin.close()
            if proc.stdout is not None:
                proc.stdout.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()
                proc.wait()


# --------------------------------------------------------------------------- git log


ZERO = "0" * 40
_RECORD = "\x01\x02"


def is_zero(sha: str) -> bool:
    return not sha.strip("0")


@dataclass(frozen=True)
class RawChange:
    """One changed file of a commit (``--raw``): old and new blob ids, status, path."""

    old: str
    new: str
    status: str
    path: str


@dataclass(frozen=True)
class LogCommit:
    fields: tuple[str, ...]
    changes: tuple[RawChange, ...]


def parse_log(output: str, n_fields: int) -> list[LogCommit]:
    """Parse ``git log -z --raw --format=<marker><fields separated by NUL>``."""
    commits: list[LogCommit] = []
    for record in output.split(_RECORD)[1:]:
        parts = record.split("\0")
        fields = tuple(parts[:n_fields])
        changes: list[RawChange] = []
        meta: str | None = None
        for token in parts[n_fields:]:
            if meta is not None:
                colons = len(meta) - len(meta.lstrip(":"))
                items = meta.lstrip(":").split()
                shas = items[colons + 1: 2 * colons + 2]
                status = items[-1] if items else "M"
                if len(shas) >= 2:
                    changes.append(RawChange(shas[0], shas[-1], status[:1], token))
                meta = None
                continue
            token = token.strip("\n")
            if token.startswith(":"):
                meta = token
        commits.append(LogCommit(fields, tuple(changes)))
    return commits


def log_format(fields: Sequence[str]) -> str:
    return "--format=%x01%x02" + "%x00".join(fields) + "%x00"


def check_revs(revs: Sequence[str]) -> None:
    for rev in revs:
        if not rev or rev.startswith("-") or any(c in rev for c in "\0\n "):
            raise GitError(f"{rev!r} is not a revision", returncode=2)
