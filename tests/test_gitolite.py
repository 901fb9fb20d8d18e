"""Privacy mode against a real server: gitolite behind OpenSSH on 127.0.0.1.

The test starts its own sshd (a port of its own, a host key of its own) for a gitolite
user it creates, and removes both at the end. It needs root (to create the user and run
sshd) and Debian's ``gitolite3`` and ``openssh-server`` (``.ci/run`` installs them in
CI); elsewhere it is skipped and says why.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from playlist_tui.model.files import Result
from playlist_tui.store import ops
from playlist_tui.store.server import gitolite_conf, plan
from playlist_tui.store.store import ClassStore
from playlist_tui.store.workspace import Workspace, open_repo
from tests.conftest import git
from tests.gitutil import EMAILS, SEED_DATE, class_text, identify

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
GITOLITE = shutil.which("gitolite") or "/usr/bin/gitolite"
PEOPLE = ["lee", "kim", "ana", "ben", "cy"]


def _why_not() -> str | None:
    if os.name != "posix" or os.geteuid() != 0:
        return "needs root: it creates a gitolite user and runs sshd"
    for program in (SSHD, GITOLITE, shutil.which("useradd") or ""):
        if not program or not os.path.exists(program):
            return (f"{program or 'useradd'} is not installed (apt-get install gitolite3 "
                    "openssh-server; .ci/run does it in CI)")
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path, comment: str) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f",
                    str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip()


@dataclass
class Server:
    tmp: Path
    user: str
    port: int
    keys: dict[str, Path]
    pubkeys: dict[str, str]
    admin_key: Path
    hook: str | None = None
    """Why the audit hook is not installed on the server (None: it is)."""

    def url(self, repo: str) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}/{repo}"

    def ssh_command(self, key: Path) -> str:
        return (f"ssh -i {key} -o IdentitiesOnly=yes -o BatchMode=yes "
                "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR")

    def env(self, key: Path) -> dict[str, str]:
        return {**os.environ, "GIT_SSH_COMMAND": self.ssh_command(key)}

    def as_person(self, folder: Path, person: str) -> None:
        identify(folder, person)
        git(folder, "config", "core.sshCommand", self.ssh_command(self.keys[person]))
        git(folder, "config", "gpg.format", "ssh")
        git(folder, "config", "user.signingkey", str(self.keys[person]))
        git(folder, "config", "commit.gpgsign", "true")

    def clone(self, repo: str, dest: Path, person: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "clone", "-q", self.url(repo), str(dest)],
                              capture_output=True, text=True, env=self.env(self.keys[person]),
                              check=False, timeout=120)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("gitolite")
    tmp.chmod(0o755)
    user = f"ptui{secrets.token_hex(3)}"
    # the user's home must be reachable by that user: not under pytest's 0700 folder
    home = Path(tempfile.mkdtemp(prefix="ptui-gitolite-")) / "home"
    home.parent.chmod(0o755)
    subprocess.run(["useradd", "-m", "-d", str(home), "-s", "/bin/sh", user], check=True)
    subprocess.run(["usermod", "-p", "*", user], check=True)  # no password, not locked
    sshd: subprocess.Popen[bytes] | None = None
    try:
        keys: dict[str, Path] = {}
        pubkeys: dict[str, str] = {}
        keydir = tmp / "keys"
        keydir.mkdir()
        for person in [*PEOPLE, "admin"]:
            keys[person] = keydir / person
            pubkeys[person] = _keygen(keydir / person, person)
        shutil.copy(keydir / "admin.pub", home / "admin.pub")
        shutil.chown(home / "admin.pub", user)
        # new repositories' HEAD is main, so a plain `git clone` checks out the class
        # (docs/privacy.md asks the server's administrator for the same)
        # (after the set-up: gitolite-admin itself stays on master, which gitolite reads)
        subprocess.run(["su", "-", user, "-c", "gitolite setup -pk admin.pub && git config "
                        "--global init.defaultBranch main"], check=True, capture_output=True)
        hook = _install_hook(user, home)
        host_key = tmp / "host_key"
        _keygen(host_key, "host")
        port = _free_port()
        config = tmp / "sshd_config"
        config.write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
            f"PidFile {tmp / 'sshd.pid'}\nAuthorizedKeysFile .ssh/authorized_keys\n"
            f"StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
            f"KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nAllowUsers {user}\n"
            "PermitRootLogin no\nLogLevel ERROR\n")
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                stderr=open(tmp / "sshd.log", "wb"))  # noqa: SIM115
        server = Server(tmp, user, port, keys, pubkeys, keys["admin"], hook)
        deadline = time.monotonic() + 30
        while True:
            probe = subprocess.run(["git", "ls-remote", server.url("gitolite-admin")],
                                   env=server.env(keys["admin"]), capture_output=True,
                                   text=True, check=False)
            if probe.returncode == 0:
                break
            if time.monotonic() > deadline or sshd.poll() is not None:
                log = (tmp / "sshd.log").read_text(errors="replace")
                pytest.fail(f"sshd/gitolite did not come up: {probe.stderr}\n{log}")
            time.sleep(0.2)
        yield server
    finally:
        if sshd is not None:
            sshd.terminate()
            sshd.wait(timeout=30)
        subprocess.run(["pkill", "-KILL", "-u", user], check=False)
        if not os.environ.get("PTUI_KEEP_GITOLITE"):  # keep it to look at after a failure
            subprocess.run(["userdel", "-r", user], check=False, capture_output=True)
            shutil.rmtree(home.parent, ignore_errors=True)


def _install_hook(user: str, home: Path) -> str | None:
    """Install 'playlist-tui server hook' as the server's common pre-receive hook, as
    docs/privacy.md says. The server's git user must be able to run playlist-tui: this
    test's Python, or the system's with this checkout on its path. None when installed,
    else why not."""
    import sys
    import sysconfig

    import playlist_tui

    source = Path(playlist_tui.__file__).resolve().parents[1]
    packages = Path(sysconfig.get_paths()["purelib"])
    wrapper = home.parent / "ptui-python"
    tried = []
    # this test's Python and checkout; the system's Python with them; and, when the
    # checkout is in a folder the git user cannot enter, with a copy of them it can
    attempts = [(python, f"{source}:{packages}")
                for python in dict.fromkeys([sys.executable, "/usr/bin/python3"])]
    attempts.append(("/usr/bin/python3", f"{home.parent / 'src'}:{home.parent / 'site'}"))
    for python, path in attempts:
        if path.startswith(str(home.parent)) and not (home.parent / "src").exists():
            shutil.copytree(source / "playlist_tui", home.parent / "src" / "playlist_tui",
                            ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copytree(packages, home.parent / "site", symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pth"))
            subprocess.run(["chmod", "-R", "a+rX", str(home.parent)], check=True)
        wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{path}" exec "{python}" "$@"\n')
        wrapper.chmod(0o755)
        probe = subprocess.run(["su", "-", user, "-c", f"{wrapper} -m playlist_tui audit "
                                "--help"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            break
        tried.append(f"{python}: {probe.stderr.strip().splitlines()[-1:]}")
    else:
        return "the server's git user cannot run playlist-tui (" + "; ".join(tried) + ")"
    text = subprocess.run([sys.executable, "-m", "playlist_tui", "server", "hook",
                           "--python", str(wrapper)], capture_output=True, text=True,
                          check=True).stdout
    hooks = home / ".gitolite" / "hooks" / "common"
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / "pre-receive").write_text(text)
    (hooks / "pre-receive").chmod(0o755)
    subprocess.run(["chown", "-R", user, str(home / ".gitolite")], check=True)
    subprocess.run(["su", "-", user, "-c", "gitolite setup --hooks-only"], check=True,
                   capture_output=True)
    return None


def _seed_with_keys(server: Server, folder: Path, extra_students: int = 0) -> None:
    """The small class, everyone with an SSH key, in a single repository (first commit
    by Ms Lee), as a school has it before moving to privacy mode."""
    from tests.conftest import SMALL

    shutil.copytree(SMALL, folder)
    text = class_text()
    for person in PEOPLE:
        marker = f'id = "{person}"\n'
        text = text.replace(marker, marker + f'signing_key = "{server.pubkeys[person]}"\n', 1)
    for k in range(extra_students):
        text += f'\n[[students]]\nid = "s{k:02d}"\nname = "Student {k}"\n'
    (folder / "class.toml").write_text(text)
    git(folder, "init", "-q", "-b", "main")
    server.as_person(folder, "lee")
    git(folder, "add", "-A")
    subprocess.run(["git", "-C", str(folder), "commit", "-q", "-m", "lee: the class"],
                   check=True, env={**os.environ, "GIT_AUTHOR_DATE": SEED_DATE,
                                    "GIT_COMMITTER_DATE": SEED_DATE})


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run([sys.executable, "-m", "playlist_tui", *args], capture_output=True,
                          text=True, env=env, check=False, timeout=300)


@pytest.fixture(scope="module")
def school(server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The class set up on the server with `server setup`, moved into privacy mode with
    `privacy migrate` and sent by Ms Lee's sync."""
    tmp = tmp_path_factory.mktemp("school")
    lee = tmp / "lee"
    _seed_with_keys(server, lee)
    move_in(server, lee, "math6")
    return {"lee": lee, "tmp": tmp}


def move_in(server: Server, lee: Path, name: str) -> None:
    """What docs/privacy.md tells a school to do: set the server up for the move, move
    the class with its history, send it, close the server again."""
    admin = server.env(server.admin_key)
    setup = _cli("server", "setup", str(lee), "--admin", server.url("gitolite-admin"),
                 "--name", name, "--migrating", env=admin)
    assert setup.returncode == 0, setup.stderr
    assert f"{name}-students" in setup.stdout
    moved = _cli("privacy", "migrate", str(lee), "--students", f"../{name}-students/{{id}}",
                 "--class-url", server.url(name))
    assert moved.returncode == 0, moved.stderr
    result = open_repo(lee).sync()
    probe = subprocess.run(["git", "ls-remote", server.url(name)], capture_output=True,
                           text=True, env=server.env(server.keys["lee"]), check=False)
    assert result.ok, f"{result.message}\n{setup.stdout}\n{probe.stderr}"
    closed = _cli("server", "setup", str(lee), "--admin", server.url("gitolite-admin"),
                  "--name", name, env=admin)
    assert closed.returncode == 0, closed.stderr


def test_the_configuration_follows_the_roster(server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _seed_with_keys(server, folder)
    text = gitolite_conf(plan(folder, "math6"))
    assert "repo math6-students/ana" in text
    assert "RW  VREF/NAME/students/ana/student.toml$ = ana" in text
    assert "RW  VREF/NAME/students/ana/teacher.toml$ = @math6-teachers" in text
    assert "RW+" not in text  # nobody rewinds main


def test_a_student_reads_only_her_own_record(server: Server, school: dict[str, Path]
                                             ) -> None:
    ana = school["tmp"] / "ana"
    out = server.clone("math6", ana, "ana")
    assert out.returncode == 0, out.stderr
    server.as_person(ana, "ana")
    result = open_repo(ana).sync()
    assert result.ok, result.message
    ws = open_repo(ana)
    assert isinstance(ws, Workspace) and ws.present() == ["ana"]
    assert sorted(p.name for p in (ana / "students").iterdir()) == ["ana"]
    # the server refuses her another student's repository
    denied = server.clone("math6-students/ben", school["tmp"] / "ben-stolen", "ana")
    assert denied.returncode != 0 and "DENIED" in denied.stderr
    assert not (school["tmp"] / "ben-stolen" / "students").exists()


def test_a_student_cannot_write_the_teachers_file_or_the_class(
        server: Server, school: dict[str, Path]) -> None:
    ana = school["tmp"] / "ana2"
    assert server.clone("math6", ana, "ana").returncode == 0
    server.as_person(ana, "ana")
    assert open_repo(ana).sync().ok
    ws = open_repo(ana)
    assert isinstance(ws, Workspace)
    repo = ws.student_repo("ana")
    teacher_file = ana / "students/ana/teacher.toml"
    teacher_file.write_text(teacher_file.read_text() + '\n# "mastered, level 4"\n'
                            if teacher_file.exists() else "# forged\n")
    repo.commit_app_changes(["students/ana/teacher.toml"], "ana: forged a decision")
    refused = repo.sync()
    # both lines refuse it: the audit hook (pre-receive, first) and gitolite's file rules
    assert not refused.ok and _refused_by_server(server, refused.message), refused.message
    # the class repository: students only read it
    (ana / "class.toml").write_text((ana / "class.toml").read_text() + "\n# mine\n")
    forged = ws.class_repo.sync()
    assert not forged.ok and _refused_by_server(server, forged.message), forged.message


def _refused_by_server(server: Server, message: str) -> bool:
    """gitolite refuses a write access it does not give before anything else (DENIED);
    a push it lets in meets the audit hook (pre-receive) before gitolite's file rules."""
    hooked = server.hook is None and "pre-receive hook declined" in message \
        and "may write" in message
    return hooked or "DENIED" in message


def test_a_teachers_loop_works_and_a_student_sees_the_decision(
        server: Server, school: dict[str, Path]) -> None:
    ben = school["tmp"] / "ben"
    assert server.clone("math6", ben, "ben").returncode == 0
    server.as_person(ben, "ben")
    assert open_repo(ben).sync().ok
    ClassStore(ben).apply(ops.Tick("ben", "ratios", "server-tick"))
    ClassStore(ben).apply(ops.RequestCheck("ben", competency="RP.1", note="ready"))
    assert open_repo(ben).sync().ok
    kim = school["tmp"] / "kim"
    assert server.clone("math6", kim, "kim").returncode == 0
    server.as_person(kim, "kim")
    first = open_repo(kim).sync()
    assert first.ok, first.message
    record = tomllib.loads((kim / "students/ben/student.toml").read_text())
    assert "ratios/server-tick" in record["ticks"]
    ClassStore(kim).apply(ops.RecordDecision(
        student="ben", result=Result.MASTERED, by="kim", competency="RP.1", level=3,
        feedback="Well shown"))
    assert open_repo(kim).sync().ok
    assert open_repo(ben).sync().ok
    assert "Well shown" in (ben / "students/ben/teacher.toml").read_text()


def test_a_teacher_syncs_thirty_students_on_the_server(server: Server, tmp_path: Path
                                                       ) -> None:
    lee = tmp_path / "lee"
    _seed_with_keys(server, lee, extra_students=27)
    move_in(server, lee, "big6")
    kim = tmp_path / "kim"
    assert server.clone("big6", kim, "kim").returncode == 0
    server.as_person(kim, "kim")
    result = open_repo(kim).sync()
    assert result.ok, result.message
    ws = open_repo(kim)
    assert isinstance(ws, Workspace) and len(ws.present()) == 30
    assert EMAILS["kim"] in git(kim, "config", "user.email")
    # a student joins: the roster changes, the server follows, the teacher's sync gets her
    text = (kim / "class.toml").read_text()
    (kim / "class.toml").write_text(text + '\n[[students]]\nid = "zoe"\nname = "Zoe Li"\n')
    unknown = _cli("server", "add-student", str(kim), "--student", "nobody", "--admin",
                   server.url("gitolite-admin"), "--name", "big6",
                   env=server.env(server.admin_key))
    assert unknown.returncode == 2 and "not a student" in unknown.stderr
    added = _cli("server", "add-student", str(kim), "--student", "zoe", "--admin",
                 server.url("gitolite-admin"), "--name", "big6", env=server.env(server.admin_key))
    assert added.returncode == 0, added.stderr
    ClassStore(kim).apply(ops.RecordDecision(
        student="zoe", result=Result.NOT_YET, by="kim", competency="RP.1",
        feedback="Welcome: start with the video"))
    joined = ws.sync()
    assert joined.ok, joined.message
    assert "zoe" in ws.present()
    remote = subprocess.run(["git", "ls-remote", server.url("big6-students/zoe")],
                            capture_output=True, text=True, env=server.env(server.keys["kim"]),
                            check=False)
    assert "refs/heads/main" in remote.stdout, remote.stderr


def test_the_audit_on_the_server_refuses_what_gitolite_lets_through(
        server: Server, school: dict[str, Path]) -> None:
    """gitolite lets Ana write her own student.toml; the audit hook also checks who
    wrote it: a commit signed with Ana's key in Ms Lee's name is refused."""
    if server.hook is not None:
        pytest.skip(server.hook)
    ana = school["tmp"] / "ana-hook"
    assert server.clone("math6", ana, "ana").returncode == 0
    server.as_person(ana, "ana")
    assert open_repo(ana).sync().ok
    ClassStore(ana).apply(ops.Tick("ana", "ratios", "honest"))
    honest = open_repo(ana).sync()
    assert honest.ok, honest.message  # an honest push passes the hook
    ws = open_repo(ana)
    assert isinstance(ws, Workspace)
    repo = ws.student_repo("ana")
    ClassStore(ana).apply(ops.Tick("ana", "ratios", "in-lees-name"))
    git(ana, "config", "user.email", EMAILS["lee"])
    repo.git("config", "user.email", EMAILS["lee"])
    repo.commit_app_changes(["students/ana/student.toml"], "Ms Lee: ticked for Ana")
    refused = repo.sync()
    assert not refused.ok
    assert "refused" in refused.message and "Ana Souza's key" in refused.message, \
        refused.message
