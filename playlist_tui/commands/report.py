"""``playlist-tui report [FOLDER] --by student|competency|playlist --format ...``"""

from __future__ import annotations

import argparse
import sys
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
        print(f"playlist-tui: {len(result.problems)} problems in {folder} (left out of the "
              "report where they matter); run 'playlist-tui validate' to see them",
              file=sys.stderr)
    data = result.data
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
    console = Console()
    console.print(table)
    if not grid.rows:
        console.print("Nothing to report.")
    if grid.legend:
        for key, name in grid.legend:
            console.print(safe_line(f"  {key}: {name}"), highlight=False, markup=False)
