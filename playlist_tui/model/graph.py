"""The one walk of a graph of ids (parents, prerequisites, CASE associations); no I/O.

Every walk here is iterative: a chain of parents as deep as a file can make (thousands of
competencies) costs a list, never Python's call stack, so it cannot raise
``RecursionError``. The framework check (:mod:`playlist_tui.model.check`), the framework
editor and the CASE import all use these functions, so a loop is found the same way
everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

Edges = Mapping[str, Iterable[str]]
"""Each node's successors: a parent, the competencies it needs, the items it precedes."""


def reaches(start: str, goal: str, edges: Edges) -> bool:
    """Whether ``goal`` is ``start`` or can be reached from it along ``edges``."""
    todo = [start]
    seen: set[str] = set()
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node in seen:
            continue
        seen.add(node)
        todo.extend(edges.get(node, ()))
    return False


def would_loop(node: str, targets: Iterable[str], edges: Edges) -> str | None:
    """The first of ``targets`` from which ``node`` can already be reached (so that an edge
    ``node -> target`` would close a loop; ``node`` itself counts), or None."""
    return next((t for t in targets if reaches(t, node, edges)), None)


def cycles(edges: Edges) -> list[list[str]]:
    """The cycles a depth-first walk meets, each once (as a set of nodes), in the order met.

    Nodes are visited in the order of ``edges``, successors in their order; a successor
    that is not a key of ``edges`` is ignored. Each cycle starts at the node where the
    walk entered it: ``[a, b, c]`` means a -> b -> c -> a.
    """
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(edges, white)
    found: list[list[str]] = []
    reported: set[frozenset[str]] = set()
    for root in edges:
        if color[root] != white:
            continue
        stack: list[str] = [root]
        nexts: list[Iterator[str]] = [iter(edges.get(root, ()))]
        color[root] = grey
        while nexts:
            nxt = next(nexts[-1], None)
            if nxt is None:
                color[stack.pop()] = black
                nexts.pop()
                continue
            state = color.get(nxt)
            if state == grey:
                cycle = stack[stack.index(nxt):]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    found.append(cycle)
            elif state == white:
                color[nxt] = grey
                stack.append(nxt)
                nexts.append(iter(edges.get(nxt, ())))
    return found
