"""Audit: every commit changed only files its author may write, signed when required."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playlist_tui.cli import main
from playlist_tui.store.audit import allowed_signers_text, audit, key_fingerprint, parse_roster
from playlist_tui.store.gitrepo import GitRepo
from tests.conftest import ROOT, SMALL, git
from tests.gitutil import EMAILS, class_text, identify

NAMES = {"lee": "Ms Lee", "kim": "Mr Kim", "ana": "Ana Souza", "ben": "Ben Okafor",
         "cy": "Cy Park"}


def keygen(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / f"{name}_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
                   check=True)
    return key, key.with_suffix(".pub").read_text().strip()


def with_keys(text: str, keys: dict[str, str]) -> str:
    for person, public in keys.items():
        anchor = f'emails = ["{EMAILS[person]}"]\n'
        assert anchor in text
        text = text.replace(anchor, anchor + f'signing_key = "{public}"\n', 1)
    return text


def commit(repo: Path, person: str, files: dict[str, str], message: str,
           key: Path | None = None, as_person: str | None = None) -> str:
    """Write files and commit them as ``as_person`` (default: person), signed with ``key``."""
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    shown = as_person or person
    args = ["-c", f"user.name={NAMES[shown]}", "-c", f"user.email={EMAILS[shown]}"]
    if key is not None:
        args += ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit", "-S"]
    else:
        args += ["commit", "--no-gpg-sign"]
    git(repo, *args, "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def append(repo: Path, rel: str, line: str, table: str) -> dict[str, str]:
    path = repo / rel
    text = path.read_text() if path.exists() else ""
    if f"[{table}]" not in text:
        text += f"\n[{table}]\n"
    return {rel: text + line + "\n"}


@pytest.fixture
def signed_class(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A class whose roster gives ana and lee signing keys; a clean, signed history."""
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    private: dict[str, Path] = {}
    public: dict[str, str] = {}
    for person in ("ana", "lee"):
        private[person], public[person] = keygen(keys_dir, person)
    repo = tmp_path / "class"
    shutil.copytree(SMALL, repo)
    (repo / "class.toml").write_text(with_keys(class_text(), public))
    git(repo, "init", "-q", "-b", "main")
    identify(repo, "lee")
    commit(repo, "lee", {}, "lee: the class", key=private["lee"])
    commit(repo, "ana", append(repo, "students/ana/student.toml",
                               '"ratios/tape" = 2026-11-20T10:00:00Z', "ticks"),
           "ana: ticked ratios/tape", key=private["ana"])
    commit(repo, "ben", append(repo, "students/ben/student.toml",
                               '"ratios/tape" = 2026-11-20T10:05:00Z', "ticks"),
           "ben: ticked ratios/tape")
    commit(repo, "lee", append(repo, "students/ana/teacher.toml",
                               'd-20261120-110000 = { competency = "RP.1", result = "mastered", '
                               'by = "lee", at = 2026-11-20T11:00:00Z }', "decisions"),
           "lee: decided mastered on RP.1 for ana", key=private["lee"])
    commit(repo, "kim", {"README.md": "How our class works.\n"}, "kim: readme")
    return repo, private


def test_a_clean_signed_history_passes(signed_class: tuple[Path, dict[str, Path]],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    repo, _ = signed_class
    report = audit(repo)
    assert report.violations == [] and report.commits == 5 and report.notes == []
    assert main(["audit", str(repo)]) == 0
    assert "5 commits checked: no violations" in capsys.readouterr().err
    signers = (repo / ".git" / "playlist-tui" / "allowed_signers").read_text()
    assert signers.count('namespaces="git" ssh-ed25519 ') == 2
    assert signers.startswith("lee ") or signers.startswith("ana ")


def test_violations_are_reported(signed_class: tuple[Path, dict[str, Path]],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    repo, keys = signed_class
    clean = git(repo, "rev-parse", "HEAD").strip()
    other = commit(repo, "ben", append(repo, "students/ana/student.toml",
                                       '"ratios/recipe" = 2026-11-21T10:00:00Z', "ticks"),
                   "ben: ticked for ana")
    itself = commit(repo, "ben", append(repo, "students/ben/teacher.toml",
                                        'd-20261121-100000 = { competency = "RP.1", result = '
                                        '"mastered", by = "lee", at = 2026-11-21T10:00:00Z }',
                                        "decisions"), "ben: a decision about myself")
    unsigned = commit(repo, "ana", append(repo, "students/ana/student.toml",
                                          '"ratios/design" = 2026-11-21T11:00:00Z', "ticks"),
                      "ana: ticked ratios/design")
    faked = commit(repo, "ana", append(repo, "students/ana/teacher.toml",
                                       'd-20261121-120000 = { competency = "RP.2", result = '
                                       '"mastered", by = "lee", at = 2026-11-21T12:00:00Z }',
                                       "decisions"), "lee: decided", key=keys["ana"],
                   as_person="lee")
    promoted = commit(repo, "ben", {"class.toml": (repo / "class.toml").read_text().replace(
        'id = "kim"', 'id = "ben-teacher"')}, "ben: make me a teacher")
    report = audit(repo, since=clean)
    assert report.commits == 5
    found = {(v.commit, v.file, v.rule) for v in report.violations}
    assert found == {
        (other, "students/ana/student.toml",
         "Ben Okafor wrote Ana Souza's file: a student may write only their own "
         "students/ben/student.toml"),
        (itself, "students/ben/teacher.toml",
         "this file holds teachers' decisions: only teachers may write it"),
        (unsigned, "students/ana/student.toml",
         "Ana Souza has a signing key in the roster, but this commit is not signed"),
        (faked, "students/ana/teacher.toml",
         "signed with Ana Souza's key, but the author claims to be Ms Lee"),
        (faked, "students/ana/teacher.toml",
         "this file holds teachers' decisions: only teachers may write it"),
        (promoted, "class.toml", "only teachers may write class.toml"),
    }
    authors = {v.commit: v.author for v in report.violations}
    assert authors[faked] == "Ms Lee <lee@school.example>"
    assert main(["audit", str(repo), "--since", clean]) == 1
    out = capsys.readouterr()
    assert f"{faked[:10]}  Ms Lee <lee@school.example>  students/ana/teacher.toml: signed " \
           "with Ana Souza's key" in out.out
    assert "6 violation(s) in 5 commit(s)" in out.err
    # The whole history: the clean part adds nothing.
    assert len(audit(repo).violations) == 6
    assert main(["audit", str(repo), "--until", clean]) == 0


def test_a_teacher_writing_a_students_own_file_and_unknown_authors(small_class: Path) -> None:
    (small_class / "class.toml").write_text(class_text())
    git(small_class, "commit", "-q", "-am", "roster")  # by 'Test', who is not in the roster
    identify(small_class, "lee")
    start = git(small_class, "rev-parse", "HEAD").strip()
    commit(small_class, "lee", append(small_class, "students/cy/student.toml",
                                      '"ratios/tape" = 2026-11-21T10:00:00Z', "ticks"),
           "lee: ticked for cy")
    report = audit(small_class, since=start)
    assert [v.rule for v in report.violations] == [
        "only Cy Park may write their own file; teachers' decisions go in "
        "students/cy/teacher.toml"]
    rules = {v.rule for v in audit(small_class).violations}
    assert "the author test@example.org is not in the roster (no matching email or signing " \
           "key in class.toml)" in rules


def test_usage_errors(small_class: Path, tmp_path: Path) -> None:
    assert main(["audit", str(small_class), "--since", "no-such-rev"]) == 2
    assert main(["audit", str(tmp_path / "missing")]) == 2
    plain = tmp_path / "plain"
    plain.mkdir()
    assert main(["audit", str(plain)]) == 2


def test_roster_keys(tmp_path: Path) -> None:
    _, public = keygen(tmp_path, "ana")
    out = subprocess.run(["ssh-keygen", "-lf", str(tmp_path / "ana_ed25519.pub")],
                         capture_output=True, text=True, check=True).stdout.split()
    assert key_fingerprint(public) == out[1]
    assert key_fingerprint("not a key") is None
    roster = parse_roster(with_keys(class_text(), {"ana": public}).encode())
    ana = roster.by_email("ANA@students.example")
    assert ana is not None and ana.role == "student" and ana.signing_key == public
    assert roster.by_fingerprint(out[1]) == ana
    assert allowed_signers_text(list(roster.people)) == \
        f'ana namespaces="git" {" ".join(public.split()[:2])}\n'
    assert parse_roster(b"[[broken") .people == ()


def test_the_pre_receive_hook_in_the_docs_refuses_bad_pushes(
        signed_class: tuple[Path, dict[str, Path]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo, _ = signed_class
    doc = (ROOT / "docs" / "git.md").read_text()
    script = re.search(r"```sh\n(#!/bin/sh\n# pre-receive.*?)```", doc, re.DOTALL)
    assert script is not None
    bare = tmp_path / "server.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(script.group(1))
    hook.chmod(0o755)
    git(repo, "remote", "add", "origin", str(bare))
    # the hook runs `playlist-tui`: the one installed next to the Python running the tests
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}

    def push() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(repo), "push", "origin", "main"], env=env,
                              capture_output=True, text=True, check=False)

    commit(repo, "ben", append(repo, "students/ana/student.toml",
                               '"ratios/recipe" = 2026-11-21T10:00:00Z', "ticks"),
           "ben: ticked for ana")
    refused = push()
    assert refused.returncode != 0
    assert "Ben Okafor wrote Ana Souza's file" in refused.stderr
    monkeypatch.setenv("PATH", env["PATH"])
    result = GitRepo(repo).sync()  # sync says why and keeps the commit
    assert not result.ok and not result.offline
    assert "origin refused the changes" in result.message
    assert "Ben Okafor wrote Ana Souza's file" in result.message
    server = git(bare, "rev-parse", "main").strip()  # the server kept its history:
    assert git(repo, "merge-base", "--is-ancestor", server, "HEAD") == ""  # ours is on it
    assert "ben: ticked for ana" in git(repo, "log", "--format=%s", f"{server}..HEAD")
    git(repo, "reset", "-q", "--hard", server)  # drop the refused work
    commit(repo, "ben", append(repo, "students/ben/student.toml",
                               '"ratios/recipe" = 2026-11-21T10:00:00Z', "ticks"),
           "ben: ticked ratios/recipe")
    accepted = push()
    assert accepted.returncode == 0, accepted.stderr
