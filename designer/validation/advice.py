"""Warnings: a graph that is valid and runs, but whose settings may not do what its author
expects. They never block a save, an activation or a run."""

from __future__ import annotations

from typing import Any

from core.problems import Problem


def graph_warnings(graph: Any) -> list[Problem]:
    """Advice on a graph (loadable or not: what cannot be read is skipped)."""
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    warnings: list[Problem] = []
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        retry = node.get("retry")
        if not isinstance(retry, dict):
            retry = {}
        attempts = retry.get("max_attempts", 1)
        if node.get("delivery") == "at_most_once" and isinstance(attempts, int) and attempts > 1:
            warnings.append(
                Problem(
                    "at_most_once_retry",
                    "At most once: retried only when the call surely did not happen (an error answer, a refused "
                    "connection). After a timeout or a lost worker it is never sent again: it becomes interrupted, "
                    "for a person to mark done or retry.",
                    node_id=node["id"],
                    field="/retry/max_attempts",
                )
            )
    return warnings
