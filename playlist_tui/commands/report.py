"""``playlist-tui report [FOLDER] --by student|competency|playlist --format ...``"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from playlist_tui.commands.common import add_folder_argument, class_folder

if TYPE_CHECKING:
    from playlist_tui.reports.gradebook import Grid

HELP = ("Reports on a class: a row per student (levels and percent done: a gradebook), per "
        "competency or per playlist, as a table, CSV, JSON or Markdown. With --student and "
        "--format md or html: the one-student report for a family conference.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_argument(parser)
    parser.add_argument("--by", choices=("student", "competency", "playlist"),
                        default="student", help="one row per ... (default: student)")
    parser.add_argument("--format", choices=("table", "csv", "json", "md", "html"),
                        default="table",
                        help="table (the terminal), csv (spreadsheets, gradebooks), json "
                             "(scripts), md (sharing); html only with --student "
                             "(default: table)")
    parser.add_argument("--group", metavar="ID", help="only the students of this group")
    parser.add_argument("--playlist", metavar="ID", help="only this playlist (and its "
                                                         "competencies)")
    parser.add_argument("--student", metavar="ID",
                        help="only this student; with --format md or html, the student report")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of standard output")


def write_output(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def run(args: argparse.Namespace) -> int:
    from playlist_tui.reports import gradebook, student_report
    from playlist_tui.store.loader import load_class

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    if args.format == "html" and not args.student:
        print("playlist-tui report: --format html is the one-student report: add --student ID",
              file=sys.stderr)
        return 2
    result = load_class(folder)
    if result.problems:
        from playlist_tui.engine.progress import counted

        print(f"playlist-tui: {counted(len(result.problems), 'problem')} in {folder} (left "
              "out of the report where they matter); run 'playlist-tui validate' to see them",
              file=sys.stderr)
    data = result.data
    away = _records_elsewhere(folder, data.students)
    if args.student and args.student in away:
        from playlist_tui.model.safetext import safe_line

        print(f"playlist-tui report: {safe_line(data.students[args.student].name)}'s record is "
              "not in this clone: the class is in privacy mode, and each student's record is "
              "in a repository only they and their teachers have (docs/privacy.md)",
              file=sys.stderr)
        return 2
    try:
        if args.student and args.format in ("md", "html"):
            report = student_report.build(data, args.student)
            text = (student_report.to_html(report) if args.format == "html"
                    else student_report.to_markdown(report))
            write_output(text, args.output)
            return 0
        selection = gradebook.select(data, group=args.group, playlist=args.playlist,
                                     student=args.student)
    except gradebook.SelectionError as exc:
        print(f"playlist-tui report: {exc}", file=sys.stderr)
        return 2
    if away:
        from dataclasses import replace

        from playlist_tui.engine.progress import counted

        kept = tuple(s for s in selection.students if s.id not in away)
        left = len(selection.students) - len(kept)
        if left:
            print(f"playlist-tui report: {counted(left, 'student')} left out: their records "
                  "are not in this clone (privacy mode, docs/privacy.md)", file=sys.stderr)
        selection = replace(selection, students=kept)
    grid = gradebook.build(data, args.by, selection)
    if args.format == "csv":
        write_output(gradebook.to_csv(grid), args.output)
    elif args.format == "json":
        write_output(gradebook.to_json(grid), args.output)
    elif args.format == "md":
        write_output(gradebook.to_markdown(grid), args.output)
    else:
        print_table(grid, args.output)
    return 0


def _records_elsewhere(folder: Path, students: Mapping[str, object]) -> set[str]:
    """In privacy mode, the students whose record this clone does not have (another
    student's, in a student's clone): reported as absent, never as 'not started'."""
    from playlist_tui.store import layout
    from playlist_tui.store.workspace import privacy_template

    if privacy_template(folder) is None:
        return set()
    return {sid for sid in students
            if not (folder / layout.STUDENTS_DIR / sid).is_dir()}


def print_table(grid: Grid, output: str | None) -> None:
    """The report as a rich table (rich is imported here only: commands stay UI-free)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from playlist_tui.model.safetext import safe_line

    # Every word comes from the class files: plain text (a "[/]" in a name is not markup)
    # with control characters shown as visible escapes.
    numeric = {"mastered", "not yet", "pending", "not started", "assigned", "started",
               "complete", "average %"}
    console = Console()
    if not output and _table_width(grid) > console.width:
        print_list(grid, console.width)
        return
    table = Table(title=Text(safe_line(grid.title)), title_justify="left")
    for column in grid.columns:
        right = column in numeric or column.endswith(" %")
        table.add_column(Text(safe_line(column)), justify="right" if right else "left",
                         no_wrap=column in ("student", "competency", "playlist"))
    for row in grid.rows:
        table.add_row(*(Text(safe_line(cell)) for cell in row))
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            Console(file=handle, width=200, color_system=None).print(table)
        return
    console.print(table)
    if not grid.rows:
        console.print("Nothing to report.")
    if grid.legend:
        for key, name in grid.legend:
            console.print(safe_line(f"  {key}: {name}"), highlight=False, markup=False)


def _table_width(grid: Grid) -> int:
    """The width a table needs to show every header readable (each word whole) and every
    cell whole, borders included; names and titles may wrap (16 columns of them)."""
    widths = [max(len(word) for word in column.split() or [""]) for column in grid.columns]
    for row in grid.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    widths = [min(w, 16) if column in ("name", "title") else w
              for w, column in zip(widths, grid.columns, strict=True)]
    return sum(widths) + 3 * len(widths) + 1


def print_list(grid: Grid, width: int) -> None:
    """A report too wide for the terminal, one block per row instead of a table whose
    headers would all be cut to "…": the row's name, then each column that has a value
    as "column value", wrapped at ``width`` between items (never inside one)."""
    from playlist_tui.model.safetext import safe_line

    width = max(width, 40)
    named = len(grid.columns) > 1 and grid.columns[1] in ("name", "title")
    first = 2 if named else 1
    print(safe_line(grid.title))
    print(f"(one {grid.columns[0]} a block: too wide for a table in {width} columns; "
          "--format md or csv)")
    for row in grid.rows:
        head = f"{row[1]} ({row[0]})" if named else row[0]
        print()
        print(safe_line(head)[:width])
        items = [f"{column.removesuffix(' %')} {cell}{'%' if column.endswith(' %') else ''}"
                 for column, cell in zip(grid.columns[first:], row[first:], strict=False)
                 if cell]
        if not items:
            print("  (nothing yet)")
        line = ""
        for item in (safe_line(i) for i in items):
            candidate = f"{line} · {item}" if line else f"  {item}"
            if line and len(candidate) > width:
                print(line)
                candidate = f"  {item}"
            line = candidate
        if line:
            print(line)
    if not grid.rows:
        print("Nothing to report.")
    for key, name in grid.legend:
        print(safe_line(f"  {key}: {name}"))
