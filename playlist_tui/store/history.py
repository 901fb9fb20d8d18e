"""A plain-language history of a class, read from git.

Every commit that touched class files is compared with its parent, file by file: both
versions are parsed and compared entry by entry (a new line in ``[ticks]`` is a tick, a
line gone is an untick, a new decision is a decision, ...). Names come from the roster
and titles from the curriculum as they are now, so the history reads like
``20 Nov 14:02  Ms Lee: Ana Souza mastered RP.1 at level 3 (Proficient)``.

Merge commits are skipped: what they bring in is described by the commits merged.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any

from playlist_tui.model import tomlparse
from playlist_tui.model.klass import ClassData
from playlist_tui.model.safetext import safe_line
from playlist_tui.store import layout
from playlist_tui.store.gitcmd import (
    BlobReader,
    GitError,
    check_revs,
    is_zero,
    log_format,
    parse_log,
    run_git,
)

CLASS_PATHS = (layout.CLASS_FILE, layout.FRAMEWORKS_DIR, layout.PLAYLISTS_DIR,
               layout.STUDENTS_DIR)

# --------------------------------------------------------------------------- changes


@dataclass(frozen=True)
class Change:
    """One change of one entry (or of a whole curriculum file), from the files alone."""

    kind: str
    """tick, retick, untick, note, note-edit, note-removed, request, request-edit,
    request-removed, goal, goal-done, goal-edit, goal-removed, seen, decision,
    decision-edit, decision-removed, file-added, file-changed, file-removed, file-broken"""
    path: str
    student: str | None = None
    key: str | None = None
    playlist: str | None = None
    activity: str | None = None
    competency: str | None = None
    value: Mapping[str, Any] = field(default_factory=dict)
    at: datetime | None = None

    @property
    def ref(self) -> str:
        return f"{self.playlist}/{self.activity}" if self.playlist else str(self.key)

    @property
    def summary(self) -> str:
        """Short words for a commit message, as an operation would say it."""
        v = self.value
        words = {
            "tick": f"ticked {self.ref}", "retick": f"ticked {self.ref} again",
            "untick": f"unticked {self.ref}", "note": f"wrote a note on {self.ref}",
            "note-edit": f"wrote a note on {self.ref}",
            "note-removed": f"removed the note on {self.ref}",
            "request": f"requested a check on {self.competency}",
            "request-edit": f"edited request {self.key}",
            "request-removed": f"removed request {self.key}",
            "goal": "added a goal", "goal-done": "completed a goal", "goal-edit": "edited a goal",
            "goal-removed": "removed a goal", "seen": "read feedback",
            "decision": (f"{self.student}, took back a decision" if v.get("withdrawn") is True
                         else f"{self.student}, "
                         f"{'mastered' if v.get('result') == 'mastered' else 'not yet'}"
                         f" on {self.competency or v.get('request')}"),
            "decision-edit": f"edited decision {self.key} for {self.student}",
            "decision-removed": f"removed decision {self.key} for {self.student}",
            "file-added": f"added {self.path}", "file-removed": f"removed {self.path}",
        }
        return words.get(self.kind, f"changed {self.path}")


def tidy_summaries(summaries: Sequence[str]) -> list[str]:
    """The summaries of a burst, as its diff will show: repeats once, and an activity
    unticked then ticked again (or the other way round) said once, as what it became."""
    items = list(dict.fromkeys(s for s in summaries if s.strip()))
    out: list[str] = []
    for item in items:
        for verb, other, words in (("ticked ", "unticked ", "ticked {} again"),
                                   ("unticked ", "ticked ", "ticked and unticked {}")):
            if item.startswith(verb) and other + item[len(verb):] in out:
                ref = item[len(verb):]
                out[out.index(other + ref)] = words.format(ref)
                break
        else:
            out.append(item)
    return out


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    return None


def _table(data: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
    value = (data or {}).get(name, {})
    return value if isinstance(value, dict) else {}


def _text(value: Any, key: str) -> str:
    item = value.get(key) if isinstance(value, dict) else None
    return item if isinstance(item, str) else ""


def _entries(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, name: str
             ) -> Iterable[tuple[str, Any, Any]]:
    """(key, old value or None, new value or None) for every entry that changed."""
    before, after = _table(old, name), _table(new, name)
    for key in [*after, *(k for k in before if k not in after)]:
        a, b = before.get(key), after.get(key)
        if a != b:
            yield key, a, b


def _student_changes(path: str, student: str, old: Mapping[str, Any] | None,
                     new: Mapping[str, Any] | None) -> list[Change]:
    out: list[Change] = []
    for key, a, b in _entries(old, new, "ticks"):
        playlist, _, activity = key.partition("/")
        kind = "untick" if b is None else "tick" if a is None else "retick"
        out.append(Change(kind, path, student, key, playlist, activity,
                          at=_moment(b)))
    for key, a, b in _entries(old, new, "notes"):
        playlist, _, activity = key.partition("/")
        kind = "note-removed" if b is None else "note" if a is None else "note-edit"
        out.append(Change(kind, path, student, key, playlist, activity,
                          value=b if isinstance(b, dict) else {}))
    for key, a, b in _entries(old, new, "requests"):
        value = b if isinstance(b, dict) else a if isinstance(a, dict) else {}
        kind = "request-removed" if b is None else "request" if a is None else "request-edit"
        out.append(Change(kind, path, student, key, _text(value, "playlist") or None,
                          competency=_text(value, "competency") or None, value=value,
                          at=_moment(value.get("at")) if kind == "request" else None))
    for key, a, b in _entries(old, new, "goals"):
        value = b if isinstance(b, dict) else a if isinstance(a, dict) else {}
        if b is None:
            kind, at = "goal-removed", None
        elif a is None:
            kind, at = "goal", _moment(value.get("created"))
        elif isinstance(a, dict) and "done" not in a and "done" in value:
            kind, at = "goal-done", _moment(value.get("done"))
        else:
            kind, at = "goal-edit", None
        out.append(Change(kind, path, student, key, value=value, at=at))
    for key, _a, b in _entries(old, new, "seen"):
        if b is not None:
            out.append(Change("seen", path, student, key, at=_moment(b)))
    return out


def _teacher_changes(path: str, student: str, old: Mapping[str, Any] | None,
                     new: Mapping[str, Any] | None) -> list[Change]:
    out: list[Change] = []
    for key, a, b in _entries(old, new, "decisions"):
        value = b if isinstance(b, dict) else a if isinstance(a, dict) else {}
        kind = "decision-removed" if b is None else "decision" if a is None else "decision-edit"
        out.append(Change(kind, path, student, key, competency=_text(value, "competency") or None,
                          value=value,
                          at=_moment(value.get("at")) if kind == "decision" else None))
    return out


def file_changes(path: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None,
                 *, existed: bool = True, exists: bool = True) -> list[Change]:
    """What changed in one class file between two parsed versions (None: absent or broken).

    ``existed``/``exists`` say whether the file was there at all (a file that is there
    but does not parse is reported as ``file-broken``)."""
    who = layout.writer_of(path)
    parts = PurePosixPath(path).parts
    playlist = parts[1].removesuffix(".toml") if len(parts) == 2 and \
        parts[0] == layout.PLAYLISTS_DIR else None
    if exists and new is None:
        return [Change("file-broken", path, playlist=playlist)]
    if not exists:
        return [Change("file-removed", path, playlist=playlist)]
    record = who is not None and len(parts) == 3
    if record and existed and old is None:
        return [Change("file-changed", path)]  # the old version did not parse
    if record:
        student = parts[1]
        if parts[2] == layout.STUDENT_FILE:
            return _student_changes(path, student, old, new)
        return _teacher_changes(path, student, old, new)
    if existed and old == new:
        return []
    return [Change("file-changed" if existed else "file-added", path, playlist=playlist)]


def parse_version(raw: bytes | None) -> dict[str, Any] | None:
    """The data of one version of a class file from git (None when it is missing, larger
    than a class file may be, not UTF-8, or not TOML within the nesting limit)."""
    if raw is None or len(raw) > layout.MAX_FILE_BYTES:
        return None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
        return tomlparse.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


# --------------------------------------------------------------------------- names


class Names:
    """Names and titles from the class as it is now (ids when something is unknown)."""

    def __init__(self, data: ClassData | None) -> None:
        self.data = data

    def person(self, person_id: str | None) -> str:
        if not person_id or self.data is None:
            return person_id or "someone"
        person = self.data.students.get(person_id) or self.data.teachers.get(person_id)
        return person.name if person else person_id

    def by_email(self, email: str) -> tuple[str, str] | None:
        """(id, name) of the roster person with this email."""
        if self.data is None or not email:
            return None
        wanted = email.strip().lower()
        for person in (*self.data.info.teachers, *self.data.info.students):
            if wanted in (e.lower() for e in person.emails):
                return person.id, person.name
        return None

    def activity(self, playlist: str | None, activity: str | None) -> str:
        found = self.data.playlists.get(playlist or "") if self.data else None
        hit = found.activity(activity or "") if found else None
        return hit[1].title if hit else f"{playlist}/{activity}"

    def activity_competencies(self, playlist: str | None, activity: str | None) -> set[str]:
        found = self.data.playlists.get(playlist or "") if self.data else None
        hit = found.activity(activity or "") if found else None
        return set(hit[1].competencies) if hit else set()

    def playlist(self, playlist: str | None) -> str:
        found = self.data.playlists.get(playlist or "") if self.data else None
        return found.title if found else str(playlist)

    def request(self, student: str | None, request: str | None) -> tuple[str | None, str | None]:
        """(competency, playlist) of a request, as the student's file says now."""
        if self.data is None or not student or not request:
            return None, None
        found = self.data.record(student).student.requests.get(request)
        return (found.competency, found.playlist) if found else (None, None)

    def level(self, competency: str | None, level: Any) -> str:
        if not isinstance(level, int) or self.data is None:
            return ""
        return self.data.scale_for(competency or "").name_of(level)

    def mastered_at(self, competency: str | None) -> int:
        return self.data.scale_for(competency or "").mastered_at if self.data else 0


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class HistoryEvent:
    """One thing that happened, in words."""

    when: datetime
    commit: str
    author: str
    """The commit's author as git recorded it (name)."""
    actor: str
    """Who did it, by roster name when known (the teacher of a decision)."""
    text: str
    """What happened, e.g. 'Ana Souza ticked Watch: Intro to ratios'."""
    sentence: str
    """``text``, with 'Actor: ' in front when the actor is not the student it is about."""
    kind: str
    path: str
    summary: str
    student: str | None = None
    playlist: str | None = None
    competency: str | None = None

    def line(self, tz: tzinfo | None = None) -> str:
        """``20 Nov 14:02  Ms Lee: Ana Souza mastered RP.1 at level 3 (Proficient)``;
        in the local time zone unless ``tz`` is given."""
        when = self.when.astimezone(tz)
        return f"{when:%d %b %H:%M}  {self.sentence}"


def _quoted(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def describe(change: Change, names: Names) -> tuple[str, str | None, str | None, str | None]:
    """(text, competency, playlist, teacher id for decisions) of a change, in words."""
    student = names.person(change.student) if change.student else ""
    title = names.activity(change.playlist, change.activity)
    v = change.value
    competency, playlist, teacher = change.competency, change.playlist, None
    match change.kind:
        case "tick":
            text = f"{student} ticked {title}"
        case "retick":
            text = f"{student} ticked {title} again"
        case "untick":
            text = f"{student} unticked {title}"
        case "note" | "note-edit":
            what = "a reflection" if _text(v, "reflection") else "evidence"
            text = f"{student} wrote {what} on {title}" if change.kind == "note" else \
                f"{student} changed the note on {title}"
        case "note-removed":
            text = f"{student} removed the note on {title}"
        case "request":
            text = f"{student} requested a mastery check on {competency}"
        case "request-edit" | "request-removed":
            word = "changed" if change.kind == "request-edit" else "removed"
            text = f"{student}'s request {change.key} on {competency} was {word}"
        case "goal":
            text = f"{student} set a goal: {_quoted(_text(v, 'text'))}"
        case "goal-done":
            text = f"{student} reached a goal: {_quoted(_text(v, 'text'))}"
        case "goal-edit":
            text = f"{student} changed a goal: {_quoted(_text(v, 'text'))}"
        case "goal-removed":
            text = f"{student} removed a goal: {_quoted(_text(v, 'text'))}"
        case "seen":
            text = f"{student} read the feedback"
        case "decision" | "decision-edit" | "decision-removed":
            request = _text(v, "request") or None
            from_request, playlist = names.request(change.student, request)
            competency = competency or from_request
            what = competency or f"the request {request}"
            teacher = _text(v, "by") or None
            if change.kind == "decision" and v.get("withdrawn") is True:
                text = f"withdrew the decision about {student} on {what}"
            elif change.kind == "decision":
                level = v.get("level")
                if v.get("result") == "mastered":
                    if not isinstance(level, int):
                        level = names.mastered_at(competency) or None
                    text = f"{student} mastered {what}"
                    if isinstance(level, int):
                        text += f" at level {level} ({names.level(competency, level)})"
                else:
                    text = f"{student} has not yet mastered {what}"
                    if isinstance(level, int):
                        text += f" (level {level}, {names.level(competency, level)})"
                if _text(v, "supersedes"):
                    text += ", correcting an earlier decision"
            else:
                word = "changed" if change.kind == "decision-edit" else "removed"
                text = f"the decision {change.key} about {student} on {what} was {word}"
                teacher = None
        case "file-broken":
            text = f"saved {change.path}, which does not parse"
        case _:
            text = _file_sentence(change, names)
    return text, competency, playlist, teacher


def _file_sentence(change: Change, names: Names) -> str:
    verb = {"file-added": "added", "file-removed": "removed"}.get(change.kind, "changed")
    path = change.path
    if path == layout.CLASS_FILE:
        return {"added": "created the class", "removed": "removed class.toml"}.get(
            verb, "changed the class (class.toml)")
    if change.playlist:
        return f"{verb} the playlist {_quoted(names.playlist(change.playlist))} ({path})"
    if path.startswith(layout.FRAMEWORKS_DIR + "/"):
        return f"{verb} the framework {path}"
    return f"{verb} {path}"


def _already_there(change: Change, names: Names, text: str) -> str:
    """What a class's first commit found, in words (``the class (class.toml)``)."""
    if change.kind != "file-added":
        return text
    path = change.path
    if path == layout.CLASS_FILE:
        return f"the class ({path})"
    if change.playlist:
        return f"the playlist {_quoted(names.playlist(change.playlist))} ({path})"
    if path.startswith(layout.FRAMEWORKS_DIR + "/"):
        return f"the framework {path}"
    return path


def event_for(change: Change, names: Names, *, commit: str, author: str, email: str,
              when: datetime, first: bool = False) -> HistoryEvent:
    """The event of one change of a commit. ``first``: the commit has no parent (the
    class folder's first commit), so what it adds was already there before: it is not
    credited to whoever made the commit (a student's entries are the student's, a
    decision its teacher's), and what carries no time of its own says so instead of
    taking the commit's day."""
    text, competency, playlist, teacher = describe(change, names)
    person = names.by_email(email)
    if first:
        person = (change.student, names.person(change.student)) if change.student else None
    actor_id = teacher or (person[0] if person else None)
    actor = names.person(teacher) if teacher else (person[1] if person else author)
    about_self = change.student is not None and actor_id == change.student \
        and not change.kind.startswith("decision")
    # Every word shown comes from files and commits anyone in the class may write: made
    # safe here, once, so that no screen or command can print a control character or a
    # forged line from them (a newline in a competency id is shown as ⏎).
    text, actor = safe_line(text), safe_line(actor)
    sentence = text if about_self else f"{actor}: {text}"
    if first and change.at is None:
        day = when.astimezone()
        text = safe_line(_already_there(change, names, text))
        sentence = ("Already there when the class folder was first committed "
                    f"({day:%d %b %Y}): {text}")
        actor = ""
    return HistoryEvent(
        when=change.at or when, commit=commit, author=safe_line(author), actor=actor,
        text=text, sentence=sentence, kind=change.kind, path=change.path,
        summary=safe_line(change.summary), student=change.student, playlist=playlist,
        competency=competency)


def _matches(event: HistoryEvent, change: Change, names: Names, student: str | None,
             playlist: str | None, competency: str | None) -> bool:
    if student is not None and event.student != student:
        return False
    if playlist is not None and event.playlist != playlist:
        return False
    if competency is not None and event.competency != competency:
        serves = names.activity_competencies(change.playlist, change.activity) \
            if change.activity else set()
        if competency not in serves:
            return False
    return True


def read_history(root: Path, *, data: ClassData | None = None,
                 revs: Sequence[str] = ("HEAD",), student: str | None = None,
                 playlist: str | None = None, competency: str | None = None,
                 limit: int | None = 200) -> list[HistoryEvent]:
    """Events of the commits in ``revs``, oldest first; at most the newest ``limit``."""
    check_revs(revs)
    pathspec = [f"{layout.STUDENTS_DIR}/{student}/"] if student else list(CLASS_PATHS)
    fields = ["%H", "%an", "%ae", "%at", "%P"]
    out = run_git(root, "log", "--no-merges", "--no-renames", "--relative", "--raw", "-z",
                  "--no-abbrev", log_format(fields), *revs, "--", *pathspec, check=False)
    if not out.ok:
        unborn = ("does not have any commits", "bad default revision", "bad revision",
                      "unknown revision")
        if tuple(revs) == ("HEAD",) and any(text in out.stderr for text in unborn):
            return []
        raise GitError(f"cannot read the history: {out.last_error_line()}", out.stderr,
                       out.returncode)
    names = Names(data)
    chunks: list[list[HistoryEvent]] = []
    found = 0
    cache: dict[str, dict[str, Any] | None] = {}
    with BlobReader(root) as reader:

        def version(sha: str) -> dict[str, Any] | None:
            if sha not in cache:
                if len(cache) > 1024:
                    cache.clear()
                found = reader.read(sha)
                cache[sha] = parse_version(found[1] if found else None)
            return cache[sha]

        for commit in parse_log(out.stdout, len(fields)):  # newest first
            sha, author, email, stamp, parents = commit.fields
            when = datetime.fromtimestamp(int(stamp or 0), UTC)
            events: list[HistoryEvent] = []
            chunks.append(events)
            for raw in commit.changes:
                if layout.writer_of(raw.path) is None:
                    continue
                existed, exists = not is_zero(raw.old), not is_zero(raw.new)
                old = version(raw.old) if existed else None
                new = version(raw.new) if exists else None
                for change in file_changes(raw.path, old, new, existed=existed, exists=exists):
                    event = event_for(change, names, commit=sha, author=author, email=email,
                                      when=when, first=not parents.strip())
                    if _matches(event, change, names, student, playlist, competency):
                        events.append(event)
            found += len(events)
            if limit is not None and found >= limit:
                break
    ordered = [event for chunk in reversed(chunks) for event in chunk]
    ordered.sort(key=lambda e: e.when)  # stable: commit order breaks ties
    return ordered[-limit:] if limit is not None else ordered


# --------------------------------------------------------------------------- review


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author: str
    email: str
    when: datetime
    subject: str
    actor_id: str = ""
    """The roster person with the author's email (their id and name), when known."""
    actor: str = ""

    @property
    def line(self) -> str:
        """``Ms Lee: added the group Table 2``: the author once, by roster name when known
        (the app's subjects start with the actor's id or name: not said twice)."""
        head, sep, rest = self.subject.partition(": ")
        said = {self.author, self.actor_id, self.actor} - {""}
        subject = rest if sep and rest and head in said else self.subject
        return f"{safe_line(self.actor or self.author)}: {safe_line(subject)}"


@dataclass(frozen=True)
class ReviewGroup:
    student: str | None
    """None: changes to the class itself (roster, curriculum)."""
    student_name: str
    playlist: str | None
    playlist_title: str
    events: tuple[HistoryEvent, ...]


@dataclass(frozen=True)
class Review:
    """What a range of commits changed: in words, grouped, and as ``git diff`` text."""

    rev_range: str
    commits: tuple[CommitInfo, ...]
    groups: tuple[ReviewGroup, ...]
    diff: str

    @property
    def events(self) -> list[HistoryEvent]:
        return sorted((e for g in self.groups for e in g.events), key=lambda e: e.when)

    def text(self, tz: tzinfo | None = None) -> str:
        if not self.commits:
            return f"No commits in {self.rev_range}."
        n = len(self.commits)
        lines = [f"{n} commit{'s' if n != 1 else ''} in {self.rev_range}:"]
        lines += [f"  {c.sha[:8]} {c.line}" for c in self.commits]
        for group in self.groups:
            lines.append("")
            lines.append(f"{safe_line(group.student_name)}, {safe_line(group.playlist_title)}:")
            for event in group.events:
                lines.append(f"  {event.line(tz)}")
        return "\n".join(lines)

    def without(self, email: str) -> Review:
        """The same review without the commits of ``email`` (one's own work, in a review
        of what others brought in). The diff stays that of the whole range."""
        wanted = email.strip().lower()
        if not wanted:
            return self
        own = {c.sha for c in self.commits if c.email.strip().lower() == wanted}
        groups = tuple(replace(g, events=kept) for g in self.groups
                       if (kept := tuple(e for e in g.events if e.commit not in own)))
        return Review(self.rev_range, tuple(c for c in self.commits if c.sha not in own),
                      groups, self.diff)


def _commit_infos(root: Path, revs: Sequence[str]) -> list[CommitInfo]:
    # sync's merge commits are plumbing: what they brought is in the others' commits
    out = run_git(root, "log", "--no-merges", "--relative", "-z",
                  log_format(["%H", "%an", "%ae", "%at", "%s"]), *revs, "--", ".")
    infos = []
    for commit in parse_log(out.stdout, 5):
        sha, author, email, stamp, subject = commit.fields
        infos.append(CommitInfo(sha, author, email, datetime.fromtimestamp(int(stamp or 0), UTC),
                                subject))
    return infos


def build_review(root: Path, rev_range: str, *, data: ClassData | None = None) -> Review:
    """``A..B`` and ``A...B``: the commits on B since it split from A (the diff is from
    their merge base to B). A single revision: that commit alone."""
    for sep in ("...", ".."):
        if sep in rev_range:
            left, right = rev_range.split(sep, 1)
            left, right = left or "HEAD", right or "HEAD"
            check_revs([left, right])
            revs = [f"{left}..{right}"]
            base = run_git(root, "merge-base", left, right).stdout.strip()
            diff = run_git(root, "diff", "--no-color", "--no-ext-diff", "--relative", base,
                           right, "--", ".").stdout
            break
    else:
        check_revs([rev_range])
        revs = [f"{rev_range}^!"]
        parents = run_git(root, "rev-list", "--parents", "-n", "1", rev_range).stdout.split()
        if len(parents) > 1:
            diff = run_git(root, "diff", "--no-color", "--no-ext-diff", "--relative",
                           parents[1], parents[0], "--", ".").stdout
        else:
            diff = run_git(root, "show", "--no-color", "--no-ext-diff", "--relative",
                           "--format=", rev_range, "--", ".").stdout
    names = Names(data)
    commits = []
    for info in _commit_infos(root, revs):
        person = names.by_email(info.email)
        commits.append(replace(info, actor_id=person[0], actor=person[1]) if person else info)
    events = read_history(root, data=data, revs=revs, limit=None)
    grouped: dict[tuple[str | None, str | None], list[HistoryEvent]] = {}
    for event in events:
        grouped.setdefault((event.student, event.playlist), []).append(event)

    def order(key: tuple[str | None, str | None]) -> tuple[int, str, str]:
        student, playlist = key
        return (0 if student is None else 1, names.person(student) if student else "",
                playlist or "~")

    groups = tuple(
        ReviewGroup(student, names.person(student) if student else "The class", playlist,
                    names.playlist(playlist) if playlist else "other changes",
                    tuple(grouped[(student, playlist)]))
        for student, playlist in sorted(grouped, key=order))
    return Review(rev_range, tuple(commits), groups, diff)
