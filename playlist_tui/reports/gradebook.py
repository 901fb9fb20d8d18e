"""Class reports: by student, by competency or by playlist, as CSV, JSON or Markdown.

Every number comes from the engine: levels and states from
:func:`playlist_tui.engine.mastery.statuses`, percentages and completion from
:func:`playlist_tui.engine.progress.playlist_progress`. A report is a :class:`Grid`: the
columns and rows of text (for CSV, Markdown and the terminal table) and the same facts as
plain data for JSON (stable keys, numbers as numbers).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from playlist_tui.engine.mastery import CompetencyStatus, State, statuses
from playlist_tui.engine.progress import (
    PlaylistProgress,
    counted,
    playlist_competencies,
    playlist_progress,
)
from playlist_tui.model.files import Playlist, Student
from playlist_tui.model.klass import ClassData
from playlist_tui.model.safetext import json_text, safe_line

By = Literal["student", "competency", "playlist"]
BY: tuple[By, ...] = ("student", "competency", "playlist")
FORMATS = ("table", "csv", "json", "md")
REPORT_VERSION = 1


class SelectionError(ValueError):
    """An unknown group, playlist or student id was asked for."""


@dataclass(frozen=True)
class Selection:
    """Which students, playlists and competencies a report covers, in class order."""

    students: tuple[Student, ...]
    playlists: tuple[Playlist, ...]
    competencies: tuple[str, ...]
    filters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Grid:
    """A report: a title, columns and rows of text, and the same facts as JSON data."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    data: dict[str, Any]
    legend: tuple[tuple[str, str], ...] = ()  # (id, name) for Markdown


def _unknown(kind: str, wanted: str, known: Iterable[str]) -> SelectionError:
    names = list(known)
    close = difflib.get_close_matches(wanted, names, n=1)
    if close:
        hint = f" (did you mean {close[0]!r}?)"
    else:
        hint = f" (the {kind} ids are: {', '.join(names[:12])}{', ...' if len(names) > 12 else ''})"
    return SelectionError(f"unknown {kind} {wanted!r}{hint}")


_playlist_competencies = playlist_competencies


def select(data: ClassData, group: str | None = None, playlist: str | None = None,
           student: str | None = None) -> Selection:
    """The students (roster order), playlists and competencies (class order) to report on.

    Students: the whole roster, or the members of ``group``, or just ``student``.
    Playlists: those assigned to at least one selected student, or just ``playlist``.
    Competencies: those the selected playlists name (check, activities, unlock rules);
    without ``playlist``, also any competency a selected student has a request or a
    decision about. Raises :class:`SelectionError` for an unknown id.
    """
    filters: dict[str, str] = {}
    students = list(data.students.values())  # roster order, first of a duplicated id
    if group is not None:
        found_group = data.groups.get(group)
        if found_group is None:
            raise _unknown("group", group, data.groups)
        students = [s for s in students if s.id in found_group.members]
        filters["group"] = group
    if student is not None:
        if student not in data.students:
            raise _unknown("student", student, data.students)
        students = [s for s in students if s.id == student]
        if not students:
            raise SelectionError(f"student {student!r} is not in group {group!r}")
        filters["student"] = student
    if playlist is not None:
        if playlist not in data.playlists:
            raise _unknown("playlist", playlist, data.playlists)
        playlists = [data.playlists[playlist]]
        filters["playlist"] = playlist
    else:
        assigned = {p.id for s in students for p in data.assigned_playlists(s.id)}
        playlists = [p for p in data.playlists.values() if p.id in assigned]
    wanted = {c for p in playlists for c in _playlist_competencies(p)}
    if playlist is None:
        for s in students:
            record = data.record(s.id)
            wanted.update(r.competency for r in record.student.requests.values())
            wanted.update(st.competency for st in statuses(data, s.id).values()
                          if st.latest is not None)
    competencies = tuple(c for c in data.competencies if c in wanted)
    return Selection(tuple(students), tuple(playlists), competencies, filters)


# --------------------------------------------------------------------------- cells


def level_cell(status: CompetencyStatus) -> str:
    """The gradebook cell: "3 Proficient", "not yet", "pending", or "" (not started)."""
    if status.state in (State.MASTERED, State.NOT_YET) and status.level is not None:
        return f"{status.level} {status.level_name}"
    if status.state == State.NOT_YET:
        return "not yet"
    if status.state == State.PENDING:
        return "pending"
    return ""


def level_data(status: CompetencyStatus) -> dict[str, Any]:
    return {
        "state": status.state.value,
        "level": status.level,
        "level_name": status.level_name or None,
        "pending": bool(status.pending),
    }


def progress_data(progress: PlaylistProgress) -> dict[str, Any]:
    return {
        "done": progress.done,
        "total": progress.total,
        "percent": progress.percent,
        "started": progress.started,
        "complete": progress.complete,
    }


def _competency_name(data: ClassData, competency: str) -> str:
    found = data.competencies.get(competency)
    return found.label if found else competency


def _meta(data: ClassData, sel: Selection, by: By) -> dict[str, Any]:
    return {
        "report": by,
        "version": REPORT_VERSION,
        "class": data.info.name,
        "filters": dict(sorted(sel.filters.items())),
    }


# --------------------------------------------------------------------------- reports


def by_student(data: ClassData, sel: Selection) -> Grid:
    """A row per student: the level on each competency, percent done of each playlist."""
    columns = ("student", "name", *sel.competencies, *(f"{p.id} %" for p in sel.playlists))
    rows: list[tuple[str, ...]] = []
    items: list[dict[str, Any]] = []
    for student in sel.students:
        levels = statuses(data, student.id, list(sel.competencies))
        assigned = {p.id for p in data.assigned_playlists(student.id)}
        cells = [student.id, student.name]
        cells.extend(level_cell(levels[c]) for c in sel.competencies)
        playlist_items: dict[str, Any] = {}
        for playlist in sel.playlists:
            if playlist.id in assigned:
                progress = playlist_progress(data, playlist, student.id)
                cells.append(str(progress.percent))
                playlist_items[playlist.id] = progress_data(progress)
            else:
                cells.append("")
                playlist_items[playlist.id] = None
        rows.append(tuple(cells))
        items.append({
            "id": student.id,
            "name": student.name,
            "competencies": {c: level_data(levels[c]) for c in sel.competencies},
            "playlists": playlist_items,
        })
    payload = _meta(data, sel, "student")
    payload["competencies"] = [{"id": c, "name": _competency_name(data, c)}
                               for c in sel.competencies]
    payload["playlists"] = [{"id": p.id, "title": p.title} for p in sel.playlists]
    payload["students"] = items
    legend = tuple((c, _competency_name(data, c)) for c in sel.competencies) + tuple(
        (f"{p.id} %", f"{p.title} (percent of required activities done; blank: not assigned)")
        for p in sel.playlists)
    return Grid(f"{data.info.name}: by student", columns, tuple(rows), payload, legend)


COMPETENCY_STATES = (State.MASTERED, State.NOT_YET, State.PENDING, State.NOT_STARTED)


def by_competency(data: ClassData, sel: Selection) -> Grid:
    """A row per competency: how many selected students are in each state."""
    counts: dict[str, dict[State, int]] = {
        c: dict.fromkeys(COMPETENCY_STATES, 0) for c in sel.competencies}
    for student in sel.students:
        for competency, status in statuses(data, student.id, list(sel.competencies)).items():
            counts[competency][status.state] += 1
    columns = ("competency", "name", "mastered", "not yet", "pending", "not started")
    rows = tuple(
        (c, _competency_name(data, c), *(str(counts[c][s]) for s in COMPETENCY_STATES))
        for c in sel.competencies)
    payload = _meta(data, sel, "competency")
    payload["students"] = len(sel.students)
    payload["competencies"] = [
        {"id": c, "name": _competency_name(data, c),
         **{s.value.replace("-", "_"): counts[c][s] for s in COMPETENCY_STATES}}
        for c in sel.competencies]
    students = counted(len(sel.students), "student")
    return Grid(f"{data.info.name}: by competency ({students})", columns, rows, payload)


def by_playlist(data: ClassData, sel: Selection) -> Grid:
    """A row per playlist: assigned, started, complete and the average percent done."""
    selected = {s.id for s in sel.students}
    columns = ("playlist", "title", "assigned", "started", "complete", "average %")
    rows: list[tuple[str, ...]] = []
    items: list[dict[str, Any]] = []
    for playlist in sel.playlists:
        assignees = [s for s in data.assignees(playlist.id) if s in selected]
        progress = [playlist_progress(data, playlist, s) for s in assignees]
        started = sum(1 for p in progress if p.started)
        complete = sum(1 for p in progress if p.complete)
        average = round(sum(p.percent for p in progress) / len(progress)) if progress else None
        rows.append((playlist.id, playlist.title, str(len(assignees)), str(started),
                     str(complete), "" if average is None else str(average)))
        items.append({"id": playlist.id, "title": playlist.title, "assigned": len(assignees),
                      "started": started, "complete": complete, "average_percent": average})
    payload = _meta(data, sel, "playlist")
    payload["playlists"] = items
    return Grid(f"{data.info.name}: by playlist", columns, tuple(rows), payload)


def build(data: ClassData, by: By, sel: Selection) -> Grid:
    return {"student": by_student, "competency": by_competency,
            "playlist": by_playlist}[by](data, sel)


# --------------------------------------------------------------------------- output


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def csv_cell(text: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: a cell starting with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return gets a leading apostrophe (as OWASP
    recommends; spreadsheets show the text as it was), except a plain negative number
    like ``-5`` or ``-2.5``, which stays a number. Control characters are shown as visible
    escapes and a newline as ``⏎`` (every cell of these reports is one line)."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        text = "'" + text
    return safe_line(text)


def to_csv(grid: Grid) -> str:
    """CSV with a header row; opens in any spreadsheet or gradebook import. Cells from the
    class files are neutralised (see :func:`csv_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in grid.columns])
    writer.writerows([csv_cell(c) for c in row] for row in grid.rows)
    return out.getvalue()


def to_json(grid: Grid) -> str:
    return json_text(grid.data) + "\n"


_MD_SPECIAL = str.maketrans({"\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]",
                             "`": "\\`", "&": "&amp;", "<": "&lt;", ">": "&gt;"})


def md_cell(text: str) -> str:
    """Text from the class files in Markdown (a table cell, a list item): pipes, brackets
    and backticks escaped, HTML escaped (``<img onerror=...>`` stays text, never a tag),
    line breaks flattened, control characters shown as visible escapes."""
    return safe_line(" ".join(text.translate(_MD_SPECIAL).split()))


def md_table(columns: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    header = [md_cell(c) for c in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def to_markdown(grid: Grid) -> str:
    text = f"# {md_cell(grid.title)}\n\n"
    filters = grid.data.get("filters") or {}
    if filters:
        text += "Only " + ", ".join(f"{k} `{v}`" for k, v in filters.items()) + ".\n\n"
    if not grid.rows:
        return text + "Nothing to report.\n"
    text += md_table(grid.columns, grid.rows)
    if grid.legend:
        text += "\n" + "".join(f"- `{md_cell(k)}`: {md_cell(v)}\n" for k, v in grid.legend)
    return text
