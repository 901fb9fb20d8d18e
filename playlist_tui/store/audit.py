"""Who wrote what: check a range of commits against the one-writer-per-file rule.

For every commit, each changed file must have been written by someone allowed to
(:func:`playlist_tui.store.layout.writer_of`): a student only their own
``students/ID/student.toml``; teachers the curriculum, ``class.toml``, every
``students/ID/teacher.toml`` and files that are not class files.

People are recognised through the roster in ``class.toml`` **as it was before the
commit** (so nobody can make themself a teacher and be judged by that): by the commit
author's email (``emails``) and, when the roster gives a person a ``signing_key`` (an SSH
public key), by the commit's SSH signature. A person with a key must sign their commits
with it; a commit signed with one person's key but authored in someone else's name is
reported. Signatures are checked by git itself against an allowed-signers file generated
from the roster (``.git/playlist-tui/allowed_signers``).

A merge commit is judged only on the files it made different from all of its parents
(what the person merging wrote, e.g. two versions of their own file merged); the rest
is judged in the commits that brought it in. The first commit of a history (which
creates the class) must be made by a teacher.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from playlist_tui.model import tomlparse
from playlist_tui.store import layout
from playlist_tui.store.gitcmd import (
    BlobReader,
    GitError,
    check_revs,
    log_format,
    parse_log,
    run_git,
)
from playlist_tui.store.gitrepo import GitRepo

SIGNERS_FILE = "allowed_signers"

Role = Literal["teacher", "student"]


class AuditError(Exception):
    """The audit could not run (not a repository, an unknown revision): a usage error."""


# --------------------------------------------------------------------------- the roster


def key_fingerprint(key: str) -> str | None:
    """``SHA256:...`` of an SSH public key line (``ssh-ed25519 AAAA... comment``)."""
    parts = key.split()
    if len(parts) < 2 or not parts[0].startswith(("ssh-", "ecdsa-", "sk-")):
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


@dataclass(frozen=True)
class RosterPerson:
    id: str
    name: str
    role: Role
    emails: tuple[str, ...] = ()
    signing_key: str | None = None

    @property
    def fingerprint(self) -> str | None:
        return key_fingerprint(self.signing_key) if self.signing_key else None


@dataclass(frozen=True)
class Roster:
    people: tuple[RosterPerson, ...] = ()

    def by_email(self, email: str) -> RosterPerson | None:
        wanted = email.strip().lower()
        if not wanted:
            return None
        for person in self.people:
            if wanted in (e.lower() for e in person.emails):
                return person
        return None

    def by_fingerprint(self, fingerprint: str) -> RosterPerson | None:
        if not fingerprint:
            return None
        for person in self.people:
            if person.fingerprint == fingerprint:
                return person
        return None

    def name(self, person_id: str) -> str:
        for person in self.people:
            if person.id == person_id:
                return person.name
        return person_id


def parse_roster(raw: bytes | None) -> Roster:
    """The people of a ``class.toml`` (read leniently: a broken roster knows nobody)."""
    try:
        data: dict[str, Any] = tomlparse.loads((raw or b"").decode("utf-8").removeprefix("\ufeff"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Roster()
    people: list[RosterPerson] = []
    for kind, role in (("teachers", "teacher"), ("students", "student")):
        entries = data.get(kind, [])
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            emails = entry.get("emails", [])
            key = entry.get("signing_key")
            people.append(RosterPerson(
                entry["id"], str(entry.get("name", entry["id"])),
                "teacher" if role == "teacher" else "student",
                tuple(str(e) for e in emails) if isinstance(emails, list) else (),
                key.strip() if isinstance(key, str) and key.strip() else None))
    return Roster(tuple(people))


def allowed_signers_text(people: list[RosterPerson]) -> str:
    """The allowed-signers file git checks SSH signatures against: one line per key."""
    lines = []
    seen: set[tuple[str, str]] = set()
    for person in people:
        if person.signing_key is None or person.fingerprint is None:
            continue
        key = " ".join(person.signing_key.split()[:2])
        if (person.id, key) not in seen:
            seen.add((person.id, key))
            lines.append(f'{person.id} namespaces="git" {key}')
    return "".join(line + "\n" for line in lines)


def write_allowed_signers(repo: GitRepo, people: list[RosterPerson]) -> Path:
    folder = repo.state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SIGNERS_FILE
    path.write_text(allowed_signers_text(people), encoding="utf-8")
    return path


def current_roster(repo: GitRepo) -> Roster:
    """The roster of the working tree (or of HEAD in a bare repository)."""
    try:
        return parse_roster((repo.root / layout.CLASS_FILE).read_bytes())
    except OSError:
        with BlobReader(repo.root) as reader:
            found = reader.read(f"HEAD:{repo.prefix}{layout.CLASS_FILE}")
        return parse_roster(found[1] if found else None)


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Violation:
    commit: str
    author: str
    """``Name <email>`` as the commit says."""
    file: str
    rule: str

    def line(self) -> str:
        return f"{self.commit[:10]}  {self.author}  {self.file}: {self.rule}"


@dataclass
class AuditReport:
    commits: int = 0
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things worth knowing that are not violations (e.g. an unreadable key)."""

    @property
    def ok(self) -> bool:
        return not self.violations


def why_not_allowed(person: RosterPerson, path: str, roster: Roster) -> str | None:
    """Why ``person`` may not write ``path`` (None: allowed)."""
    who = layout.writer_of(path)
    if person.role == "teacher":
        if who is not None and who[0] == layout.Writer.STUDENT:
            return (f"only {roster.name(str(who[1]))} may write their own file; teachers' "
                    f"decisions go in {layout.teacher_file(str(who[1]))}")
        return None
    own = layout.student_file(person.id)
    if who is None:
        return f"a student may write only their own {own}"
    if who[0] == layout.Writer.TEACHERS:
        if path.endswith("/" + layout.TEACHER_FILE):
            return "this file holds teachers' decisions: only teachers may write it"
        return f"only teachers may write {path}"
    if who[1] != person.id:
        return (f"{person.name} wrote {roster.name(str(who[1]))}'s file: a student may write "
                f"only their own {own}")
    return None


_SIGNATURE_WORDS = {
    "N": "is not signed", "B": "has a bad signature",
    "U": "is signed with a key that is not in the roster",
    "E": "has a signature that cannot be checked",
    "X": "has an expired signature", "Y": "is signed with an expired key",
    "R": "is signed with a revoked key",
}


def _identity(author: RosterPerson | None, signer: RosterPerson | None, status: str
              ) -> list[str]:
    if signer is not None and author is not None and signer.id != author.id:
        return [f"signed with {signer.name}'s key, but the author claims to be {author.name}"]
    if author is not None and author.signing_key and signer is None:
        words = _SIGNATURE_WORDS.get(status, "is not signed with their key")
        if status == "G":
            words = "is signed with a key that is not theirs"
        return [f"{author.name} has a signing key in the roster, but this commit {words}"]
    return []


# --------------------------------------------------------------------------- the audit


def audit(root: Path | str, since: str | None = None, until: str = "HEAD") -> AuditReport:
    """Check every commit in ``since..until`` (all of ``until``'s history without
    ``since``). Raises AuditError when the range cannot be read."""
    repo = GitRepo(root)
    if not repo.is_repo():
        raise AuditError(f"{root} is not a git repository")
    revs = [until] + ([f"^{since}"] if since else [])
    try:
        check_revs([until, *([since] if since else [])])
        for rev in [until, *([since] if since else [])]:
            run_git(repo.root, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}")
    except GitError as exc:
        bad = until if since is None else f"{since} or {until}"
        raise AuditError(f"unknown revision: {bad}") from exc
    report = AuditReport()
    listing = run_git(repo.root, "rev-list", "--parents", *revs, "--").stdout.split("\n")
    parents: dict[str, list[str]] = {}
    for line in listing:
        if line.strip():
            sha, *rest = line.split()
            parents[sha] = rest
    if not parents:
        return report
    report.commits = len(parents)

    # The roster each commit is judged by: class.toml as of its first parent.
    prefix = repo.prefix
    rosters: dict[str, Roster] = {}
    by_blob: dict[str, Roster] = {}
    with BlobReader(repo.root) as reader:
        for sha, ps in parents.items():
            blob = reader.oid(f"{ps[0] if ps else sha}:{prefix}{layout.CLASS_FILE}")
            if blob is None:
                rosters[sha] = Roster()
                continue
            if blob not in by_blob:
                found = reader.read(blob)
                by_blob[blob] = parse_roster(found[1] if found else None)
            rosters[sha] = by_blob[blob]
    everyone = [p for r in [*by_blob.values(), current_roster(repo)] for p in r.people]
    for person in everyone:
        if person.signing_key and person.fingerprint is None:
            note = f"the signing_key of {person.id} in class.toml is not an SSH public key"
            if note not in report.notes:
                report.notes.append(note)
    signing = any(p.fingerprint for p in everyone)
    config: list[str] = []
    fields = ["%H", "%an", "%ae"]
    if signing:
        signers = write_allowed_signers(repo, everyone)
        config = ["gpg.format=ssh", f"gpg.ssh.allowedSignersFile={signers}"]
        fields += ["%G?", "%GK"]
    out = run_git(repo.root, "log", "-c", "--raw", "--root", "--no-renames", "--relative", "-z",
                  "--no-abbrev", log_format(fields), *revs, "--", ".", config=config)
    for commit in parse_log(out.stdout, len(fields)):
        sha, name, email = commit.fields[:3]
        status, key = (commit.fields[3], commit.fields[4]) if signing else ("N", "")
        roster = rosters.get(sha, Roster())
        author = roster.by_email(email)
        signer = roster.by_fingerprint(key) if status == "G" else None
        who = f"{name} <{email}>"
        files = sorted({c.path for c in commit.changes})
        identity = _identity(author, signer, status)
        writer = signer or author
        root_commit = not parents.get(sha)
        for path in files:
            for problem in identity:
                report.violations.append(Violation(sha, who, path, problem))
            if writer is None:
                report.violations.append(Violation(
                    sha, who, path, f"the author {email or name} is not in the roster "
                    "(no matching email or signing key in class.toml)"))
                continue
            if root_commit:
                if writer.role != "teacher":
                    report.violations.append(Violation(
                        sha, who, path, "the first commit of a class must be made by a "
                        "teacher"))
                continue
            rule = why_not_allowed(writer, path, roster)
            if rule is not None:
                report.violations.append(Violation(sha, who, path, rule))
    return report
