"""The one graph walk (model/graph.py): loops of parents and prerequisites, reachability.

The framework check, the framework editor and the CASE import all find loops with it; a
chain deeper than Python's call stack must be checked like any other."""

from __future__ import annotations

import sys
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from playlist_tui.model.check import ParsedFiles, build_class
from playlist_tui.model.files import ClassFile, Framework
from playlist_tui.model.graph import cycles, reaches, would_loop

CLASS = ClassFile.model_validate({"name": "Deep", "teachers": [{"id": "lee", "name": "Lee"}]})
DEEP = sys.getrecursionlimit() * 3


def _framework(competencies: list[dict[str, Any]]) -> Framework:
    return Framework.model_validate({
        "id": "deep", "title": "Deep",
        "scale": {"levels": ["Beginning", "Proficient"], "mastered_at": 2},
        "competencies": competencies})


def _check(framework: Framework) -> list[str]:
    _, problems = build_class(ParsedFiles(class_file=CLASS,
                                          frameworks=[("frameworks/deep.toml", framework)]),
                              locate=lambda path, loc: (1, 1))
    return [p.message for p in problems]


def test_a_chain_of_parents_deeper_than_the_call_stack_is_checked() -> None:
    # c0 is under c1, under c2, ...: the walk starts at the bottom of the chain
    chain = [{"id": f"c{i}", "statement": "s", **({"parent": f"c{i + 1}"} if i + 1 < DEEP
                                                   else {})} for i in range(DEEP)]
    assert _check(_framework(chain)) == []


def test_a_loop_at_the_end_of_a_deep_chain_is_reported_once() -> None:
    chain = [{"id": f"c{i}", "statement": "s", "prerequisites": [f"c{i + 1}"]}
             for i in range(DEEP)]
    chain.append({"id": f"c{DEEP}", "statement": "s", "prerequisites": [f"c{DEEP - 2}"]})
    assert _check(_framework(chain)) == [
        f"prerequisites form a cycle: c{DEEP - 2} -> c{DEEP - 1} -> c{DEEP} -> c{DEEP - 2}"]


def test_a_loop_of_parents_names_its_members_in_order() -> None:
    loop = [{"id": "a", "statement": "s", "parent": "c"},
            {"id": "b", "statement": "s", "parent": "a"},
            {"id": "c", "statement": "s", "parent": "b"}]
    assert _check(_framework(loop)) == ["parents form a cycle: a -> c -> b -> a"]


# ------------------------------------------------------------------ against a naive walk

def _naive_reaches(start: str, goal: str, edges: dict[str, list[str]]) -> bool:
    """Breadth by breadth: every node reachable in at most n steps."""
    known = {start}
    for _ in range(len(edges) + 1):
        known |= {n for k in known for n in edges.get(k, [])}
    return goal in known


def _naive_cyclic(nodes: set[str], edges: dict[str, list[str]]) -> set[str]:
    """The nodes on some cycle: those that reach themselves in one step or more."""
    on = set()
    for node in nodes:
        after = {n for n in edges.get(node, []) if n in edges}
        if any(_naive_reaches(n, node, {k: [x for x in v if x in edges]
                                        for k, v in edges.items()}) for n in after):
            on.add(node)
    return on


names = st.sampled_from([f"n{i}" for i in range(8)])
graphs = st.dictionaries(names, st.lists(names, max_size=4), max_size=8)


@settings(max_examples=300, deadline=None)
@given(graphs, names, names)
def test_reaches_agrees_with_a_naive_walk(edges: dict[str, list[str]], a: str, b: str) -> None:
    assert reaches(a, b, edges) == _naive_reaches(a, b, edges)


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_cycles_are_real_and_cover_every_node_on_a_cycle(edges: dict[str, list[str]]) -> None:
    found = cycles(edges)
    for cycle in found:  # each is a real cycle: every step is an edge
        for i, node in enumerate(cycle):
            assert cycle[(i + 1) % len(cycle)] in edges[node]
    assert len({frozenset(c) for c in found}) == len(found)  # each once
    on_cycles = set().union(*map(set, found)) if found else set()
    assert on_cycles <= _naive_cyclic(set(edges), edges)
    assert bool(found) == bool(_naive_cyclic(set(edges), edges))


@settings(max_examples=300, deadline=None)
@given(graphs, names, st.lists(names, max_size=4))
def test_would_loop_names_a_target_that_reaches_back(
        edges: dict[str, list[str]], node: str, targets: list[str]) -> None:
    loop = would_loop(node, targets, edges)
    expected = [t for t in targets if _naive_reaches(t, node, edges)]
    assert loop == (expected[0] if expected else None)


@given(st.integers(min_value=1, max_value=5))
@settings(max_examples=5, deadline=None)
def test_deep_graphs_never_recurse(extra: int) -> None:
    depth = DEEP * extra
    chain = {f"n{i}": [f"n{i + 1}"] for i in range(depth)}
    chain[f"n{depth}"] = ["n0"]
    assert reaches("n0", f"n{depth}", chain)
    assert [len(c) for c in cycles(chain)] == [depth + 1]
