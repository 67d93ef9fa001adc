"""What a user's runs did lately, read from the steps they recorded: the counts a node type
limits its rate by (the email node's sends per hour, StepContext.recent_successes). No
counter of its own: a step that succeeded is the record of the send, and so is a test of
one step that succeeded (engine.store.step_tests), which had the same real effect."""

from __future__ import annotations

import operator
from datetime import datetime
from functools import lru_cache, reduce

from django.db.models import Q

from designer.models import WorkflowVersion
from engine.store.models import StepRun
from engine.store.statuses import StepStatus
from engine.store.step_tests import tested_successes_since


@lru_cache(maxsize=1024)
def _nodes_of_type(version_id: int, node_type: str) -> tuple[str, ...]:
    """The ids of a version's nodes of `node_type` (versions never change)."""
    graph = WorkflowVersion.objects.values_list("graph", flat=True).get(pk=version_id)
    nodes = graph.get("nodes", []) if isinstance(graph, dict) else []
    return tuple(n["id"] for n in nodes if isinstance(n, dict) and n.get("type") == node_type and isinstance(n.get("id"), str))


def owner_successes_since(owner_id: int, node_type: str, since: datetime, limit: int) -> list[datetime]:
    """When the steps of `node_type` in the user's runs (child runs included) and the
    user's tests of it succeeded since `since`, newest first, at most `limit`."""
    tested = tested_successes_since(owner_id, node_type, since, limit)
    ran = _run_successes_since(owner_id, node_type, since, limit)
    return sorted([*tested, *ran], reverse=True)[: max(limit, 0)]


def _run_successes_since(owner_id: int, node_type: str, since: datetime, limit: int) -> list[datetime]:
    """Two queries: the versions the user's runs pinned, then the matching steps of those
    versions' nodes of that type."""
    succeeded = StepRun.objects.filter(
        Q(run__finished_at__isnull=True) | Q(run__finished_at__gte=since),
        run__owner_id=owner_id,
        status=StepStatus.SUCCEEDED,
        finished_at__gte=since,
    )
    versions = succeeded.order_by().values_list("run__version_id", flat=True).distinct()
    matches = [Q(run__version_id=v, node_id__in=ids) for v in versions if (ids := _nodes_of_type(v, node_type))]
    if not matches or limit <= 0:
        return []
    finished = succeeded.filter(reduce(operator.or_, matches)).order_by("-finished_at").values_list("finished_at", flat=True)[:limit]
    return [at for at in finished if at is not None]
