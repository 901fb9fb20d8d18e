"""Whole files written from models: deterministic text (same model, same bytes).

Used when the app creates a file (a new playlist, a copy of one, a new student's record).
Student and teacher files use one line per entry, the layout that keeps later edits to
one line; curriculum and class files use readable tables.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import tomli_w
from pydantic import BaseModel

from playlist_tui.model.files import StudentFile, TeacherFile
from playlist_tui.store.tomltext import format_key, format_value


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_data(model: BaseModel) -> dict[str, Any]:
    """The model as TOML-ready data, leaving out values that equal their defaults."""
    data = _plain(model.model_dump(mode="python", exclude_defaults=True))
    assert isinstance(data, dict)
    return data


def render_records(model: StudentFile | TeacherFile, header: str = "") -> str:
    """A student's or teachers' file: each section a table, each entry one line."""
    data = to_data(model)
    out = [header.rstrip("\n") + "\n"] if header else []
    for section, entries in data.items():
        if out:
            out.append("\n")
        out.append(f"[{section}]\n")
        for key, value in entries.items():
            out.append(f"{format_key(key)} = {format_value(value)}\n")
    return "".join(out)


def render_document(model: BaseModel, header: str = "") -> str:
    """A class, framework or playlist file, with tables and arrays of tables."""
    text = tomli_w.dumps(to_data(model))
    return (header.rstrip("\n") + "\n\n" if header else "") + text
