"""Graph validation: pure functions over plain data (no ORM), every problem in one list.

`validate_graph` runs the stages in order; a stage that finds the graph unusable for the
next (not an object, over the size limits) stops there."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from core.problems import Problem
from designer.validation.config import check_node_configs
from designer.validation.limits import Limits
from designer.validation.references import check_step_references
from designer.validation.structure import check_envelope, check_notes, check_size
from designer.validation.topology import check_topology

__all__ = ["Limits", "Problem", "is_loadable", "is_size_problem", "validate_graph"]

DEFAULT_LIMITS = Limits()

# Deeper JSON than this is refused before any recursive check (schema, walkers) sees it.
MAX_DEPTH = 64


def validate_graph(
    graph: object,
    *,
    limits: Limits = DEFAULT_LIMITS,
    owned_workflow_ids: Callable[[Iterable[int]], set[int]] | None = None,
    credential_types: Callable[[Iterable[int]], dict[int, str]] | None = None,
) -> list[Problem]:
    """All problems of a graph. `owned_workflow_ids` answers which of the given workflow
    ids the graph's owner may call, `credential_types` the types of the given credential
    ids that are the owner's; without them, those references are not checked."""
    depth = json_depth(graph)
    if depth > MAX_DEPTH:
        return [Problem("too_deep", f"The graph is nested {depth} levels deep; the limit is {MAX_DEPTH}.", field="")]
    problems = check_envelope(graph)
    if problems and not is_loadable(graph):
        return problems
    size = check_size(graph, limits)  # type: ignore[arg-type]
    if size:
        return problems + size
    problems += check_node_configs(
        graph,  # type: ignore[arg-type]
        limits=limits,
        owned_workflow_ids=owned_workflow_ids,
        credential_types=credential_types,
    )
    problems += check_topology(graph)  # type: ignore[arg-type]
    problems += check_step_references(graph, limits=limits)  # type: ignore[arg-type]
    return problems


def is_loadable(graph: object) -> bool:
    """The minimum a draft needs to be stored: an object with `nodes` and `edges` lists of
    objects, and sticky notes (if any) of the right shape. Anything short of that cannot be
    opened in the editor."""
    return (
        isinstance(graph, dict)
        and isinstance(graph.get("nodes"), list)
        and isinstance(graph.get("edges"), list)
        and all(isinstance(n, dict) for n in graph["nodes"])
        and all(isinstance(e, dict) for e in graph["edges"])
        and not check_notes(graph)
    )


def is_size_problem(problem: Problem) -> bool:
    return problem.code in {"too_many_nodes", "too_many_edges", "too_deep", "pinned_too_large"}


def json_depth(value: object) -> int:
    """Nesting depth of a JSON value, computed without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:  # no need to measure past the limit
                stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
