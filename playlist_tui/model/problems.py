"""Problems found in a class folder: where (path, line, column), what, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one file. ``path`` is relative to the class folder, with ``/``."""

    path: str
    line: int
    col: int
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": str(self.severity),
            "message": self.message,
            "hint": self.hint,
        }

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.message)


def loc_text(loc: Loc) -> str:
    """``("tiers", 1, "activities", 0, "kind")`` -> ``tiers[1].activities[0].kind``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            bare = part.replace("-", "").replace("_", "").isalnum()
            out += ("." if out else "") + (part if bare else f'"{part}"')
    return out
