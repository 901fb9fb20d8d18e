"""Counts said in words: ``1 playlist``, ``2 playlists`` (no import: commands that only
print use it without loading the models)."""

from __future__ import annotations


def counted(n: int, word: str, plural: str = "") -> str:
    """``1 playlist``, ``2 playlists``, ``0 activities`` (``plural``: when adding an s
    is wrong). Every count shown to people goes through this: no "1 problems"."""
    if n == 1:
        return f"{n} {word}"
    if plural:
        return f"{n} {plural}"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return f"{n} {word[:-1]}ies"
    return f"{n} {word}s"


def of_total(done: int, total: int, word: str, plural: str = "") -> str:
    """``1 of 1 playlist``, ``2 of 5 playlists``: the word agrees with the total."""
    return f"{done} of {counted(total, word, plural)}"
