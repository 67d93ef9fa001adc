"""The rows admission counts and reserves (engine.orchestration.admission): runs in flight
by user and by workflow, the runs waiting for a slot, the tree quota's counter. Counters
and flags, never a status (those are engine.store.writes')."""

from __future__ import annotations

from django.db.models import F

from engine.store.models import Run
from engine.store.statuses import RunStatus

R = RunStatus


def user_not_ended(user_id: int, statuses: tuple[str, ...]) -> int:
    """How many of the user's runs (child runs included) are in one of `statuses`."""
    return Run.objects.filter(owner_id=user_id, status__in=statuses).count()


def tree_reserve(root_id: int, count: int, limit: int) -> bool:
    """Add `count` to a tree's run count if it stays within `limit`: one conditional
    UPDATE of the top-level run's row (creators of the same tree wait for each other's
    row lock and re-check). Whether it was reserved."""
    return bool(Run.objects.filter(pk=root_id, tree_runs__lte=limit - count).update(tree_runs=F("tree_runs") + count))


def tree_runs(root_id: int) -> int:
    return int(Run.objects.values_list("tree_runs", flat=True).get(pk=root_id))


def top_level_in(workflow_id: int, statuses: tuple[str, ...]) -> int:
    """How many of the workflow's top-level runs are in one of `statuses`."""
    return Run.objects.filter(workflow_id=workflow_id, parent_step__isnull=True, status__in=statuses).count()


def waiting_count(workflow_id: int, *, before: int | None = None) -> int:
    """How many of the workflow's top-level runs wait for a slot (queued; `before`: older
    than that run). A top-level run is queued only while it waits for one."""
    waiting = Run.objects.filter(workflow_id=workflow_id, parent_step__isnull=True, status=R.QUEUED)
    return (waiting.filter(id__lt=before) if before is not None else waiting).count()


def waiting_locked(workflow_id: int, limit: int | None) -> list[Run]:
    """In a transaction: the oldest `limit` (None: all) of the workflow's waiting runs,
    their rows locked."""
    waiting = Run.objects.filter(workflow_id=workflow_id, parent_step__isnull=True, status=R.QUEUED).order_by("id")
    return list((waiting[:limit] if limit is not None else waiting).select_for_update())


def workflows_waiting(limit: int) -> list[int]:
    """Workflows with top-level runs waiting for a slot."""
    ids = Run.objects.filter(status=R.QUEUED, parent_step__isnull=True).order_by("workflow_id").values_list("workflow_id", flat=True)
    return list(ids.distinct()[:limit])


def mark_limited(run_id: int) -> None:
    """The run holds a slot of its workflow's limit: its end frees it."""
    Run.objects.filter(pk=run_id).update(limited=True)
