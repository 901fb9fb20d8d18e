"""Who wrote what: judge commits by rules they cannot change themselves.

Every commit must change only files its writer may write
(:func:`playlist_tui.store.layout.writer_of`): a student only their own
``students/ID/student.toml``; teachers the curriculum, ``class.toml``, every
``students/ID/teacher.toml`` and files that are not class files. Only regular files
(modes 100644 and 100755) may be in the class folder: a symbolic link or a submodule is
refused whoever commits it.

**Where the rules come from.** A range of commits ``old..new`` is judged against the
roster (``class.toml``: who is a teacher or a student, their emails and signing keys) of
``old``, the side the receiver already has and trusts: a server's branch before a push,
a clone's HEAD before a sync merges what it fetched. Never by a commit's own tree. The
roster in force advances along each first-parent chain, in order, and only through
commits that were themselves allowed: a roster change counts once a teacher made it
(signed, when the roster in force gives them a key). A history with nothing trusted
(``audit`` without ``--since``) starts from its first commit, which must be a teacher's
by its own roster; it is the only root allowed. With a trusted ``old``, a root commit that
``old`` does not have is refused, and (for a push) so is ``new`` not descending from
``old`` (a force push).

**Merges** are judged by their diff against their first parent, as the work of the
merge's author and signer, except what the merged side already brings: for each file the
merge changes, if exactly one side changed it since the merge base and the merge took
that side's version, the change is the work of the commits on that side, each judged on
its own (and refused there if it breaks a rule). Anything else (a version that is in no
parent, a side's change dropped, an old version brought back, files from an unrelated
history) is the merger's own work. So an honest ``sync`` merge of other people's work
passes, and a merge that reverts a teacher's decision or rolls back the roster does not.

People are recognised by the commit author's email (``emails``) and, when the roster in
force gives a person a ``signing_key`` (an SSH public key), by the commit's SSH
signature: a person with a key must sign with it; a commit signed with one person's key
but authored in someone else's name is reported and judged as the signer's. Signatures
are checked by git itself against an allowed-signers file generated from the rosters
(``.git/playlist-tui/allowed_signers``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from playlist_tui.model import tomlparse
from playlist_tui.model.ids import id_error
from playlist_tui.store import layout
from playlist_tui.store.gitcmd import (
    BlobReader,
    GitError,
    check_revs,
    git_env,
    is_zero,
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
        where = f"  {self.file}" if self.file else ""
        return f"{self.commit[:10]}  {self.author}{where}: {self.rule}"


@dataclass
class AuditReport:
    commits: int = 0
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things worth knowing that are not violations (e.g. an unreadable key)."""

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def refused(self) -> list[str]:
        """The commits with a violation, in the order they were judged."""
        return list(dict.fromkeys(v.commit for v in self.violations))

    def summary(self) -> str:
        """One line for a status bar or a refusal: the first violation, and how many
        more (empty when there are none)."""
        if not self.violations:
            return ""
        first = self.violations[0].line()
        more = len(self.violations) - 1
        return first + (f" (and {more} more: 'playlist-tui audit')" if more else "")


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


# --------------------------------------------------------------------------- reading git

REGULAR_MODES = frozenset({"100644", "100755"})
_MODE_WORDS = {"120000": "a symbolic link", "160000": "a submodule (gitlink)"}

Value = tuple[str, str] | None
"""A file as one commit has it: (mode, object id); None when the commit has no such file."""


def _oid(value: Value) -> str | None:
    return value[1] if value else None


@dataclass
class _Commit:
    sha: str
    parents: list[str]
    name: str = ""
    email: str = ""
    status: str = "N"
    key: str = ""
    diffs: list[dict[str, tuple[Value, Value]]] = field(default_factory=list)
    """Per parent (one entry against the empty tree for a root): class-folder path ->
    (the parent's version, this commit's version), for every file that differs."""

    @property
    def who(self) -> str:
        return f"{self.name} <{self.email}>"


def _value(mode: str, oid: str) -> Value:
    return None if not mode.strip("0") else (mode, oid)


def _read_diffs(repo: GitRepo, commits: dict[str, _Commit], order: list[str]) -> None:
    """Fill ``diffs`` of every commit with one ``git diff-tree --stdin`` (a line per
    commit, or per merge and parent: ``M Pk`` compares Pk with M)."""
    requests: list[tuple[str, int]] = []
    lines: list[str] = []
    for sha in order:
        parents = commits[sha].parents
        if len(parents) <= 1:
            requests.append((sha, 0))
            lines.append(sha)
        else:
            for index, parent in enumerate(parents):
                requests.append((sha, index))
                lines.append(f"{sha} {parent}")
        commits[sha].diffs = [{} for _ in range(max(1, len(parents)))]
    if not lines:
        return
    out = run_git(repo.root, "diff-tree", "--stdin", "--always", "--root", "-m", "-r", "-z",
                  "--raw", "--no-renames", "--no-abbrev", input="\n".join(lines) + "\n")
    prefix = repo.prefix
    record = -1
    meta: str | None = None
    for token in out.stdout.split("\0"):
        if meta is not None:
            items = meta.lstrip(":").split()
            meta = None
            if record < 0 or len(items) < 5 or not token.startswith(prefix):
                continue
            sha, index = requests[record]
            commits[sha].diffs[index][token[len(prefix):]] = (
                _value(items[0], items[2]), _value(items[1], items[3]))
            continue
        token = token.strip("\n")
        if token.startswith(":"):
            meta = token
        elif token:
            record += 1  # the header of the next request: the commit's id
            if record >= len(requests) or requests[record][0] != token:
                raise GitError("git diff-tree answered out of order")


def _merge_bases(repo: GitRepo, one: str, other: str) -> list[str]:
    out = run_git(repo.root, "merge-base", "--all", one, other, check=False)
    return out.stdout.split() if out.ok else []


# --------------------------------------------------------------------------- the audit


@dataclass
class _Judge:
    """Judges the commits of ``old..new`` in order (parents first)."""

    repo: GitRepo
    trusted: Roster
    commits: dict[str, _Commit]
    reader: BlobReader
    report: AuditReport
    after: dict[str, Roster] = field(default_factory=dict)
    """The roster in force after each judged commit."""
    rosters: dict[str | None, Roster] = field(default_factory=dict)
    student: str | None = None
    """A student's own repository (privacy mode): only ``students/ID/`` belongs in it,
    the roster is the class repository's (``trusted``) and never changes here, and its
    first commit may be the student's own."""

    def roster_of_blob(self, oid: str | None) -> Roster:
        if oid not in self.rosters:
            found = self.reader.read(oid) if oid else None
            self.rosters[oid] = parse_roster(found[1] if found else None)
        return self.rosters[oid]

    def after_of(self, sha: str) -> Roster:
        """The roster in force after a commit: the trusted roster for what the receiver
        already has (it never goes back to an older one)."""
        return self.after.get(sha, self.trusted)

    def add(self, commit: _Commit, file: str, rule: str) -> None:
        self.report.violations.append(Violation(commit.sha, commit.who, file, rule))

    def judge(self, commit: _Commit, roster: Roster, own: dict[str, Value],
              first: bool = False) -> bool:
        """Judge ``own`` (path -> the commit's version) as the work of the commit's author
        and signer under ``roster``. True when allowed."""
        before = len(self.report.violations)
        author = roster.by_email(commit.email)
        signer = roster.by_fingerprint(commit.key) if commit.status == "G" else None
        identity = _identity(author, signer, commit.status)
        writer = signer or author
        if first and self.student is not None:
            for problem in identity:
                self.add(commit, "", problem)
            if writer is None or (writer.role != "teacher" and writer.id != self.student):
                self.add(commit, "", f"the first commit of {roster.name(self.student)}'s "
                         "repository must be made by a teacher or by that student")
        elif first:
            for problem in identity:
                self.add(commit, "", problem)
            if writer is None or writer.role != "teacher":
                self.add(commit, "", "the first commit of a class must be made by a teacher "
                         "(of the roster it creates)")
        for path in sorted(own):
            value = own[path]
            if value is not None and value[0] not in REGULAR_MODES:
                kind = _MODE_WORDS.get(value[0], f"a file of mode {value[0]}")
                self.add(commit, path, f"{kind} is not allowed in the class folder: only "
                         "regular files")
            if self.student is not None and not path.startswith(
                    f"{layout.STUDENTS_DIR}/{self.student}/"):
                self.add(commit, path, f"this is {roster.name(self.student)}'s own "
                         f"repository: only the files of {layout.STUDENTS_DIR}/"
                         f"{self.student}/ belong in it")
                continue
            if first:
                continue
            for problem in identity:
                self.add(commit, path, problem)
            if writer is None:
                self.add(commit, path, f"the author {commit.email or commit.name} is not in "
                         "the roster (no matching email or signing key in class.toml)")
                continue
            rule = why_not_allowed(writer, path, roster)
            if rule is not None:
                self.add(commit, path, rule)
        return len(self.report.violations) == before

    def merge_parts(self, commit: _Commit) -> tuple[dict[str, Value], dict[str, int]]:
        """Split what a merge changes: the merger's own work (path -> merged version),
        and the files taken cleanly from one side (path -> that parent's index)."""
        own: dict[str, Value] = {}
        taken: dict[str, int] = {}
        paths = sorted({p for diff in commit.diffs for p in diff})
        if not paths:
            return own, taken
        bases: set[str] = set()
        for parent in commit.parents[1:]:
            bases.update(_merge_bases(self.repo, commit.parents[0], parent))
        prefix = self.repo.prefix
        for path in paths:
            merged: Value = None
            versions: list[str | None] = []
            for diff in commit.diffs:
                if path in diff:
                    merged = diff[path][1]
            for diff in commit.diffs:
                versions.append(_oid(diff[path][0]) if path in diff else _oid(merged))
            base = {self.reader.oid(f"{b}:{prefix}{path}") for b in bases} or {None}
            changed = {v for v in versions if v not in base}
            if len(changed) == 1 and _oid(merged) in changed:
                taken[path] = versions.index(_oid(merged))
            else:
                own[path] = merged
        return own, taken

    def run(self, order: list[str], first_root: str | None) -> None:
        class_file = layout.CLASS_FILE
        for sha in order:
            commit = self.commits[sha]
            if not commit.parents:
                if sha != first_root:
                    self.add(commit, "", "a new root commit (a history that starts anew): "
                             "the class has one first commit, and a push or a merge may not "
                             "bring in another")
                    self.after[sha] = self.trusted
                    continue
                own = {p: new for p, (_, new) in commit.diffs[0].items()}
                if self.student is not None:  # the roster comes from the class repository
                    self.judge(commit, self.trusted, own, first=True)
                    self.after[sha] = self.trusted
                    continue
                roster = self.roster_of_blob(_oid(own.get(class_file)))
                self.judge(commit, roster, own, first=True)
                self.after[sha] = roster
                continue
            roster = self.after_of(commit.parents[0])
            if len(commit.parents) == 1:
                own = {p: new for p, (_, new) in commit.diffs[0].items()}
                allowed = self.judge(commit, roster, own)
                if allowed and class_file in own:
                    self.after[sha] = self.roster_of_blob(_oid(own[class_file]))
                else:
                    self.after[sha] = roster
                continue
            own, taken = self.merge_parts(commit)
            allowed = self.judge(commit, roster, own)
            if class_file in own and allowed:
                self.after[sha] = self.roster_of_blob(_oid(own[class_file]))
            elif class_file in taken:
                self.after[sha] = self.after_of(commit.parents[taken[class_file]])
            else:
                self.after[sha] = roster


def _resolve(repo: GitRepo, rev: str) -> str:
    check_revs([rev])
    out = run_git(repo.root, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
    if not out.ok or not out.stdout.strip():
        raise AuditError(f"unknown revision: {rev}")
    return out.stdout.strip()


def _signing_config(repo: GitRepo, rosters: list[Roster], report: AuditReport
                    ) -> tuple[list[str], Path | None]:
    everyone = [p for r in rosters for p in r.people]
    for person in everyone:
        if person.signing_key and person.fingerprint is None:
            note = f"the signing_key of {person.id} in class.toml is not an SSH public key"
            if note not in report.notes:
                report.notes.append(note)
    if not any(p.fingerprint for p in everyone):
        return [], None
    write_allowed_signers(repo, everyone)  # for 'git log --show-signature' (section 6)
    folder = repo.state_dir()
    handle, name = tempfile.mkstemp(prefix="signers-", dir=folder)  # this run's own copy
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(allowed_signers_text(everyone))
    return ["gpg.format=ssh", f"gpg.ssh.allowedSignersFile={name}"], Path(name)


def audit_range(root: Path | str, old: str | None, new: str, *, fast_forward: bool = True,
                student: tuple[str, Roster] | None = None) -> AuditReport:
    """Judge every commit of ``new`` that ``old`` does not have, by the rules of ``old``.

    ``old`` is the trusted side (None: nothing is trusted, the whole history of ``new`` is
    judged from its first commit, the only root allowed). With ``fast_forward``, ``new``
    not containing ``old`` is itself a violation (an update that would drop commits).
    ``student``: (id, the class repository's roster) for a student's own repository of
    privacy mode, which holds no roster: every commit is judged by that roster, and a file
    outside ``students/ID/`` is refused.
    Raises AuditError when a revision cannot be read."""
    repo = GitRepo(root)
    if not repo.is_repo():
        raise AuditError(f"{root} is not a git repository")
    try:
        new_sha = _resolve(repo, new)
        old_sha = _resolve(repo, old) if old else None
    except GitError as exc:
        raise AuditError(f"unknown revision: {exc}") from exc
    report = AuditReport()
    listing = run_git(repo.root, "rev-list", "--parents", "--topo-order", "--reverse",
                      new_sha, *([f"^{old_sha}"] if old_sha else []), "--").stdout
    commits: dict[str, _Commit] = {}
    order: list[str] = []
    for line in listing.split("\n"):
        if line.strip():
            sha, *parents = line.split()
            commits[sha] = _Commit(sha, parents)
            order.append(sha)
    report.commits = len(order)
    prefix = repo.prefix
    with BlobReader(repo.root) as reader:
        if old_sha is not None:
            trusted_blob = reader.oid(f"{old_sha}:{prefix}{layout.CLASS_FILE}")
            first_root = None
        else:
            first_root = new_sha  # the root reached by first parents
            while commits.get(first_root) and commits[first_root].parents:
                first_root = commits[first_root].parents[0]
            trusted_blob = reader.oid(f"{first_root}:{prefix}{layout.CLASS_FILE}")
        judge = _Judge(repo, Roster(), commits, reader, report)
        if student is not None:
            judge.student, judge.trusted = student
        else:
            judge.trusted = judge.roster_of_blob(trusted_blob)
        if old_sha is not None and fast_forward:
            ancestor = run_git(repo.root, "merge-base", "--is-ancestor", old_sha, new_sha,
                               check=False)
            if not ancestor.ok:
                lost = run_git(repo.root, "rev-list", "--count", old_sha, f"^{new_sha}"
                               ).stdout.strip()
                head = commits.get(new_sha) or _Commit(new_sha, [])
                judge.add(head, "", f"not a fast-forward: {new_sha[:10]} does not contain "
                          f"{old_sha[:10]}, so this update would drop {lost} commit(s) of the "
                          "branch (a force push or a rewritten history)")
        if not order:
            return report
        blobs = {reader.oid(f"{sha}:{prefix}{layout.CLASS_FILE}") for sha in order}
        rosters = [judge.trusted, *(judge.roster_of_blob(b) for b in sorted(
            b for b in blobs if b) if student is None)]
        if old_sha is None and student is None:
            rosters.append(current_roster(repo))
        config, signers = _signing_config(repo, rosters, report)
        try:
            fields = ["%H", "%an", "%ae"] + (["%G?", "%GK"] if config else [])
            out = run_git(repo.root, "log", "-z", log_format(fields), new_sha,
                          *([f"^{old_sha}"] if old_sha else []), "--", config=config)
        finally:
            if signers is not None:
                signers.unlink(missing_ok=True)
        for entry in parse_log(out.stdout, len(fields)):
            found = commits.get(entry.fields[0])
            if found is None:
                continue
            found.name, found.email = entry.fields[1], entry.fields[2]
            if config:
                found.status, found.key = entry.fields[3], entry.fields[4]
        _read_diffs(repo, commits, order)
        judge.run(order, first_root)
    return report


def audit(root: Path | str, since: str | None = None, until: str = "HEAD") -> AuditReport:
    """Check every commit in ``since..until`` by the rules of ``since`` (without
    ``since``: the whole history of ``until``, from its first commit). ``until`` must
    contain ``since``. Raises AuditError when the range cannot be read."""
    return audit_range(root, since, until, fast_forward=True)


def audit_incoming(root: Path | str, old: str, new: str) -> AuditReport:
    """For ``sync``, before it merges: judge the fetched commits (those of ``new``, the
    fetched remote branch, that ``old`` does not have) by the rules of ``old`` (this
    clone's HEAD, which it trusts). ``new`` need not contain ``old`` (this clone's own
    commits are not on the remote yet). ``report.ok`` says whether merging is safe;
    ``report.summary()`` is one line naming the first bad commit, who, the file and the
    rule. Raises AuditError (unknown revision, not a repository)."""
    return audit_range(root, old, new, fast_forward=False)


def audit_push(root: Path | str, old: str, new: str, ref: str, pusher: str | None = None
               ) -> AuditReport:
    """For the server's pre-receive hook: one ref update as git gives it (``old`` all
    zeros: a new ref; ``new`` all zeros: a deletion). A deletion is refused; a new ref is
    judged by the rules of the repository's default branch (HEAD) when it has one, else
    (the first push of a class) from its first commit; an update must be a fast-forward
    and is judged by the rules of ``old``. ``pusher``: who pushes, as a server with access
    control authenticated them (gitolite's ``GL_USER``): a teacher's first push into an
    empty repository is then taken as it is (see :func:`_moving_in`)."""
    repo = GitRepo(root)
    report = AuditReport()
    if pusher is not None and is_zero(old) and not is_zero(new) \
            and _default_branch(root) is None:
        check_revs([new])
        with BlobReader(repo.root) as reader:
            found = reader.read(f"{new}:{layout.CLASS_FILE}")
        if _moving_in(report, pusher, parse_roster(found[1] if found else None)):
            return report
    if is_zero(new):
        report.violations.append(Violation(old, "(the push)", "", f"deleting {ref} is "
                                           "refused: a class keeps its history"))
        return report
    if not is_zero(old):
        return audit_range(root, old, new, fast_forward=True)
    out = run_git(repo.root, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False) \
        if repo.is_repo() else None
    default = out.stdout.strip() if out is not None and out.ok else None
    return audit_range(root, default, new, fast_forward=False)


def roster_at(repository: Path | str, rev: str = "HEAD") -> Roster:
    """The roster of ``rev`` in a class repository (a clone or a bare repository on a
    server): the trusted roster for a student's own repository, which holds none.
    Raises AuditError when it cannot be read."""
    root = Path(repository)
    if not root.is_dir():
        raise AuditError(f"{repository} is not a folder")
    check_revs([rev])
    # Another repository than the one a hook runs in: git's quarantine of the pushed
    # objects (GIT_OBJECT_DIRECTORY...) belongs to that one, not to this.
    env = {k: v for k, v in git_env().items() if k not in (
        "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH",
        "GIT_DIR", "GIT_WORK_TREE")}
    try:
        out = subprocess.run(["git", "-C", str(root), "cat-file", "blob",
                              f"{rev}:{layout.CLASS_FILE}"], capture_output=True, env=env,
                             timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AuditError(f"cannot read the roster of {repository}: {exc}") from exc
    if out.returncode != 0:
        raise AuditError(f"{repository} has no {layout.CLASS_FILE} at {rev}: give the class "
                         "repository")
    return parse_roster(out.stdout)


def audit_student(root: Path | str, student: str, roster: Roster, old: str | None,
                  new: str, *, fast_forward: bool = True) -> AuditReport:
    """Judge the commits of ``old..new`` in ``student``'s own repository (privacy mode)
    by ``roster``, the class repository's (see :func:`roster_at`): the student may write
    only their ``student.toml``, teachers only ``teacher.toml``, nothing else belongs
    there. Run it with the student repository selected (``gitcmd.repository``) when its
    git folder is not found from ``root``."""
    if id_error(student) is not None:
        raise AuditError(f"not a student id: {student!r}")
    return audit_range(root, old, new, fast_forward=fast_forward, student=(student, roster))


def _default_branch(root: Path | str) -> str | None:
    repo = GitRepo(root)
    out = run_git(repo.root, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False) \
        if repo.is_repo() else None
    return out.stdout.strip() if out is not None and out.ok else None


def _moving_in(report: AuditReport, pusher: str | None, roster: Roster) -> bool:
    """A teacher's first push into an empty repository of the server (moving a class in
    with its history, whose rewritten commits carry no signatures) is taken as it is; the
    server's own rules (gitolite) already say who may write there. Says so in a note."""
    person = next((p for p in roster.people if p.id == pusher), None)
    if person is None or person.role != "teacher":
        return False
    report.notes.append(f"the first push into this empty repository, by the teacher "
                        f"{person.name}, was taken as it is (moving a class in): every "
                        "later push is judged commit by commit")
    return True


def audit_student_push(root: Path | str, student: str, roster: Roster, old: str, new: str,
                       ref: str, pusher: str | None = None) -> AuditReport:
    """:func:`audit_push` for a student's own repository on the server, by the class
    repository's ``roster``. ``pusher``: the roster id of who pushes, as the server
    authenticated them (gitolite's ``GL_USER``)."""
    if is_zero(new):
        report = AuditReport()
        report.violations.append(Violation(old, "(the push)", "", f"deleting {ref} is "
                                           "refused: a record keeps its history"))
        return report
    if not is_zero(old):
        return audit_student(root, student, roster, old, new, fast_forward=True)
    default = _default_branch(root)
    if default is None:
        report = AuditReport()
        if _moving_in(report, pusher, roster):
            return report
    return audit_student(root, student, roster, default, new, fast_forward=False)
