"""OneRoster 1.1 and 1.2 CSV: the students and teachers of one class into ``class.toml``.

A OneRoster export (a folder or a zip of CSV files, as student information systems
write them) describes a whole school or district. The import takes one class, by its
``sourcedId``:

- ``classes.csv`` gives the class's title (used as the name of a new ``class.toml``);
- ``enrollments.csv`` says who is in the class and as what (``student``, ``teacher``);
  when an enrollment's role is empty, the user's role comes from ``roles.csv``
  (OneRoster 1.2, the primary role first) or from the ``role`` column of ``users.csv``
  (1.1);
- ``users.csv`` gives each person's names (``givenName`` + ``familyName``; the preferred
  names of 1.2 when given), ``email`` and ``username``.

Ids come from the username (the part before ``@`` for an email-like username), made into
a valid id in lowercase, or from the ``sourcedId``. People already in ``class.toml`` are
matched by email, then by id, and never added twice, so a second import changes nothing.
New people are appended as ``[[teachers]]`` and ``[[students]]`` blocks with small text
edits that keep the file's comments. Rows that cannot be used are reported with why.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tomllib
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from playlist_tui.interop.common import (
    InputError,
    Report,
    UsageError,
    batch_edit,
    first_free,
    one_line,
    safe_id,
)
from playlist_tui.model import tomlparse
from playlist_tui.model.files import ClassFile
from playlist_tui.store import layout
from playlist_tui.store.ops import Operation
from playlist_tui.store.render import render_document

ROLES = ("teacher", "student")
MAX_CSV_BYTES = 256 * 1024 * 1024
NAMED = 20
"""Ended or future enrollments named in the report; the rest are counted."""
NAME_CHARS = 80
"""A name or id in a report is cut to this length."""
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_REQUIRED = {
    "users.csv": ("sourcedId", "givenName", "familyName"),
    "enrollments.csv": ("classSourcedId", "userSourcedId", "role"),
    "classes.csv": ("sourcedId", "title"),
    "roles.csv": ("userSourcedId", "role"),
}
_SHOWN_MALFORMED = 10
_KNOWN_COLUMNS = {c.lower(): c for c in (
    "sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
    "userSourcedId", "role", "primary", "beginDate", "endDate", "givenName", "familyName",
    "middleName", "preferredGivenName", "preferredFamilyName", "preferredMiddleName",
    "email", "username", "enabledUser", "roleType", "title", "propertyName", "value",
    "orgSourcedId", "userProfileSourcedId", "identifier", "phone", "sms", "grades",
    "agentSourcedIds", "orgSourcedIds", "userIds", "password", "classCode", "classType",
    "location", "courseSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods",
    "resources")}


# --------------------------------------------------------------------------- reading CSV


def _csv_files(folder: Path) -> dict[str, Path]:
    return {e.name.lower(): Path(e.path) for e in os.scandir(folder)
            if e.is_file() and e.name.lower().endswith(".csv")}


class Source:
    """The CSV files of a OneRoster export: a folder (or the one folder in it that holds
    users.csv), or a zip (files at any depth; the shallowest of a name wins)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files: dict[str, bytes | None] = {}
        if path.is_dir():
            self._members = _csv_files(path)
            if "users.csv" not in self._members:  # an unzipped export in its own folder
                inner = [Path(e.path) for e in os.scandir(path)
                         if e.is_dir() and (Path(e.path) / "users.csv").is_file()]
                if len(inner) == 1:
                    self._members = _csv_files(inner[0])
            self._zip: dict[str, zipfile.ZipInfo] = {}
        elif path.is_file():
            self._members = {}
            self._zip = {}
            try:
                with zipfile.ZipFile(path) as archive:
                    infos = sorted(archive.infolist(),
                                   key=lambda i: (i.filename.count("/"), i.filename))
            except (zipfile.BadZipFile, OSError) as exc:
                raise InputError(f"{path} is neither a folder nor a zip file of OneRoster "
                                 "CSV files") from exc
            for info in infos:
                name = PurePosixPath(info.filename)
                if info.is_dir() or "__MACOSX" in name.parts or name.name.startswith("."):
                    continue
                self._zip.setdefault(name.name.lower(), info)
        elif not path.exists():
            raise UsageError(f"{path} does not exist")
        else:
            raise InputError(f"{path} is neither a folder nor a zip file")

    def names(self) -> set[str]:
        return set(self._members) | set(self._zip)

    def read(self, name: str) -> bytes | None:
        if name in self._members:
            try:
                size = self._members[name].stat().st_size
                if size > MAX_CSV_BYTES:
                    raise InputError(f"{name} is {size:,} bytes, more than the limit")
                return self._members[name].read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
        info = self._zip.get(name)
        if info is None:
            return None
        if info.file_size > MAX_CSV_BYTES:
            raise InputError(f"{name} in {self.path.name} is {info.file_size:,} bytes, more "
                             "than the limit")
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(info) as handle:
                return handle.read(MAX_CSV_BYTES + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            raise InputError(f"cannot read {name} from {self.path.name}: {exc}") from exc


@dataclass
class Table:
    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    malformed: list[tuple[int, list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.header


def read_table(name: str, raw: bytes) -> Table:
    """A CSV file as rows of text (stripped); rows with the wrong number of fields apart."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not UTF-8 text (byte {exc.start}); OneRoster files are "
                         "UTF-8") from exc
    if "\x00" in text:
        raise InputError(f"{name} contains NUL bytes: it is not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{name} is empty: it has no header line") from None
    except csv.Error as exc:
        raise InputError(f"{name}: {exc}") from exc
    # Tolerant headers: a byte order mark on any name, names in any case, and empty
    # columns at the end (some exports pad every line with commas).
    header = [h.replace("\ufeff", "").strip() for h in header]
    header = [_KNOWN_COLUMNS.get(h.lower(), h) for h in header]
    full = width = len(header)
    while width and not header[width - 1]:
        width -= 1
    if width < len(header):
        empty = len(header) - width
        table = Table(name, header[:width])
        table.notes.append(f"{name}: the header ends with {empty} empty column"
                           f"{'s' if empty > 1 else ''}; ignored (with the empty fields at "
                           "the end of its rows)")
    else:
        table = Table(name, header)
    header = table.header
    try:
        raw_rows = [(reader.line_num, fields) for fields in reader
                    if any(f.strip() for f in fields)]
    except csv.Error as exc:
        raise InputError(f"{name}:{reader.line_num}: {exc}") from exc
    # Rows padded like the header (the length most rows have, when it is longer than the
    # header's real columns and the padding is empty) are read without the padding; a row
    # with one field too many among them is still malformed.
    lengths = Counter(len(f) for _, f in raw_rows)
    padded = lengths.most_common(1)[0][0] if lengths else width
    allowed = {width} | ({padded} if width < padded <= full else set())
    for line, fields in raw_rows:
        if len(fields) in allowed and not any(f.strip() for f in fields[width:]):
            fields = fields[:width]
        if len(fields) != width:
            table.malformed.append((line, fields))
            continue
        table.rows.append((line, {h: f.strip() for h, f in zip(header, fields, strict=True)}))
    missing = [c for c in _REQUIRED.get(name, ()) if c not in header]
    if missing:
        raise InputError(f"{name} has no column {', '.join(missing)} (its header is "
                         f"{','.join(header)[:200]}); is this a OneRoster file?")
    return table


# --------------------------------------------------------------------------- the class


@dataclass(frozen=True)
class Person:
    """Someone enrolled in the class, as the roster describes them."""

    sourced_id: str
    role: str  # "student" or "teacher"
    given: str
    family: str
    username: str
    email: str
    where: str  # "users.csv:12", for messages

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}".strip()

    @property
    def base_id(self) -> str:
        user = self.username.split("@", 1)[0] if "@" in self.username else self.username
        return safe_id(user, lower=True) or safe_id(self.sourced_id, lower=True) or "person"


@dataclass
class Roster:
    version: str
    class_id: str
    title: str
    people: list[Person]
    skipped: list[str]
    notes: list[str]
    as_of: date | None = None
    ended: list[str] = field(default_factory=list)
    """Who is enrolled but whose enrollment has ended (as of ``as_of``): name (sourcedId)."""
    not_started: list[str] = field(default_factory=list)
    """Who is enrolled from a later date than ``as_of``."""

    def timing_notes(self) -> list[str]:
        when = self.as_of.isoformat() if self.as_of else "today"
        out = []
        for people, what in ((self.ended, "ended before"), (self.not_started,
                                                            "not started yet on")):
            if people:
                n = len(people)
                named = ", ".join(people[:NAMED])
                if n > NAMED:
                    named += f" and {n - NAMED} more (each under 'Not imported')"
                out.append(f"{n} enrollment{'s' if n > 1 else ''} {what} {when}, not "
                           f"imported: {named}")
        return out

    def nothing_active(self) -> str:
        """Why there is nobody to import (for a roster without people)."""
        when = self.as_of.isoformat() if self.as_of else "today"
        parts = [f"{len(self.ended)} ended", f"{len(self.not_started)} not started yet"]
        other = len(self.skipped) - len(self.ended) - len(self.not_started)
        if other > 0:
            parts.append(f"{other} not imported for other reasons")
        return (f"Nothing to add: the {self.version} class {self.title!r} ({self.class_id}) "
                f"has no active enrollment of a student or teacher on {when} "
                f"({', '.join(parts)}). Nothing was written; give --as-of DATE to import "
                "the class as it is on another day.")


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _describe(fields: list[str], header: list[str]) -> str:
    return f"{len(fields)} field{'s' if len(fields) != 1 else ''}, the header has {len(header)}"


def read_roster(source: Path, class_id: str, today: date | None = None) -> Roster:
    """Read the class ``class_id`` from a OneRoster export as it is on ``today`` (the
    ``--as-of`` date; default: the real today). Raises InputError if unusable."""
    today = today or date.today()
    files = Source(source)
    present = files.names()
    missing = [n for n in ("users.csv", "enrollments.csv") if n not in present]
    if missing:
        found = ", ".join(sorted(present)) or "no CSV files"
        raise InputError(f"{source} has no {' and no '.join(missing)} (it has {found}); a "
                         "OneRoster export has users.csv, enrollments.csv and classes.csv")

    def table(name: str) -> Table | None:
        raw = files.read(name)
        return None if raw is None else read_table(name, raw)

    manifest: dict[str, str] = {}
    raw_manifest = files.read("manifest.csv")
    if raw_manifest is not None:
        m = read_table("manifest.csv", raw_manifest)
        for _, row in m.rows:
            if "propertyName" in row and "value" in row:
                manifest[row["propertyName"]] = row["value"]
    users = table("users.csv")
    enrollments = table("enrollments.csv")
    classes = table("classes.csv")
    roles = table("roles.csv")
    assert users is not None and enrollments is not None
    version = manifest.get("oneroster.version", "")
    if not version:
        version = "1.2" if roles is not None or not users.has("role") else "1.1"
    skipped: list[str] = []
    notes: list[str] = [n for tbl in (users, enrollments, classes, roles) if tbl is not None
                        for n in tbl.notes]
    ended_people: list[str] = []
    future_people: list[str] = []

    def who(uid: str) -> str:
        row = user_rows.get(uid)
        if row is None:
            return one_line(uid)[:NAME_CHARS]
        given = row[1].get("preferredGivenName", "") or row[1].get("givenName", "")
        family = row[1].get("preferredFamilyName", "") or row[1].get("familyName", "")
        name = one_line(f"{given} {family}")[:NAME_CHARS]
        return f"{name} ({one_line(uid)[:NAME_CHARS]})" if name else one_line(uid)[:NAME_CHARS]

    for name in ("users", "enrollments", "roles"):
        if manifest.get(f"file.{name}") == "delta":
            notes.append(f"{name}.csv is a delta file (only changes): people or "
                         "enrollments not in it are not seen")

    title = class_id
    if classes is None:
        notes.append("there is no classes.csv; the class is known only by its sourcedId")
    else:
        hits = [(line, row) for line, row in classes.rows if row["sourcedId"] == class_id]
        if hits:
            line, row = hits[0]
            if row.get("status", "").lower() == "tobedeleted":
                raise InputError(f"classes.csv:{line}: the class {class_id!r} is marked "
                                 "tobedeleted; nothing to import")
            title = row["title"] or class_id
    mine = [(line, row) for line, row in enrollments.rows if row["classSourcedId"] == class_id]
    if classes is not None and title == class_id and not mine:
        known = [f"{row['sourcedId']} ({row['title']})" for _, row in classes.rows
                 if row.get("status", "").lower() != "tobedeleted"]
        shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        raise InputError(f"there is no class {class_id!r} in classes.csv; give --class "
                         f"with one of: {shown or '(classes.csv lists no class)'}")
    if not mine:
        raise InputError(f"no enrollments for the class {class_id!r} in enrollments.csv: "
                         "there is nobody to import")
    if classes is not None and title == class_id and classes.rows:
        notes.append(f"the class {class_id!r} is not in classes.csv; its enrollments are "
                     "imported anyway")

    for line, fields in enrollments.malformed:
        if class_id in (f.strip() for f in fields):
            skipped.append(f"enrollments.csv:{line}: malformed row "
                           f"({_describe(fields, enrollments.header)})")
    other = sum(1 for _, f in enrollments.malformed if class_id not in (x.strip() for x in f))
    if other:
        notes.append(f"enrollments.csv has {other} other malformed row"
                     f"{'s' if other > 1 else ''} (not about this class)")

    user_rows: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in users.rows:
        if row["sourcedId"]:
            user_rows.setdefault(row["sourcedId"], (line, row))
    user_roles: dict[str, list[tuple[int, str]]] = {}
    if roles is not None:
        for _, row in roles.rows:
            if row.get("status", "").lower() == "tobedeleted":
                continue
            rank = 0 if row.get("roleType", "").lower() == "primary" else 1
            user_roles.setdefault(row["userSourcedId"], []).append((rank, row["role"].lower()))

    seen: dict[str, str] = {}
    people: list[Person] = []
    for line, row in mine:
        where = f"enrollments.csv:{line}"
        uid = row["userSourcedId"]
        if not uid:
            skipped.append(f"{where}: no userSourcedId")
            continue
        if row.get("status", "").lower() == "tobedeleted":
            skipped.append(f"{where}: {uid}: the enrollment is marked tobedeleted")
            continue
        ended = _date(row.get("endDate", ""))
        if ended is not None and ended < today:
            skipped.append(f"{where}: {uid}: the enrollment ended on {ended.isoformat()}")
            ended_people.append(who(uid))
            continue
        begins = _date(row.get("beginDate", ""))
        if begins is not None and begins > today:
            skipped.append(f"{where}: {uid}: the enrollment begins on {begins.isoformat()}, "
                           "after the --as-of date")
            future_people.append(who(uid))
            continue
        role = row["role"].lower()
        user = user_rows.get(uid)
        if not role:
            ranked = sorted(user_roles.get(uid, []))
            role = ranked[0][1] if ranked else (user[1].get("role", "").lower() if user else "")
        if not role:
            skipped.append(f"{where}: {uid}: no role (in the enrollment, roles.csv or "
                           "users.csv)")
            continue
        if role not in ROLES:
            skipped.append(f"{where}: {uid}: the role {role!r} is not imported (only "
                           "students and teachers)")
            continue
        if uid in seen:
            if seen[uid] != role:
                skipped.append(f"{where}: {uid} is enrolled again, as a {role}; kept as a "
                               f"{seen[uid]}")
            continue
        if user is None:
            bad = next(((ln, f) for ln, f in users.malformed
                        if uid in (x.strip() for x in f)), None)
            if bad is not None:
                skipped.append(f"users.csv:{bad[0]}: the row of {uid} is malformed "
                               f"({_describe(bad[1], users.header)})")
            else:
                skipped.append(f"{where}: unknown user {uid!r} (not in users.csv)")
            continue
        uline, urow = user
        uwhere = f"users.csv:{uline}"
        if urow.get("status", "").lower() == "tobedeleted":
            skipped.append(f"{uwhere}: {uid}: the user is marked tobedeleted")
            continue
        given = urow.get("preferredGivenName", "") or urow["givenName"]
        family = urow.get("preferredFamilyName", "") or urow["familyName"]
        if not given and not family:
            skipped.append(f"{uwhere}: {uid}: no givenName and no familyName")
            continue
        email = urow.get("email", "")
        if email and not _EMAIL.fullmatch(email):
            notes.append(f"{uwhere}: {uid}: {email!r} is not an email address; left out")
            email = ""
        if urow.get("enabledUser", "").lower() == "false":
            notes.append(f"{uwhere}: {uid}: enabledUser is false (the account is disabled in "
                         "the SIS); imported all the same")
        seen[uid] = role
        people.append(Person(sourced_id=uid, role=role, given=given, family=family,
                             username=urow.get("username", ""), email=email, where=uwhere))
    skipped.sort(key=_where_key)
    roster = Roster(version=f"OneRoster {version}", class_id=class_id, title=title,
                    people=people, skipped=skipped, notes=notes, as_of=today,
                    ended=ended_people, not_started=future_people)
    roster.notes[:0] = roster.timing_notes()
    return roster


def _where_key(message: str) -> tuple[str, int]:
    """Order messages by file, then line: ``users.csv:12: ...``."""
    name, _, rest = message.partition(":")
    line = rest.split(":", 1)[0]
    return name, int(line) if line.isdigit() else 0


# --------------------------------------------------------------------------- class.toml


@dataclass(frozen=True)
class Existing:
    kind: str  # "teacher" or "student"
    id: str
    emails: frozenset[str]


def _existing(text: str) -> list[Existing]:
    try:
        data = tomlparse.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"class.toml does not parse ({exc}); fix it first") from exc
    out = []
    for key, kind in (("teachers", "teacher"), ("students", "student")):
        entries = data.get(key)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            emails = entry.get("emails")
            found = frozenset(e.lower() for e in emails if isinstance(e, str)) \
                if isinstance(emails, list) else frozenset()
            out.append(Existing(kind, entry["id"], found))
    return out


def _named(text: str) -> list[tuple[str, str]]:
    """(id, name) of everyone in class.toml (read loosely)."""
    data = tomlparse.loads(text)
    out = []
    for key in ("teachers", "students"):
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) \
                    and isinstance(entry.get("name"), str):
                out.append((entry["id"], entry["name"]))
    return out


@dataclass(frozen=True)
class Match:
    person: Person
    id: str
    how: str  # "email", "id" or "new"
    existing: Existing | None


def match_people(people: Iterable[Person], existing: list[Existing]) -> list[Match]:
    """Who is already in class.toml (by email, then by id) and the ids of the others.

    Deterministic: the id pass goes through people by sourcedId, and an id that is taken
    by someone else gets ``-2``, ``-3``... so a second import finds the same ids.
    """
    by_id = {e.id: e for e in existing}
    by_email: dict[str, Existing] = {}
    for e in existing:
        for address in sorted(e.emails):
            by_email.setdefault(address, e)
    claimed: set[str] = set()
    out: dict[str, Match] = {}
    ordered = sorted(people, key=lambda p: p.sourced_id)
    for p in ordered:
        found = by_email.get(p.email.lower()) if p.email else None
        if found is not None and found.id not in claimed:
            claimed.add(found.id)
            out[p.sourced_id] = Match(p, found.id, "email", found)
    new_ids: set[str] = set()
    for p in ordered:
        if p.sourced_id in out:
            continue

        def usable(candidate: str, p: Person = p) -> bool:
            e = by_id.get(candidate)
            if e is None:
                return candidate not in new_ids
            if e.id in claimed:
                return False
            return not (e.emails and p.email and p.email.lower() not in e.emails)

        chosen = first_free(p.base_id, usable)
        same = by_id.get(chosen)
        if same is not None:
            claimed.add(same.id)
            out[p.sourced_id] = Match(p, chosen, "id", same)
        else:
            new_ids.add(chosen)
            out[p.sourced_id] = Match(p, chosen, "new", None)
    return [out[p.sourced_id] for p in people]


def _entry(match: Match) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": match.id, "name": match.person.name}
    if match.person.email:
        entry["emails"] = [match.person.email]
    return entry


def _sort_key(m: Match) -> tuple[str, str, str]:
    return (m.person.family.casefold(), m.person.given.casefold(), m.id)


def update_class_text(text: str, roster: Roster) -> tuple[str, Report]:
    existing = _existing(text)
    matches = match_people(roster.people, existing)
    report = Report(notes=list(roster.notes), skipped=list(roster.skipped))
    added: dict[str, list[Match]] = {"teacher": [], "student": []}
    for m in matches:
        if m.existing is None:
            added[m.person.role].append(m)
        elif m.existing.kind != m.person.role:
            report.notes.append(f"{m.id} is a {m.existing.kind} in class.toml but enrolled as "
                                f"a {m.person.role} ({m.person.where}); left as it is")
    new_text = batch_edit(text, [], [((f"{role}s",), _entry(m)) for role in ROLES
                                     for m in sorted(added[role], key=_sort_key)])
    names: dict[str, list[str]] = {}
    for entry in _named(text):
        names.setdefault(entry[1].casefold(), []).append(entry[0])
    for m in matches:
        same = [i for i in names.get(m.person.name.casefold(), []) if i != m.id]
        if m.how == "new" and same:
            report.notes.append(
                f"{m.id} ({m.person.name}) has the same name as {', '.join(same)} already in "
                f"{layout.CLASS_FILE}; if it is the same person, give {same[0]!r} the email "
                f"{m.person.email or '(none)'} and remove {m.id!r}")
        if m.how == "new" and m.id != m.person.base_id:
            report.notes.append(f"{m.person.name} ({m.person.sourced_id}): the id "
                                f"{m.person.base_id!r} is taken by someone else; using "
                                f"{m.id!r}")
    report.changed = new_text != text
    known = len(matches) - len(added["teacher"]) - len(added["student"])
    what = f"{roster.version} class {roster.title!r} ({roster.class_id})"
    if report.changed:
        counts = [f"{len(v)} {k}{'s' if len(v) != 1 else ''}" for k, v in added.items() if v]
        report.done.append(f"Added {' and '.join(counts)} to {layout.CLASS_FILE} from {what}"
                           + (f"; {known} already there." if known else "."))
        for role in ROLES:
            if added[role]:
                report.done.append(f"  {role}s: " + ", ".join(
                    m.id for m in sorted(added[role], key=_sort_key)))
    else:
        report.done.append(f"Nothing to add from {what}: all {known} "
                           f"{'person is' if known == 1 else 'people are'} already in "
                           f"{layout.CLASS_FILE}.")
    by_email = sum(1 for m in matches if m.how == "email")
    if by_email and known:
        report.notes.append(f"{by_email} of the people already there were recognised by "
                            "their email address")
    return new_text, report


def new_class_text(roster: Roster) -> str:
    header = "\n".join([
        f"# {layout.CLASS_FILE}: the class, its people, groups and assignments.",
        "# Written by teachers only. Started with playlist-tui import oneroster from the",
        f"# {roster.version} class {one_line(roster.title)!r} ({one_line(roster.class_id)}).",
    ])
    return render_document(ClassFile(name=roster.title), header)


@dataclass(frozen=True)
class ImportRoster(Operation):
    """Add the people of one OneRoster class to class.toml (for ClassStore.apply)."""

    kind: ClassVar[str] = "import-oneroster"
    roster: Roster | None = None
    reports: list[Report] = field(default_factory=list)
    _created: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return layout.CLASS_FILE

    def new_file(self) -> str:
        assert self.roster is not None
        text = new_class_text(self.roster)
        self._created["text"] = text
        return text

    def edit(self, text: str) -> str:
        assert self.roster is not None
        new_text, report = update_class_text(text, self.roster)
        if self._created.pop("text", None) == text:
            report.done[0] = report.done[0].replace(
                f"to {layout.CLASS_FILE}", f"to a new {layout.CLASS_FILE}", 1)
            report.changed = True
        self.reports.append(report)
        return new_text

    @property
    def report(self) -> Report:
        return self.reports[-1]

    @property
    def summary(self) -> str:
        return "imported people from OneRoster into class.toml"

