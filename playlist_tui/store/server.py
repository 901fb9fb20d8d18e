"""A git server with access control for privacy mode: gitolite's configuration, made
from the roster.

:func:`gitolite_conf` writes, for a class named NAME:

- ``repo NAME`` (class.toml, frameworks, playlists): teachers write, students read, and
  nobody may push a path under ``students/`` to it;
- ``repo NAME-students/ID`` for each student: that student and the class's teachers read
  it; the student may write only ``students/ID/student.toml``, teachers only
  ``students/ID/teacher.toml`` (gitolite's ``VREF/NAME`` rules, checked per file).

Only the branch ``main`` may be pushed, and never rewound (``RW``, not ``RW+``). People are
gitolite users named by their roster id, with the SSH public key the roster gives them
(``signing_key``: the same key signs their commits and opens the server).

:func:`setup` writes that configuration into a clone of the server's ``gitolite-admin``
repository (``conf/playlist-tui/NAME.conf``, ``keydir/playlist-tui/ID.pub``, and an
``include`` line in ``conf/gitolite.conf``), commits and pushes it; gitolite then makes
the repositories. Running it again after a roster change updates everything.
"""

from __future__ import annotations

import re
import shlex
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from playlist_tui.model import tomlparse
from playlist_tui.store import layout
from playlist_tui.store.gitcmd import NETWORK_TIMEOUT, GitError, run_git
from playlist_tui.store.reading import read_text

__all__ = ["Plan", "gitolite_conf", "gitolite_hook", "plan", "setup"]

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_KEY = re.compile(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com|"
                  r"sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/=]+( [^\n]*)?$")

INCLUDE = 'include "playlist-tui/*.conf"'


@dataclass
class Plan:
    name: str
    teachers: list[str] = field(default_factory=list)
    students: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    """Roster id -> SSH public key."""
    without_key: list[str] = field(default_factory=list)
    """People the server cannot let in (no key, or not an SSH public key)."""


def plan(root: Path, name: str) -> Plan:
    """Who is in the class (from class.toml) and their keys."""
    if not _NAME.match(name):
        raise GitError(f"{name!r} cannot name a repository: use letters, digits, '.', '-'"
                       " and '_'")
    text = read_text(root, layout.CLASS_FILE)
    if text is None:
        raise GitError("class.toml cannot be read (missing, not a regular file, or not "
                       "UTF-8): run 'playlist-tui validate'")
    try:
        data = tomlparse.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GitError(f"class.toml cannot be read ({exc}): run 'playlist-tui validate'"
                       ) from exc
    result = Plan(name)
    for kind, into in (("teachers", result.teachers), ("students", result.students)):
        people = data.get(kind, [])
        for person in people if isinstance(people, list) else []:
            if not isinstance(person, dict):
                continue
            pid = person.get("id")
            if not isinstance(pid, str) or not _ID.match(pid):
                continue
            into.append(pid)
            key = person.get("signing_key")
            if isinstance(key, str) and _KEY.match(key.strip()):
                result.keys[pid] = " ".join(key.strip().split()[:2])
            else:
                result.without_key.append(pid)
    return result


def gitolite_conf(p: Plan, migrating: bool = False) -> str:
    """The gitolite configuration of one class (deterministic). ``migrating``: teachers
    may also push students' files, once, to send the history of a class moving into
    privacy mode (see :func:`playlist_tui.store.workspace.migrate`)."""
    teachers = f"@{p.name}-teachers"
    students = f"@{p.name}-students"
    lines = [
        "# Written by 'playlist-tui server setup' from class.toml: run it again after a",
        "# roster change instead of editing this file.",
        f"{teachers} = {' '.join(sorted(p.teachers)) or '@none'}",
        f"{students} = {' '.join(sorted(p.students)) or '@none'}",
        "",
        f"repo {p.name}",
        f"    RW  main$                     = {teachers}",
        f"    -   VREF/NAME/{layout.STUDENTS_DIR}/          = @all",
        f"    R                             = {students}",
    ]
    for sid in sorted(p.students):
        own = f"{layout.STUDENTS_DIR}/{sid}"
        lines += [
            "",
            f"repo {p.name}-students/{sid}",
            f"    RW  main$                     = {teachers} {sid}",
            f"    RW  VREF/NAME/{own}/{layout.STUDENT_FILE}$ = {sid}",
            f"    RW  VREF/NAME/{own}/{layout.TEACHER_FILE}$ = {teachers}",
            *([f"    RW  VREF/NAME/{own}/          = {teachers}  # migrating: run "
               "setup again"] if migrating else []),
            f"    -   VREF/NAME/                = {teachers} {sid}",
        ]
    return "\n".join(lines) + "\n"


def setup(root: Path, name: str, admin_url: str, *, work: Path | None = None,
          migrating: bool = False) -> tuple[Plan, list[str]]:
    """Write the class's configuration and keys into the server's gitolite-admin
    repository and push it. Returns the plan and what was done, in words."""
    p = plan(root, name)
    done: list[str] = []
    with tempfile.TemporaryDirectory(prefix="playlist-tui-admin-") as temp:
        admin = work or Path(temp) / "gitolite-admin"
        if not (admin / ".git").exists():
            out = run_git(Path(temp), "clone", "-q", admin_url, str(admin), check=False,
                          timeout=NETWORK_TIMEOUT)
            if not out.ok:
                raise GitError(f"could not clone {admin_url}: {out.last_error_line()}")
        conf = admin / "conf" / "gitolite.conf"
        text = conf.read_text(encoding="utf-8") if conf.exists() else ""
        if INCLUDE not in text.splitlines():
            body = text if not text or text.endswith("\n") else text + "\n"
            conf.parent.mkdir(parents=True, exist_ok=True)
            conf.write_text(body + "\n# classes set up by playlist-tui\n" + INCLUDE + "\n",
                            encoding="utf-8")
            done.append("conf/gitolite.conf includes conf/playlist-tui/*.conf")
        ours = admin / "conf" / "playlist-tui" / f"{name}.conf"
        ours.parent.mkdir(parents=True, exist_ok=True)
        new = gitolite_conf(p, migrating)
        if not ours.exists() or ours.read_text(encoding="utf-8") != new:
            ours.write_text(new, encoding="utf-8")
            done.append(f"conf/playlist-tui/{name}.conf: {len(p.teachers)} teacher(s), "
                        f"{len(p.students)} student repositories")
        keydir = admin / "keydir" / "playlist-tui"
        keydir.mkdir(parents=True, exist_ok=True)
        for pid, key in sorted(p.keys.items()):
            path = keydir / f"{pid}.pub"
            if not path.exists() or path.read_text(encoding="utf-8").strip() != key:
                path.write_text(key + "\n", encoding="utf-8")
                done.append(f"key of {pid}")
        run_git(admin, "add", "-A", "--", "conf", "keydir")
        staged = run_git(admin, "diff", "--cached", "--quiet", check=False)
        if staged.returncode == 0:
            return p, done
        run_git(admin, "-c", "user.name=playlist-tui", "-c",
                "user.email=playlist-tui@localhost", "commit", "-q", "-m",
                f"playlist-tui: class {name}")
        out = run_git(admin, "push", "-q", "origin", "HEAD", check=False,
                      timeout=NETWORK_TIMEOUT)
        if not out.ok:
            raise GitError(f"the server refused the configuration: {out.last_error_line()}")
        done.append("pushed to the server")
    return p, done


def gitolite_hook(program: list[str]) -> str:
    """The pre-receive hook that makes the audit the second line of defence on every
    repository of a gitolite server (``~/.gitolite/hooks/common/pre-receive`` of the
    server's git user, then ``gitolite setup --hooks-only``). ``program``: how to run
    playlist-tui on the server.

    - ``NAME`` (a class repository: HEAD or the pushed commit has ``class.toml``): each
      update judged by ``audit --push`` (docs/git.md section 7);
    - ``NAME-students/ID``: judged by ``audit --push --student ID --roster-from
      NAME.git``: the class repository's roster, which the student's repository cannot
      change; only ``students/ID/`` may be in it;
    - other repositories (``gitolite-admin``, anything not a class): left alone.

    gitolite's own rules run first (who may push, which files); the hook passes the
    authenticated user (``GL_USER``) as ``--pusher``."""
    command = " ".join(shlex.quote(part) for part in program)
    return f"""#!/bin/sh
# pre-receive for gitolite, written by 'playlist-tui server hook' (docs/privacy.md).
# Install: save as ~/.gitolite/hooks/common/pre-receive of the server's git user, make it
# executable, then run 'gitolite setup --hooks-only' as that user.
repo=${{GL_REPO:-}}
case "$repo" in
    ''|gitolite-admin) exit 0 ;;
esac
here=$(pwd -P)
base=${{here%/"$repo".git}}
case "$repo" in
    *-students/*)
        klass=${{repo%-students/*}}
        student=${{repo##*/}}
        if [ "$base" = "$here" ] || [ ! -d "$base/$klass.git" ]; then
            echo "playlist-tui: cannot find the class repository $klass of $repo: push refused" >&2
            exit 1
        fi
        set -- --student "$student" --roster-from "$base/$klass.git"
        ;;
    *) set -- ;;
esac
status=0
while read -r old new ref; do
    if [ $# -eq 0 ] && ! git cat-file -e "HEAD:class.toml" 2>/dev/null \\
            && ! git cat-file -e "$new:class.toml" 2>/dev/null; then
        continue  # not a class repository
    fi
    if ! {command} audit . --push "$old" "$new" --ref "$ref" \\
            --pusher "${{GL_USER:-}}" "$@"; then
        echo "playlist-tui: push to $ref refused: see the lines above." >&2
        status=1
    fi
done
exit $status
"""
