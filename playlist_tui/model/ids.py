"""Identifiers: what a valid id looks like, and the annotated types that enforce it.

Ids appear in file names and folder names (students, playlists) and in references between
files, so they are deliberately plain: letters, digits, ``.``, ``_`` and ``-``, starting
with a letter or digit, at most 64 characters, never ``..``. That rules out path
separators, empty ids and hidden files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ID_RULE = (
    "an id uses letters, digits, '.', '_' and '-', starts with a letter or digit, "
    "has at most 64 characters and never contains '..'"
)


def id_error(value: str) -> str | None:
    """Return why ``value`` is not a valid id, or None when it is."""
    if value == "":
        return "the id is empty"
    if "/" in value or "\\" in value:
        return f"the id {value!r} contains a path separator"
    if ".." in value:
        return f"the id {value!r} contains '..'"
    if len(value) > 64:
        return f"the id {value[:20]!r}... is longer than 64 characters"
    if not ID_PATTERN.fullmatch(value):
        return f"the id {value!r} has characters that are not allowed"
    return None


_VALID: set[str] = set()
"""Ids already found valid (and, in _VALID_REFS, activity references). Every student's
file repeats the same few thousand references (93,000 checks at M, 3 million at L), and
the check is a pure function of the string, so each string is checked once. Bounded:
emptied when full (hostile input cannot grow it without limit)."""
_VALID_REFS: set[str] = set()
_VALID_MAX = 1 << 17


def _remember(value: str) -> None:
    if len(_VALID) >= _VALID_MAX:
        _VALID.clear()
    _VALID.add(value)


def _check_id(value: str) -> str:
    if value in _VALID:
        return value
    problem = id_error(value)
    if problem is not None:
        raise ValueError(f"{problem}; {ID_RULE}")
    _remember(value)
    return value


Id = Annotated[str, AfterValidator(_check_id)]
"""A validated id (student, teacher, group, playlist, tier, activity, competency, ...)."""


def _check_activity_ref(value: str) -> str:
    if value in _VALID_REFS:
        return value
    playlist, sep, activity = value.partition("/")
    if not sep:
        raise ValueError(
            f"{value!r} is not an activity reference; write it as \"PLAYLIST/ACTIVITY\""
        )
    _check_id(playlist)
    _check_id(activity)
    if len(_VALID_REFS) >= _VALID_MAX:
        _VALID_REFS.clear()
    _VALID_REFS.add(value)
    return value


ActivityRef = Annotated[str, AfterValidator(_check_activity_ref)]
"""``"playlist-id/activity-id"``: how a student's file names an activity."""


def valid_refs(refs: Iterable[str]) -> bool:
    """Whether each of ``refs`` is a valid activity reference (as :data:`ActivityRef`
    checks it; those not found valid before are checked and remembered)."""
    for ref in {*refs}.difference(_VALID_REFS):
        try:
            _check_activity_ref(ref)
        except ValueError:
            return False
    return True


def split_ref(ref: str) -> tuple[str, str]:
    playlist, _, activity = ref.partition("/")
    return playlist, activity


def make_ref(playlist: str, activity: str) -> str:
    return f"{playlist}/{activity}"
