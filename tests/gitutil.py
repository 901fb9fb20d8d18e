"""Helpers for the git tests: a bare remote and clones of the small class."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from playlist_tui.store.gitrepo import GitRepo
from tests.conftest import SMALL, git

ROOT = Path(__file__).resolve().parent.parent

EMAILS = {
    "lee": "lee@school.example",
    "kim": "kim@school.example",
    "ana": "ana@students.example",
    "ben": "ben@students.example",
    "cy": "cy@students.example",
}

SEED_DATE = "2026-11-01T08:00:00+0000"

SECOND_TEACHER = '''
[[teachers]]
id = "kim"
name = "Mr Kim"
emails = ["kim@school.example"]
'''


def class_text(extra_people: str = "") -> str:
    """The small class's class.toml with a second teacher and an email for everyone."""
    text = (SMALL / "class.toml").read_text()
    text = text.replace('name = "Ben Okafor"\n',
                        'name = "Ben Okafor"\nemails = ["ben@students.example"]\n')
    text = text.replace('name = "Cy Park"\n',
                        'name = "Cy Park"\nemails = ["cy@students.example"]\n')
    marker = "\n[[students]]\nid = \"ana\""
    return text.replace(marker, SECOND_TEACHER + extra_people + marker, 1)


def identify(repo: Path, person: str, device: str = "") -> None:
    name = {"lee": "Ms Lee", "kim": "Mr Kim", "ana": "Ana Souza", "ben": "Ben Okafor",
            "cy": "Cy Park"}[person]
    git(repo, "config", "user.name", name + (f" ({device})" if device else ""))
    git(repo, "config", "user.email", EMAILS[person])
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "config", "gc.auto", "0")


def seed_class(tmp_path: Path, extra_people: str = "") -> tuple[Path, Path]:
    """A bare remote holding the small class (first commit by Ms Lee), and the seed clone."""
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    git(bare, "config", "receive.autogc", "false")
    seed = tmp_path / "seed"
    shutil.copytree(SMALL, seed)
    (seed / "class.toml").write_text(class_text(extra_people))
    git(seed, "init", "-q", "-b", "main")
    identify(seed, "lee")
    GitRepo(seed).setup()
    git(seed, "add", "-A")
    subprocess.run(["git", "-C", str(seed), "commit", "-q", "-m", "lee: the class"],
                   check=True, env={**os.environ, "GIT_AUTHOR_DATE": SEED_DATE,
                                    "GIT_COMMITTER_DATE": SEED_DATE})
    git(seed, "remote", "add", "origin", str(bare))
    git(seed, "push", "-q", "-u", "origin", "main")
    return bare, seed


def clone(bare: Path, dest: Path, person: str, device: str = "") -> Path:
    subprocess.run(["git", "clone", "-q", str(bare), str(dest)], check=True,
                   env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    identify(dest, person, device)
    GitRepo(dest).setup()
    return dest


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def snapshot(repo: Path) -> dict[str, bytes]:
    """Every file of the working tree (not .git), for 'nothing changed' checks."""
    out = {}
    for path in sorted(repo.rglob("*")):
        if ".git" in path.relative_to(repo).parts or not path.is_file():
            continue
        out[str(path.relative_to(repo))] = path.read_bytes()
    return out
