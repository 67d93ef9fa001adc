"""How long finished runs are kept: older than STEPWISE_RUN_RETENTION_DAYS, or beyond the
newest STEPWISE_RUN_RETENTION_PER_WORKFLOW of their workflow. A run that has not ended is
never pruned, and neither is a child run (it goes with its parent)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from engine.store.models import Run
from engine.store.statuses import RUN_TERMINAL


def prunable(*, now: datetime | None = None, days: int | None = None, keep_last: int | None = None) -> list[int]:
    """Ids of the runs the retention settings (or the arguments) let go."""
    now = now or timezone.now()
    days = settings.STEPWISE_RUN_RETENTION_DAYS if days is None else days
    keep_last = settings.STEPWISE_RUN_RETENTION_PER_WORKFLOW if keep_last is None else keep_last
    finished = Run.objects.filter(status__in=RUN_TERMINAL, parent_step__isnull=True)
    ids: set[int] = set()
    if days > 0:
        ids |= set(finished.filter(finished_at__lt=now - timedelta(days=days)).values_list("id", flat=True))
    if keep_last > 0:
        # The newest `keep_last` top-level runs of each workflow (finished or not) are kept.
        newest = Run.objects.filter(workflow_id=OuterRef("workflow_id"), parent_step__isnull=True).order_by("-created_at", "-id")
        cutoff = Subquery(newest.values("created_at")[keep_last - 1 : keep_last])
        ids |= set(finished.filter(created_at__lt=cutoff).values_list("id", flat=True))
    # A run still running somewhere below (a child of one of its steps) waits for it.
    busy = set(
        Run.objects.filter(parent_step__run_id__in=ids).exclude(status__in=RUN_TERMINAL).values_list("parent_step__run_id", flat=True)
    )
    return sorted(ids - busy)


def runs_prune(*, now: datetime | None = None, days: int | None = None, keep_last: int | None = None, batch: int = 500) -> int:
    """Delete what `prunable` names (steps, events and child runs go with them); returns
    how many top-level runs were deleted."""
    ids = prunable(now=now, days=days, keep_last=keep_last)
    for start in range(0, len(ids), batch):
        Run.objects.filter(pk__in=ids[start : start + batch], status__in=RUN_TERMINAL).delete()
    return len(ids)
