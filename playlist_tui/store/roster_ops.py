"""Roster operations: people, groups and the class name, each a small edit of class.toml.

Like every operation (see :mod:`playlist_tui.store.ops`), these only turn the current
text of ``class.toml`` into a new one; :meth:`ClassStore.apply` reads, verifies and
writes. Each one changes the fewest lines it can with the verified text edits of
:mod:`playlist_tui.store.tomltext`, so comments and layout of a hand-written roster stay:

- adding a person or a group appends one ``[[students]]``/``[[teachers]]``/``[[groups]]``
  block after the last one of its kind (the very first one goes before the blocks that
  follow it in a class file: teachers, students, groups, assignments);
- editing changes only the lines of the values that change;
- removing a student takes out their block and their id from groups and assignments (an
  assignment left without anyone is removed with it); their folder is not touched here;
- deleting a group takes out its block and its id from assignments in the same way.

Everything is checked before anything is written (ids, emails, signing keys, who
exists), and refused with :class:`~playlist_tui.store.tomltext.EditError` in words.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from playlist_tui.model import tomlparse
from playlist_tui.model.ids import ID_RULE, id_error
from playlist_tui.store import layout, tomltext
from playlist_tui.store.ops import Operation
from playlist_tui.store.tomlpos import scan

Role = Literal["student", "teacher"]
ARRAY: dict[str, str] = {"student": "students", "teacher": "teachers"}
ORDER = ("teachers", "students", "groups", "assignments")
"""The order of the arrays of tables in a class file (as docs/formats.md writes it)."""

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


# --------------------------------------------------------------------------- checks


def email_error(value: str) -> str | None:
    """Why ``value`` is not an email address (or None): something@somewhere, no spaces."""
    if not _EMAIL.fullmatch(value):
        return f"{value!r} is not an email address (write it like name@school.org)"
    return None


def signing_key_error(value: str) -> str | None:
    """Why ``value`` is not an SSH public key line (or None)."""
    from playlist_tui.store.audit import key_fingerprint

    if key_fingerprint(value) is None:
        return ("the signing key is not an SSH public key: paste one line like "
                "'ssh-ed25519 AAAAC3Nza... name@laptop' (the contents of ~/.ssh/id_ed25519.pub)")
    return None


def _check_id(value: str, what: str) -> None:
    problem = id_error(value)
    if problem is not None:
        raise tomltext.EditError(f"{problem}: not a {what} id; {ID_RULE}")


def _check_emails(emails: tuple[str, ...]) -> None:
    for email in emails:
        problem = email_error(email)
        if problem is not None:
            raise tomltext.EditError(problem)


def _check_name(name: str, what: str) -> None:
    if not name.strip():
        raise tomltext.EditError(f"the {what} needs a name")
    if "\n" in name or "\r" in name:
        raise tomltext.EditError(f"the {what}'s name must be one line")


# --------------------------------------------------------------------------- helpers


def _data(text: str) -> dict[str, Any]:
    try:
        return tomlparse.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise tomltext.EditError(f"the file is not valid TOML ({exc})") from exc


def _tables(data: dict[str, Any], array: str) -> list[Any]:
    found = data.get(array, [])
    return found if isinstance(found, list) else []


def _index(data: dict[str, Any], array: str, ident: str) -> int | None:
    return next((n for n, item in enumerate(_tables(data, array))
                 if isinstance(item, dict) and item.get("id") == ident), None)


def _ids(data: dict[str, Any], array: str) -> set[str]:
    return {item["id"] for item in _tables(data, array)
            if isinstance(item, dict) and isinstance(item.get("id"), str)}


def _unique(values: tuple[str, ...] | list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def add_block(text: str, array: str, item: dict[str, Any]) -> str:
    """One new ``[[array]]`` block: after the last one of ``array``; the first of its kind
    goes above the first block of an array that follows it in :data:`ORDER` (above the
    comment and blank lines just over that block), so a new class reads teachers,
    students, groups, assignments. Verified like every edit of tomltext."""
    data = _data(text)
    later = [a for a in ORDER[ORDER.index(array) + 1:] if _tables(data, a)] \
        if array in ORDER else []
    if _tables(data, array) or not later:
        return tomltext.append_table(text, (array,), item)
    positions = scan(text)
    starts = [positions.tables[(a, 0)].header_start for a in later
              if (a, 0) in positions.tables]
    if not starts:
        return tomltext.append_table(text, (array,), item)
    at = min(starts)
    while at > 0:  # above the comments and blank lines that lead to that block
        prev = text.rfind("\n", 0, at - 1) + 1
        if not _comment_or_blank(text[prev:at]):
            break
        at = prev
    block = f"[[{array}]]\n" + "".join(
        f"{tomltext.format_key(k)} = {tomltext.format_value(v)}\n" for k, v in item.items())
    head = text[:at]
    gap = "" if not head.strip() or head.endswith("\n\n") else "\n"
    rest = text[at:].lstrip("\n")
    candidate = head + gap + block + ("\n" + rest if rest.strip() else "")
    expected = dict(data)
    expected[array] = [item]
    try:
        if tomlparse.loads(candidate) == expected:
            return candidate
    except tomllib.TOMLDecodeError:
        pass
    return tomltext.append_table(text, (array,), item)


# ---- values of arrays, edited in place (a long members list keeps its lines)


def _expect(text: str, loc: tuple[str | int, ...], values: list[Any]) -> dict[str, Any]:
    expected = _data(text)
    target: Any = expected
    for part in loc[:-1]:
        target = target[part]
    target[loc[-1]] = values
    return expected


def _verified(candidate: str, expected: dict[str, Any]) -> bool:
    try:
        return tomlparse.loads(candidate) == expected
    except tomllib.TOMLDecodeError:
        return False


def _current(text: str, loc: tuple[str | int, ...]) -> list[Any]:
    target: Any = _data(text)
    for part in loc:
        target = target[part]
    return list(target) if isinstance(target, list) else []


def _drop_blank_line(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    end = len(text) if end < 0 else end + 1
    return text[:start] + text[end:] if not text[start:end].strip() else text


def remove_from_array(text: str, loc: tuple[str | int, ...], value: str) -> str:
    """Take one string out of the array at ``loc`` where it is written (with its comma;
    a line left empty goes), so the other lines of a long list stay as they are."""
    values = [v for v in _current(text, loc) if v != value]
    expected = _expect(text, loc, values)
    entry = scan(text).entries.get(loc)
    literal = tomltext.format_value(value)
    if entry is not None:
        segment = text[entry.value_start:entry.value_end]
        if segment.count(literal) == 1:
            s = segment.index(literal)
            e = s + len(literal)
            after = re.match(r"[ \t]*,[ \t]*", segment[e:])
            cut = s
            if after:
                new = segment[:s] + segment[e + after.end():]
            else:
                before = re.search(r",[ \t]*$", segment[:s])
                cut = before.start() if before else s
                new = segment[:cut] + segment[e:]
            candidate = _drop_blank_line(text[:entry.value_start] + new
                                         + text[entry.value_end:], entry.value_start + cut)
            if _verified(candidate, expected):
                return candidate
    return tomltext.set_value(text, loc, values)


def append_to_array(text: str, loc: tuple[str | int, ...], value: str) -> str:
    """Add one string at the end of the array at ``loc``, written where the last value
    ends (a long list spread over lines keeps its lines)."""
    values = [*_current(text, loc), value]
    expected = _expect(text, loc, values)
    entry = scan(text).entries.get(loc)
    literal = tomltext.format_value(value)
    if entry is not None:
        segment = text[entry.value_start:entry.value_end]
        close = segment.rstrip().rfind("]")
        body = segment[:close].rstrip()
        if body.endswith("["):
            new = f"[{literal}" + segment[close:]
        elif body.endswith(","):
            new = body + f" {literal}," + segment[len(body):close].rstrip(" \t") \
                + segment[close:]
        else:
            new = body + f", {literal}" + segment[len(body):]
        candidate = text[:entry.value_start] + new + text[entry.value_end:]
        if _verified(candidate, expected):
            return candidate
    return tomltext.set_value(text, loc, values)


def replace_in_array(text: str, loc: tuple[str | int, ...], old: str, new: str) -> str:
    """Write ``new`` in place of ``old`` in the array at ``loc`` (nothing else moves)."""
    values = _unique([new if v == old else v for v in _current(text, loc)])
    expected = _expect(text, loc, values)
    entry = scan(text).entries.get(loc)
    literal = tomltext.format_value(old)
    if entry is not None:
        segment = text[entry.value_start:entry.value_end]
        if segment.count(literal) == 1:
            candidate = (text[:entry.value_start]
                         + segment.replace(literal, tomltext.format_value(new))
                         + text[entry.value_end:])
            if _verified(candidate, expected):
                return candidate
    return tomltext.set_value(text, loc, values)


def _without_in_assignments(text: str, key: str, ident: str) -> tuple[str, int]:
    """Take ``ident`` out of ``assignments[*].key`` (``groups`` or ``students``); an
    assignment left without any target is removed. Returns the text and how many
    assignments were removed."""
    removed = 0
    found = _tables(_data(text), "assignments")
    for n in range(len(found) - 1, -1, -1):  # from the last, so indexes stay right
        item = found[n]
        if not isinstance(item, dict):
            continue
        values = item.get(key)
        if not isinstance(values, list) or ident not in values:
            continue
        rest = [v for v in values if v != ident]
        others = any(item.get(k) for k in ("everyone", "groups", "students") if k != key)
        if rest:
            text = remove_from_array(text, ("assignments", n, key), ident)
        elif others:
            text = tomltext.remove_value(text, ("assignments", n, key))
        else:
            text = tomltext.remove_element(text, ("assignments", n))
            removed += 1
    return text, removed


def _rename_in_assignments(text: str, old: str, new: str) -> str:
    found = _tables(_data(text), "assignments")
    for n, item in enumerate(found):
        groups = item.get("groups") if isinstance(item, dict) else None
        if isinstance(groups, list) and old in groups:
            text = replace_in_array(text, ("assignments", n, "groups"), old, new)
    return text


@dataclass(frozen=True)
class RosterOp(Operation):
    """An operation on the roster in class.toml (teachers only)."""

    @property
    def path(self) -> str:
        return layout.CLASS_FILE


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class AddPerson(RosterOp):
    """A new student or teacher: one block after the last of their kind."""

    kind: ClassVar[str] = "roster-add"
    role: Role = "student"
    id: str = ""
    name: str = ""
    emails: tuple[str, ...] = ()
    signing_key: str = ""

    def edit(self, text: str) -> str:
        _check_id(self.id, self.role)
        _check_name(self.name, self.role)
        _check_emails(self.emails)
        key = self.signing_key.strip()
        if key and (problem := signing_key_error(key)):
            raise tomltext.EditError(problem)
        data = _data(text)
        for role, array in ARRAY.items():
            if self.id in _ids(data, array):
                raise tomltext.EditError(f"there is already a {role} with the id {self.id!r}; "
                                         "choose another id")
        item: dict[str, Any] = {"id": self.id, "name": self.name.strip(),
                                "emails": _unique(self.emails)}
        if key:
            item["signing_key"] = key
        return add_block(text, ARRAY[self.role], item)

    @property
    def summary(self) -> str:
        return f"added {self.role} {self.id}"


@dataclass(frozen=True)
class EditPerson(RosterOp):
    """Change a person's name, emails or signing key: one line for each value that
    changes. ``emails`` (when not None) replaces the list; ``add_emails`` and
    ``remove_emails`` change it; ``signing_key`` "" removes the key, None keeps it."""

    kind: ClassVar[str] = "roster-edit"
    role: Role = "student"
    id: str = ""
    name: str | None = None
    emails: tuple[str, ...] | None = None
    add_emails: tuple[str, ...] = ()
    remove_emails: tuple[str, ...] = ()
    signing_key: str | None = None

    def edit(self, text: str) -> str:
        array = ARRAY[self.role]
        data = _data(text)
        index = _index(data, array, self.id)
        if index is None:
            raise tomltext.EditError(f"there is no {self.role} with the id {self.id!r}")
        current = _tables(data, array)[index]
        if self.name is not None:
            _check_name(self.name, self.role)
            if current.get("name") != self.name.strip():
                text = tomltext.set_value(text, (array, index, "name"), self.name.strip())
        old = current.get("emails", [])
        old = [e for e in old if isinstance(e, str)] if isinstance(old, list) else []
        emails = list(self.emails) if self.emails is not None else list(old)
        _check_emails((*emails, *self.add_emails))
        missing = [e for e in self.remove_emails if e.lower() not in
                   {x.lower() for x in emails}]
        if missing:
            raise tomltext.EditError(f"{self.id} has no email {missing[0]!r}")
        gone = {e.lower() for e in self.remove_emails}
        emails = _unique([e for e in emails if e.lower() not in gone] + list(self.add_emails))
        if emails != current.get("emails", []):
            text = tomltext.set_value(text, (array, index, "emails"), emails)
        if self.signing_key is not None:
            key = self.signing_key.strip()
            if key:
                if problem := signing_key_error(key):
                    raise tomltext.EditError(problem)
                if current.get("signing_key") != key:
                    text = tomltext.set_value(text, (array, index, "signing_key"), key)
            elif "signing_key" in current:
                text = tomltext.remove_value(text, (array, index, "signing_key"))
        return text

    @property
    def summary(self) -> str:
        return f"edited {self.role} {self.id}"


@dataclass(frozen=True)
class RemovePerson(RosterOp):
    """Take a person off the roster. A student also leaves every group and assignment
    (an assignment that was only for them goes too). Their folder stays (the store
    writes only class.toml here); the last teacher cannot be removed."""

    kind: ClassVar[str] = "roster-remove"
    role: Role = "student"
    id: str = ""

    def edit(self, text: str) -> str:
        array = ARRAY[self.role]
        data = _data(text)
        if _index(data, array, self.id) is None:
            raise tomltext.EditError(f"there is no {self.role} with the id {self.id!r}")
        if self.role == "teacher" and len(_tables(data, "teachers")) == 1:
            raise tomltext.EditError(f"{self.id} is the class's only teacher; add another "
                                     "teacher first")
        if self.role == "student":
            for n, group in enumerate(_tables(data, "groups")):
                members = group.get("members") if isinstance(group, dict) else None
                if isinstance(members, list) and self.id in members:
                    text = remove_from_array(text, ("groups", n, "members"), self.id)
            text, _ = _without_in_assignments(text, "students", self.id)
        index = _index(_data(text), array, self.id)
        assert index is not None
        return tomltext.remove_element(text, (array, index))

    @property
    def summary(self) -> str:
        return f"removed {self.role} {self.id} from the roster"


# --------------------------------------------------------------------------- groups


@dataclass(frozen=True)
class MakeGroup(RosterOp):
    """A new group of students (members may be empty)."""

    kind: ClassVar[str] = "group-add"
    id: str = ""
    name: str = ""
    members: tuple[str, ...] = ()

    def edit(self, text: str) -> str:
        _check_id(self.id, "group")
        _check_name(self.name, "group")
        data = _data(text)
        if self.id in _ids(data, "groups"):
            raise tomltext.EditError(f"there is already a group with the id {self.id!r}")
        students = _ids(data, "students")
        unknown = [m for m in self.members if m not in students]
        if unknown:
            raise tomltext.EditError(f"there is no student with the id {unknown[0]!r}")
        return add_block(text, "groups", {"id": self.id, "name": self.name.strip(),
                                          "members": _unique(self.members)})

    @property
    def summary(self) -> str:
        return f"made group {self.id}"


@dataclass(frozen=True)
class EditGroup(RosterOp):
    """Rename a group (its name, or its id: assignments follow), and add or remove
    members; ``members`` (when not None) replaces the list."""

    kind: ClassVar[str] = "group-edit"
    group: str = ""
    name: str | None = None
    new_id: str | None = None
    members: tuple[str, ...] | None = None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def edit(self, text: str) -> str:
        data = _data(text)
        index = _index(data, "groups", self.group)
        if index is None:
            raise tomltext.EditError(f"there is no group with the id {self.group!r}")
        current = _tables(data, "groups")[index]
        old = current.get("members", [])
        old = list(old) if isinstance(old, list) else []
        members = list(self.members) if self.members is not None else old
        students = _ids(data, "students")
        unknown = [m for m in (*members, *self.add) if m not in students and m not in old]
        if unknown:
            raise tomltext.EditError(f"there is no student with the id {unknown[0]!r}")
        not_in = [m for m in self.remove if m not in members]
        if not_in:
            raise tomltext.EditError(f"{not_in[0]} is not in group {self.group}")
        members = _unique([m for m in members if m not in self.remove] + list(self.add))
        if self.name is not None:
            _check_name(self.name, "group")
            if current.get("name") != self.name.strip():
                text = tomltext.set_value(text, ("groups", index, "name"), self.name.strip())
        if members != old and self.members is None and "members" in current:
            for m in self.remove:  # where they are written: a long list keeps its lines
                text = remove_from_array(text, ("groups", index, "members"), m)
            for m in self.add:
                if m not in old:
                    text = append_to_array(text, ("groups", index, "members"), m)
        elif members != old:
            text = tomltext.set_value(text, ("groups", index, "members"), members)
        if self.new_id is not None and self.new_id != self.group:
            _check_id(self.new_id, "group")
            if self.new_id in _ids(data, "groups"):
                raise tomltext.EditError(f"there is already a group with the id "
                                         f"{self.new_id!r}")
            text = tomltext.set_value(text, ("groups", index, "id"), self.new_id)
            text = _rename_in_assignments(text, self.group, self.new_id)
        return text

    @property
    def summary(self) -> str:
        """What people read in the history: the group by its new name when it has one,
        and what changed ('renamed group table-2 to "Table two"', 'added 2 to group ...')."""
        said: list[str] = []
        if self.new_id and self.new_id != self.group:
            said.append(f"renamed group {self.group} to {self.new_id}")
        if self.name is not None:
            said.append(f"named group {self.new_id or self.group} \"{self.name.strip()}\"")
        who = []
        if self.members is not None:
            who.append("set who is in")
        if self.add:
            who.append(f"added {_count(len(self.add), 'student')} to")
        if self.remove:
            who.append(f"removed {_count(len(self.remove), 'student')} from")
        if who:
            said.append(" and ".join(who) + f" group {self.new_id or self.group}")
        return ", ".join(said) or f"edited group {self.group}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class DeleteGroup(RosterOp):
    """Delete a group: its block, and its id from assignments (an assignment that was
    only for it goes too). The students stay in the class."""

    kind: ClassVar[str] = "group-delete"
    group: str = ""

    def edit(self, text: str) -> str:
        if _index(_data(text), "groups", self.group) is None:
            raise tomltext.EditError(f"there is no group with the id {self.group!r}")
        text, _ = _without_in_assignments(text, "groups", self.group)
        index = _index(_data(text), "groups", self.group)
        assert index is not None
        return tomltext.remove_element(text, ("groups", index))

    @property
    def summary(self) -> str:
        return f"deleted group {self.group}"


# --------------------------------------------------------------------------- the class


@dataclass(frozen=True)
class RenameClass(RosterOp):
    """Change the class's name (one line)."""

    kind: ClassVar[str] = "class-name"
    name: str = ""

    def edit(self, text: str) -> str:
        _check_name(self.name, "class")
        if _data(text).get("name") == self.name.strip():
            return text
        return tomltext.set_value(text, ("name",), self.name.strip())

    @property
    def summary(self) -> str:
        return "renamed the class"


def assignments_touched(text: str, role_or_group: str, ident: str) -> int:
    """How many assignments name ``ident`` (a student, with ``"student"``, or a group,
    with ``"group"``): what removing it changes there, for a confirmation."""
    key = "students" if role_or_group == "student" else "groups"
    return sum(1 for a in _tables(_data(text), "assignments")
               if isinstance(a, dict) and isinstance(a.get(key), list) and ident in a[key])


def slug(text: str) -> str:
    """``Not yet on MATH.6.RP.2: needs re-teaching`` -> ``not-yet-on-math-6-rp-2-needs-
    re-teaching``: ASCII letters and digits joined by ``-``, accents dropped."""
    import unicodedata

    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text).lower():
        if unicodedata.combining(ch):
            continue
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def suggest_id(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """An id made from a name: ``Chloé Dubois`` -> ``chloe-dubois`` (free of ``taken``;
    ``-2``, ``-3``... when it is)."""
    base = slug(name)[:48].strip("-") or "person"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
