"""Authorization that holds (issue 13): no push or fetch can change the rules it is judged by.

Every person holds an SSH signing key listed in the roster, the bare remote runs the
pre-receive hook copied from docs/git.md, and a curious student tries each attack of the
issue. Each must be refused with the commit, the person and the rule, and the server must
keep its honest history. The same attacks fetched by a teacher with no hook are judged by
``audit_incoming`` (what ``sync`` calls before it merges).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from playlist_tui.store.audit import audit, audit_incoming, audit_push
from tests.conftest import ROOT, git
from tests.gitutil import EMAILS, class_text, clone, identify, seed_class
from tests.test_git_audit import NAMES, keygen, with_keys

PEOPLE = ("lee", "kim", "ana", "ben", "cy")
ZERO = "0" * 40
NOT_YET = ('d-20261121-100000 = { competency = "RP.1", result = "not-yet", by = "lee", '
           'at = 2026-11-21T10:00:00Z, feedback = "not yet: redo the tape diagram" }')
MASTERED = ('d-20261121-110000 = { competency = "RP.1", result = "mastered", level = 4, '
            'by = "lee", at = 2026-11-21T11:00:00Z }')


def hook_text() -> str:
    doc = (ROOT / "docs" / "git.md").read_text()
    found = re.search(r"```sh\n(#!/bin/sh\n# pre-receive.*?)```", doc, re.DOTALL)
    assert found is not None, "the pre-receive hook is no longer in docs/git.md"
    return found.group(1)


def install_hook(bare: Path) -> None:
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(hook_text())
    hook.chmod(0o755)


def tool_env() -> dict[str, str]:
    """The hook runs `playlist-tui`: the one installed next to the Python of the tests."""
    bindir = Path(sys.executable).parent
    return {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}


def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], env=tool_env(),
                          capture_output=True, text=True, check=False)


def sign_with(repo: Path, key: Path) -> None:
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key))
    git(repo, "config", "commit.gpgsign", "true")


def write(repo: Path, rel: str, text: str) -> None:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text)


def add_line(repo: Path, rel: str, table: str, line: str) -> None:
    path = repo / rel
    text = path.read_text() if path.exists() else ""
    if f"[{table}]" not in text:
        text += f"\n[{table}]\n"
    write(repo, rel, text + line + "\n")


def commit_all(repo: Path, message: str, *extra: str) -> str:
    git(repo, "add", "-A")
    git(repo, *extra, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def commit_tree(repo: Path, message: str, *parents: str, sign: bool = True) -> str:
    """A commit of the current index with these parents (how a merge can be forged)."""
    tree = git(repo, "write-tree").strip()
    args = ["commit-tree", tree, "-m", message]
    for parent in parents:
        args += ["-p", parent]
    if sign:
        args.insert(1, "-S")
    return git(repo, *args).strip()


@dataclass
class Class:
    bare: Path
    lee: Path
    ana: Path
    keys: dict[str, Path]
    honest: str
    """The server's main after the honest history."""
    before_keys: str
    """An honest commit from before the roster listed signing keys."""
    not_yet: str
    """Ms Lee's 'not yet' decision for Ana."""

    def server(self) -> str:
        return git(self.bare, "rev-parse", "main").strip()

    def push(self, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return run(repo, "push", *args, "origin", "HEAD:refs/heads/main")

    def refused(self, out: subprocess.CompletedProcess[str], *words: str) -> None:
        """The push was refused, said why, and the server kept its honest history."""
        assert out.returncode != 0, out.stderr
        assert "push to refs/heads/main refused" in out.stderr, out.stderr
        for word in words:
            assert word in out.stderr, (word, out.stderr)
        assert self.server() == self.honest
        assert git(self.bare, "cat-file", "-t", self.not_yet).strip() == "commit"


@pytest.fixture
def klass(tmp_path: Path) -> Class:
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    keys: dict[str, Path] = {}
    public: dict[str, str] = {}
    for person in PEOPLE:
        keys[person], public[person] = keygen(keys_dir, person)
    bare, seed = seed_class(tmp_path)
    before_keys = git(seed, "rev-parse", "HEAD").strip()
    # Ms Lee gives everyone a signing key (the first roster has none: unsigned is fine).
    write(seed, "class.toml", with_keys(class_text(), public))
    sign_with(seed, keys["lee"])
    commit_all(seed, "lee: signing keys for everyone")
    assert run(seed, "push", "-q", "origin", "main").returncode == 0
    install_hook(bare)
    lee = clone(bare, tmp_path / "lee", "lee")
    sign_with(lee, keys["lee"])
    ana = clone(bare, tmp_path / "ana", "ana")
    sign_with(ana, keys["ana"])
    add_line(ana, "students/ana/student.toml", "ticks", '"ratios/tape" = 2026-11-20T10:00:00Z')
    commit_all(ana, "ana: ticked ratios/tape")
    assert run(ana, "push", "-q", "origin", "main").returncode == 0
    run(lee, "pull", "-q", "--no-rebase", "origin", "main")
    add_line(lee, "students/ana/teacher.toml", "decisions", NOT_YET)
    not_yet = commit_all(lee, "lee: not yet on RP.1 for ana")
    pushed = run(lee, "push", "origin", "main")
    assert pushed.returncode == 0, pushed.stderr
    assert run(ana, "pull", "-q", "--no-rebase", "origin", "main").returncode == 0
    honest = git(bare, "rev-parse", "main").strip()
    assert audit(ana).ok
    return Class(bare, lee, ana, keys, honest, before_keys, not_yet)


def fetched_by_lee(klass: Class, attack: str) -> list[tuple[str, str, str]]:
    """Put the attack on a plain remote (no hook; as a plain git host would take it), let
    Ms Lee fetch it, and judge it as sync does before merging."""
    lee = klass.lee
    run(lee, "fetch", "-q", "origin")
    plain = klass.bare.parent / "plain.git"
    if not plain.exists():
        subprocess.run(["git", "clone", "-q", "--bare", str(klass.bare), str(plain)],
                       check=True)
    subprocess.run(["git", "-C", str(klass.ana), "push", "-q", "--force", str(plain),
                    f"{attack}:refs/heads/attack"], check=True, capture_output=True)
    git(lee, "fetch", "-q", str(plain), "+refs/heads/attack:refs/remotes/plain/main")
    report = audit_incoming(lee, "HEAD", "refs/remotes/plain/main")
    assert not report.ok and report.summary()
    return [(v.commit, v.file, v.rule) for v in report.violations]


# --------------------------------------------------------------------------- the attacks


def test_honest_work_passes_the_hook_and_incoming(klass: Class) -> None:
    add_line(klass.ana, "students/ana/student.toml", "ticks",
             '"ratios/recipe" = 2026-11-21T12:00:00Z')
    commit_all(klass.ana, "ana: ticked ratios/recipe")
    out = klass.push(klass.ana)
    assert out.returncode == 0, out.stderr
    run(klass.lee, "fetch", "-q", "origin")
    assert audit_incoming(klass.lee, "HEAD", "origin/main").ok


def test_1_orphan_root_and_merge_with_a_forged_roster(klass: Class) -> None:
    ana = klass.ana
    forged_roster = (ana / "class.toml").read_text().replace(
        'emails = ["lee@school.example"]', 'emails = ["lee@school.example", '
        '"ana@students.example"]')
    git(ana, "checkout", "-q", "--orphan", "evil")
    write(ana, "class.toml", forged_roster)
    add_line(ana, "students/ana/teacher.toml", "decisions", MASTERED)
    root = commit_all(ana, "the class, as it should be")
    git(ana, "checkout", "-q", "-f", "main")
    git(ana, "read-tree", "-m", "-u", "HEAD")
    write(ana, "class.toml", forged_roster)
    write(ana, "students/ana/teacher.toml", git(ana, "show", f"{root}:students/ana/teacher.toml"))
    git(ana, "add", "-A")
    merge = commit_tree(ana, "Merge branch 'evil'", "HEAD", root)
    git(ana, "update-ref", "refs/heads/main", merge)
    out = klass.push(ana)
    klass.refused(out, f"{root[:10]}", "a new root commit", f"{merge[:10]}",
                  "students/ana/teacher.toml: this file holds teachers' decisions",
                  "class.toml: only teachers may write class.toml")
    found = fetched_by_lee(klass, merge)
    assert (root, "", "a new root commit (a history that starts anew): the class has one "
            "first commit, and a push or a merge may not bring in another") in found
    assert (merge, "students/ana/teacher.toml",
            "this file holds teachers' decisions: only teachers may write it") in found


def test_2_key_rollback_through_a_merge(klass: Class) -> None:
    ana = klass.ana
    # a merge that brings back the roster from before the keys
    git(ana, "read-tree", "-m", "-u", "HEAD")
    write(ana, "class.toml", git(ana, "show", f"{klass.before_keys}:class.toml"))
    git(ana, "add", "-A")
    merge = commit_tree(ana, "Merge an old version", "HEAD", klass.before_keys)
    git(ana, "update-ref", "refs/heads/main", merge)
    git(ana, "reset", "-q", "--hard", merge)
    # then an unsigned commit in Ms Lee's name
    add_line(ana, "students/ana/teacher.toml", "decisions", MASTERED)
    forged = commit_all(ana, "lee: mastered", "-c", "user.name=Ms Lee", "-c",
                        f"user.email={EMAILS['lee']}", "-c", "commit.gpgsign=false")
    out = klass.push(ana)
    klass.refused(out, f"{merge[:10]}  Ana Souza <ana@students.example>  class.toml: only "
                  "teachers may write class.toml",
                  f"{forged[:10]}  Ms Lee <lee@school.example>  students/ana/teacher.toml: "
                  "Ms Lee has a signing key in the roster, but this commit is not signed")
    found = fetched_by_lee(klass, forged)
    assert (forged, "students/ana/teacher.toml", "Ms Lee has a signing key in the roster, "
            "but this commit is not signed") in found


def test_2b_a_commit_made_on_top_of_the_keyless_roster(klass: Class) -> None:
    """The roster in force is the server's, not the one of the commit's parent."""
    ana = klass.ana
    git(ana, "checkout", "-q", "-b", "old", klass.before_keys)
    add_line(ana, "students/ana/teacher.toml", "decisions", MASTERED)
    forged = commit_all(ana, "lee: mastered", "-c", "user.name=Ms Lee", "-c",
                        f"user.email={EMAILS['lee']}", "-c", "commit.gpgsign=false")
    git(ana, "checkout", "-q", "main")
    git(ana, "merge", "-q", "--no-edit", "old")
    out = klass.push(ana)
    klass.refused(out, f"{forged[:10]}  Ms Lee <lee@school.example>  students/ana/teacher.toml:"
                  " Ms Lee has a signing key in the roster, but this commit is not signed")


@pytest.mark.parametrize("swapped", [False, True], ids=["old-second-parent",
                                                         "old-first-parent"])
def test_3_a_merge_that_reverts_a_teachers_decision(klass: Class, swapped: bool) -> None:
    ana = klass.ana
    older = f"{klass.not_yet}^"
    if swapped:  # git checkout OLD; git merge -s ours main: the old tree, main as parent
        git(ana, "checkout", "-q", "--detach", older)
        git(ana, "merge", "-q", "-s", "ours", "--no-edit", "main")
        merge = git(ana, "rev-parse", "HEAD").strip()
        git(ana, "checkout", "-q", "-B", "main", merge)
    else:  # a merge of an old commit that takes its version of teacher.toml
        git(ana, "rm", "-q", "students/ana/teacher.toml")  # (Lee's decision made the file)
        merge = commit_tree(ana, "Merge an old commit", "HEAD", older)
        git(ana, "reset", "-q", "--hard", merge)
    assert not (ana / "students/ana/teacher.toml").exists()
    out = klass.push(ana)
    klass.refused(out, f"{merge[:10]}  Ana Souza <ana@students.example>  "
                  "students/ana/teacher.toml: this file holds teachers' decisions")
    found = fetched_by_lee(klass, merge)
    assert (merge, "students/ana/teacher.toml",
            "this file holds teachers' decisions: only teachers may write it") in found


def test_4_force_push_and_deletion(klass: Class) -> None:
    ana = klass.ana
    git(ana, "reset", "-q", "--hard", f"{klass.not_yet}^")
    add_line(ana, "students/ana/student.toml", "ticks", '"ratios/recipe" = 2026-11-21T12:00:00Z')
    commit_all(ana, "ana: ticked ratios/recipe")
    out = klass.push(ana, "--force")
    klass.refused(out, "not a fast-forward", "would drop 1 commit(s)")
    deleted = run(ana, "push", "origin", ":refs/heads/main")
    assert deleted.returncode != 0 and "deleting refs/heads/main is refused" in deleted.stderr
    assert klass.server() == klass.honest


@pytest.mark.parametrize("mode", ["120000", "160000"], ids=["symlink", "gitlink"])
def test_5_only_regular_files(klass: Class, mode: str) -> None:
    ana = klass.ana
    if mode == "120000":
        (ana / "students/ana/student.toml").unlink()
        os.symlink("../ben/student.toml", ana / "students/ana/student.toml")
        git(ana, "add", "-A")
        path = "students/ana/student.toml"
    else:
        path = "students/ana/work"
        git(ana, "update-index", "--add", "--cacheinfo", f"160000,{klass.honest},{path}")
    git(ana, "commit", "-q", "-m", "ana: my file")
    made = git(ana, "rev-parse", "HEAD").strip()
    kind = "a symbolic link" if mode == "120000" else "a submodule (gitlink)"
    out = klass.push(ana)
    klass.refused(out, f"{made[:10]}  Ana Souza <ana@students.example>  {path}: {kind} is "
                  "not allowed in the class folder: only regular files")


def test_6_a_roster_change_fetched_from_a_plain_host(klass: Class) -> None:
    """Without a hook, what a teacher fetches is judged by the teacher's own roster."""
    ana = klass.ana
    text = (ana / "class.toml").read_text().replace(
        'emails = ["lee@school.example"]', 'emails = ["lee@school.example", '
        '"ana@students.example"]')
    write(ana, "class.toml", text)
    made = commit_all(ana, "ana: ticked ratios/recipe")
    found = fetched_by_lee(klass, made)
    assert found == [(made, "class.toml", "only teachers may write class.toml")]
    report = audit_incoming(klass.lee, "HEAD", "refs/remotes/plain/main")
    assert report.summary() == (f"{made[:10]}  Ana Souza <ana@students.example>  class.toml: "
                                "only teachers may write class.toml")


def test_7_a_shared_folder_takes_refs_past_any_hook(klass: Class) -> None:
    """What a shared-folder remote cannot protect: whoever can write it writes refs with no
    hook at all. What still holds: each clone judges what it fetches."""
    ana = klass.ana
    add_line(ana, "students/ana/teacher.toml", "decisions", MASTERED)
    made = commit_all(ana, "ana: mastered")
    subprocess.run(["git", "-C", str(ana), "push", "-q", str(klass.bare), "HEAD:refs/heads/x"],
                   env=tool_env(), check=False, capture_output=True)  # the hook refuses...
    objects = git(ana, "rev-parse", "--git-dir").strip()
    # ...but with write access to the folder, the objects and the ref are simply copied in
    subprocess.run(["git", "-C", str(klass.bare), "fetch", "-q",
                    str((ana / objects).resolve()), f"{made}:refs/heads/main"],
                   check=True, capture_output=True)
    assert klass.server() == made  # the hook never ran
    run(klass.lee, "fetch", "-q", "origin")
    report = audit_incoming(klass.lee, "HEAD", "origin/main")
    assert [(v.commit, v.file) for v in report.violations] == [
        (made, "students/ana/teacher.toml")]


def test_a_new_branch_and_the_first_push(klass: Class, tmp_path: Path) -> None:
    """A new ref is judged by the default branch's roster; an empty remote takes only a
    history with one root whose first commit is a teacher's."""
    ana = klass.ana
    git(ana, "checkout", "-q", "--orphan", "mine")
    write(ana, "class.toml", (ana / "class.toml").read_text())
    root = commit_all(ana, "a class of my own")
    out = run(ana, "push", "origin", "mine")
    assert out.returncode != 0 and f"{root[:10]}" in out.stderr
    assert "a new root commit" in out.stderr
    report = audit_push(klass.bare, ZERO, klass.honest, "refs/heads/copy")
    assert report.ok
    empty = tmp_path / "empty.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(empty)], check=True)
    install_hook(empty)
    first = run(ana, "push", str(empty), "mine:refs/heads/main")
    assert first.returncode != 0
    assert "the first commit of a class must be made by a teacher" in first.stderr
    assert run(klass.lee, "push", str(empty), "main").returncode == 0


def test_a_teachers_roster_change_counts_from_then_on(klass: Class) -> None:
    """A roster change made (and signed) by a teacher inside the pushed range is in force
    for the commits after it; one made by a student never is."""
    lee = klass.lee
    run(lee, "pull", "-q", "--no-rebase", "origin", "main")
    text = (lee / "class.toml").read_text().replace(
        'emails = ["cy@students.example"]', 'emails = ["cy@students.example", "cy@home.example"]')
    write(lee, "class.toml", text)
    commit_all(lee, "lee: another email for cy")
    add_line(lee, "students/cy/student.toml", "ticks", '"ratios/tape" = 2026-11-22T09:00:00Z')
    commit_all(lee, "cy: ticked", "-c", "user.name=Cy Park", "-c", "user.email=cy@home.example",
               "-c", f"user.signingkey={klass.keys['cy']}")
    out = run(lee, "push", "origin", "main")
    assert out.returncode == 0, out.stderr
    assert audit(lee).ok
    assert NAMES["cy"] == "Cy Park"
    identify(lee, "lee")


# --------------------------------------------------------------------------- sync (attack 6)


def test_6_sync_does_not_merge_what_breaks_the_rules(klass: Class) -> None:
    """A plain host (no hook) takes a student's commit adding her email to Ms Lee's entry;
    Ms Lee's sync fetches it, refuses to merge it, keeps her own work, and says which
    commit, who and what rule."""
    from playlist_tui.store.gitrepo import GitRepo

    git(klass.bare, "config", "core.hooksPath", "/dev/null")  # a plain host: no hook
    ana = klass.ana
    write(ana, "class.toml", (ana / "class.toml").read_text().replace(
        'emails = ["lee@school.example"]', 'emails = ["lee@school.example", '
        '"ana@students.example"]'))
    bad = commit_all(ana, "ana: ticked ratios/recipe")
    assert klass.push(ana).returncode == 0
    lee = klass.lee
    run(lee, "pull", "-q", "--no-rebase", "origin", f"{klass.honest}")
    add_line(lee, "students/ben/teacher.toml", "decisions", MASTERED.replace("ana", "ben"))
    mine = commit_all(lee, "lee: mastered for ben")
    result = GitRepo(lee).sync()
    assert not result.ok
    assert bad[:10] in result.message and "Ana Souza" in result.message
    assert "only teachers may write class.toml" in result.message
    assert git(lee, "rev-parse", "HEAD").strip() == mine  # nothing merged, nothing lost
    assert '"lee@school.example", "ana@students.example"' not in (lee / "class.toml").read_text()
