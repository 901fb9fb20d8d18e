"""``playlist-tui validate [FOLDER] [--format text|json]``"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from playlist_tui.commands.common import add_folder_argument, class_folder, display_path
from playlist_tui.engine.words import counted
from playlist_tui.model.problems import Problem
from playlist_tui.model.safetext import json_text, safe_line

if TYPE_CHECKING:
    from playlist_tui.model.klass import ClassData

HELP = ("Check every file of a class folder. Prints each problem as path:line:col: message. "
        "Exit 0 when clean, 1 when there are problems, 2 on usage errors.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_argument(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--no-cache", action="store_true",
                        help="read every file again instead of using (and updating) the "
                             "cache of files unchanged since the last load (the results "
                             "are the same; see docs/performance.md)")


def run(args: argparse.Namespace) -> int:
    folder = class_folder(args.folder)
    if folder is None:
        return 2
    if args.no_cache:
        from playlist_tui.store.loader import load_class

        result = load_class(folder)
        problems: Sequence[Problem] = result.problems
        counts = _counts(result.data)
    else:
        # The answer kept from the last time, while nothing in the folder has changed
        # (no model is imported then); else the app's cache: only files changed since the
        # last load are read again.
        from playlist_tui.store import verdict

        kept = verdict.read(folder)
        if kept is not None:
            problems, counts = kept.problems, kept.counts
        else:
            from playlist_tui.store.store import ClassStore

            taken_at = verdict.now_ns()
            taken = verdict.stamp(folder.resolve())
            store = ClassStore(folder)
            result = store.load()
            problems, counts = result.problems, _counts(result.data)
            verdict.keep(folder, taken, taken_at, store.identities(), problems, counts)
    if args.format == "json":  # (JSON escapes control characters; json_text C1 and bidi)
        out = [dict(p.as_dict(), path=display_path(folder, p.path)) for p in problems]
        print(json_text({"version": 1, "problems": out}))  # version: of this JSON's shape
    else:
        # Messages quote keys and values of the files, paths may hold any character: one
        # safe line each (no escape sequence reaches the terminal, no forged line).
        for p in problems:
            print(safe_line(f"{display_path(folder, p.path)}:{p.line}:{p.col}: {p.severity}: "
                            f"{p.message}"))
            if p.hint:
                print(f"    hint: {safe_line(p.hint)}")
        errors = sum(1 for p in problems if p.severity == "error")
        summary = (f"{safe_line(folder)}: {counted(counts['playlists'], 'playlist')}, "
                   f"{counted(counts['competencies'], 'competency')}, "
                   f"{counted(counts['students'], 'student')}; ")
        summary += (f"{counted(len(problems), 'problem')} ({counted(errors, 'error')}, "
                    f"{counted(len(problems) - errors, 'warning')})"
                    ) if problems else "no problems"
        sys.stdout.flush()
        print(summary, file=sys.stderr)
    return 1 if problems else 0


def _counts(data: ClassData) -> dict[str, int]:
    return {"playlists": len(data.playlists), "competencies": len(data.competencies),
            "students": len(data.info.students)}
