"""Pydantic validation errors, told in the words of a person editing a TOML file.

Also knows how to drop just the broken part of a file's data (one activity, one tick, one
unknown key) so that the rest of the file can still be used: see :func:`validate_lenient`.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from playlist_tui.model.problems import Loc, Severity, loc_text

M = TypeVar("M", bound=BaseModel)

FIELD_HELP = {
    "complete": (
        'complete must be "all", "optional" or a whole number N (at least N activities)',
        'for example complete = "all", complete = 2 or complete = "optional"',
    ),
    "unlock": (
        'unlock must be "open", "previous" or { mastered = "COMPETENCY-ID" }',
        'for example unlock = "previous" or unlock = { mastered = "MATH.6.RP.1" }',
    ),
}


@dataclass(frozen=True)
class FieldProblem:
    loc: Loc  # where in the file's data (keys and indexes)
    message: str
    hint: str
    severity: Severity = Severity.ERROR


def toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------- type walking


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> tuple[Any, ...]:
    annotation = _unwrap(annotation)
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(_unwrap(a) for a in get_args(annotation))
    return (annotation,)


def _pick(annotation: Any, value: Any) -> Any:
    """The member of a union that fits a raw value best (a model for a table)."""
    members = [m for m in _members(annotation) if m is not type(None)]
    for member in members:
        is_model = isinstance(member, type) and issubclass(member, BaseModel)
        if isinstance(value, dict) and is_model:
            return member
    for member in members:
        if get_origin(member) in (dict, tuple, list) and isinstance(value, dict | list):
            return member
    return members[0] if members else annotation


@dataclass
class _Step:
    depth: int  # length of the loc prefix this step describes
    kind: Literal["item", "optional", "required"]
    model: type[BaseModel] | None = None


def _walk(model: type[BaseModel], data: Any, loc: Loc) -> tuple[list[_Step], int]:
    """Follow ``loc`` through the model's annotations and the raw data.

    Returns the steps (what each prefix of ``loc`` is: a collection item, an optional or a
    required field) and how much of ``loc`` exists in the data.
    """
    steps: list[_Step] = []
    annotation: Any = model
    current: Any = data
    exists = 0
    for depth, part in enumerate(loc, start=1):
        annotation = _pick(annotation, current)
        origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                break
            kind: Literal["optional", "required"] = (
                "required" if field.is_required() else "optional")
            steps.append(_Step(depth, kind, annotation))
            annotation = field.annotation
        elif origin in (tuple, list):
            steps.append(_Step(depth, "item"))
            annotation = get_args(annotation)[0]
        elif origin is dict:
            steps.append(_Step(depth, "item"))
            annotation = get_args(annotation)[1]
        else:
            break
        current = _step(current, part)
        if current is _MISSING:
            current = None
        else:
            exists = depth
    return steps, exists


_MISSING = object()


def _step(data: Any, part: str | int) -> Any:
    if isinstance(data, dict):
        return data.get(part, _MISSING)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return _MISSING


def _data_loc(data: Any, loc: Loc) -> Loc:
    """Leave out the parts of a location that name a union member, not a key in the data."""
    out: list[str | int] = []
    current = data
    for n, part in enumerate(loc):
        found = _step(current, part)
        if found is _MISSING and n < len(loc) - 1:
            continue
        out.append(part)
        current = found
    return tuple(out)


def _get(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = _step(data, part)
        if data is _MISSING:
            return None
    return data


def _delete(data: Any, loc: Loc) -> bool:
    parent = _get(data, loc[:-1]) if loc[:-1] else data
    last = loc[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return True
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        parent[last] = _DROPPED
        return True
    return False


_DROPPED = object()


def _compact(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _compact(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_compact(v) for v in data if v is not _DROPPED]
    return data


def _model_at(model: type[BaseModel], data: Any, loc: Loc) -> type[BaseModel] | None:
    """The model whose field ``loc[-1]`` is (for unknown-key messages)."""
    if not loc[:-1]:
        return model
    steps, _ = _walk(model, data, loc[:-1])
    if len(steps) < len(loc) - 1:
        return None
    annotation: Any = model
    current: Any = data
    for part in loc[:-1]:
        annotation = _pick(annotation, current)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            annotation = annotation.model_fields[str(part)].annotation
        elif get_origin(annotation) in (tuple, list):
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        current = _get(current, (part,))
    annotation = _pick(annotation, current)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


# --------------------------------------------------------------------------- messages


def describe(model: type[BaseModel], data: Any, error: Any) -> FieldProblem:
    """One pydantic error as a message and a hint for a person."""
    raw_loc: Loc = tuple(error["loc"])
    steps, exists = _walk(model, data, raw_loc)
    known = max((s.depth for s in steps), default=0)
    loc = raw_loc[: max(known, exists)] if error["type"] != "extra_forbidden" else raw_loc
    where = loc_text(loc) or "the file"
    kind = error["type"]
    value = error.get("input")
    name = str(loc[-1]) if loc else ""

    if kind == "extra_forbidden":
        raw_loc = _data_loc(data, raw_loc)
        owner = _model_at(model, data, raw_loc)
        allowed = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        if allowed:
            hint += "Keys allowed here: " + ", ".join(allowed)
        place = loc_text(raw_loc[:-1]) or "the top level"
        return FieldProblem(raw_loc, f"unknown key {name!r} in {place}", hint.strip(),
                            Severity.WARNING)
    if name in FIELD_HELP and len(raw_loc) > len(loc):
        message, hint = FIELD_HELP[name]
        return FieldProblem(loc, f"{where}: {message}, got {_short(_get(data, loc))}", hint)
    if kind == "missing":
        return FieldProblem(loc, f"missing key {name!r}" + (
            f" in {loc_text(loc[:-1])}" if loc[:-1] else ""), f"add {name} = ... here")
    got = f", got {toml_type(value)} {_short(value)}"
    expected = {
        "string_type": "a string (in quotes)",
        "int_type": "an integer (a whole number, no quotes)",
        "int_from_float": "an integer (a whole number)",
        "bool_type": "true or false (no quotes)",
        "tuple_type": "an array, like [\"a\", \"b\"]",
        "list_type": "an array, like [\"a\", \"b\"]",
        "dict_type": "a table",
        "model_type": "a table",
        "model_attributes_type": "a table",
        "datetime_type": "a date-time like 2026-11-03T10:15:00Z",
        "date_type": "a date like 2026-11-03",
    }.get(kind)
    if expected is not None:
        return FieldProblem(loc, f"{where}: expected {expected}{got}",
                            "fix the value's type" if kind != "string_type"
                            else "put the text in double quotes")
    if kind in ("enum", "literal_error"):
        options = error.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in options.replace(" or ", ", ").split(",")]
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = (f"did you mean {close[0]!r}? " if close else "") + f"use one of: {options}"
        return FieldProblem(loc, f"{where}: {value!r} is not allowed", hint)
    if kind in ("greater_than_equal", "greater_than"):
        limit = error.get("ctx", {}).get("ge", error.get("ctx", {}).get("gt"))
        return FieldProblem(loc, f"{where}: {value!r} is too small", f"use a number >= {limit}")
    if kind == "too_short":
        return FieldProblem(loc, f"{where}: needs at least {error['ctx']['min_length']} items",
                            "add the missing items")
    if kind == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
        if raw_loc and raw_loc[-1] == "[key]":
            return FieldProblem(loc, f"{where}: bad key: {message}",
                                "rename the key (the part before '=')")
        hint = ""
        if "date" in message:
            hint = "TOML dates and times have no quotes: 2026-11-03 or 2026-11-03T10:15:00Z"
        return FieldProblem(loc, f"{where}: {message}", hint)
    return FieldProblem(loc, f"{where}: {error['msg']}", "")


def _prune_point(model: type[BaseModel], data: Any, raw_loc: Loc, kind: str) -> Loc | None:
    if kind == "extra_forbidden":
        return _data_loc(data, raw_loc)
    steps, _ = _walk(model, data, raw_loc)
    for step in reversed(steps):
        if step.kind in ("item", "optional"):
            return raw_loc[: step.depth]
    return None


def _to_original(work: Any, loc: Loc) -> Loc:
    """Map a location in the compacted data back to the data with dropped items marked."""
    out: list[str | int] = []
    current = work
    for part in loc:
        if isinstance(current, list) and isinstance(part, int):
            alive = [i for i, item in enumerate(current) if item is not _DROPPED]
            index = alive[part] if 0 <= part < len(alive) else part
            out.append(index)
            current = current[index] if 0 <= index < len(current) else None
        else:
            out.append(part)
            current = current.get(part) if isinstance(current, dict) else None
    return tuple(out)


def validate_lenient(
    model: type[M], data: dict[str, Any]
) -> tuple[M | None, list[FieldProblem]]:
    """Validate ``data``; on errors, drop the smallest broken part and try again.

    Returns the model (None if the file as a whole is unusable, e.g. a required top-level
    key is missing) and every problem found along the way, located in ``data`` as given.
    ``data`` itself is not modified.
    """
    import copy

    work = copy.deepcopy(data)
    problems: list[FieldProblem] = []
    seen: set[tuple[Loc, str]] = set()
    for _ in range(1000):
        try:
            return model.model_validate(_compact(work)), problems
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        # Unknown keys first: inside a union (unlock = {...}) they make every member fail,
        # so the other errors of this round may only be consequences of the typo.
        unknown = [e for e in errors if e["type"] == "extra_forbidden"]
        if unknown:
            errors = unknown
        pruned: list[Loc] = []
        fatal = False
        for original in errors:
            error: dict[str, Any] = dict(original)
            error["loc"] = _to_original(work, tuple(original["loc"]))
            found = describe(model, work, error)
            key = (found.loc, found.message)
            if key not in seen:
                seen.add(key)
                problems.append(found)
            point = _prune_point(model, work, error["loc"], error["type"])
            if point is None:
                fatal = True
            elif point not in pruned:
                pruned.append(point)
        deleted = [point for point in pruned if _delete(work, point)]
        if fatal or not deleted:
            return None, problems
    return None, problems
