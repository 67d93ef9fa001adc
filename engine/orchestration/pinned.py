"""The graph a run pinned, indexed once per process: versions never change."""

from __future__ import annotations

from functools import lru_cache

from designer.models import WorkflowVersion
from engine.orchestration.graph import Graph
from engine.store.models import Run


def graph_for(run: Run) -> Graph:
    """The run's pinned graph, indexed. Versions never change, so it is cached for the
    process's life, keyed by id and content hash: a reused id (SQLite reuses the highest id
    after a delete) can never serve another version's graph."""
    return version_graph(run.version_id, run.graph_hash)


@lru_cache(maxsize=256)
def version_graph(version_id: int, graph_hash: str) -> Graph:
    return Graph(WorkflowVersion.objects.values_list("graph", flat=True).get(pk=version_id, graph_hash=graph_hash))
