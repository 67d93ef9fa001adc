"""How long finished runs are kept: older than STEPWISE_RUN_RETENTION_DAYS, or beyond the
newest STEPWISE_RUN_RETENTION_PER_WORKFLOW of their workflow. A run that has not ended is
never pruned, and neither is a child run (it goes with its parent), nor a run with a child
that has not ended.

Any number of runs: they are taken in batches (Backend.prune_batch, 5,000 top-level runs on
PostgreSQL), a window of ids at a time, each batch one short
transaction that locks only the old rows it deletes (FOR UPDATE SKIP LOCKED: a run another
transaction holds, a retry say, is left for the next prune) and deletes by set-based
statements (engine.store.pruning). No statement names more ids than a batch's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Min, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from engine.store.models import Run
from engine.store.pruning import tree_walk, trees_delete
from engine.store.sql import backend
from engine.store.statuses import RUN_TERMINAL


def _selections(*, now: datetime | None, days: int | None, keep_last: int | None) -> Iterator[QuerySet[Run]]:
    """The queries of the runs to let go, one per rule (and per workflow for the count):
    finished top-level runs, ended before the age limit or older than their workflow's
    `keep_last`-th newest run. The cut-offs are all read before any run is deleted."""
    now = now or timezone.now()
    days = settings.STEPWISE_RUN_RETENTION_DAYS if days is None else days
    keep_last = settings.STEPWISE_RUN_RETENTION_PER_WORKFLOW if keep_last is None else keep_last
    finished = Run.objects.filter(status__in=RUN_TERMINAL, parent_step__isnull=True)
    cutoffs: list[tuple[int, datetime]] = []
    if keep_last > 0:
        # The newest `keep_last` top-level runs of each workflow (finished or not) are kept:
        # the created_at of each workflow's `keep_last`-th newest, in one scan.
        ranked = Run.objects.filter(parent_step__isnull=True).annotate(
            rank=Window(RowNumber(), partition_by=[F("workflow_id")], order_by=[F("created_at").desc(), F("id").desc()])
        )
        cutoffs = list(ranked.filter(rank=keep_last).values_list("workflow_id", "created_at"))
    if days > 0:
        yield finished.filter(finished_at__lt=now - timedelta(days=days))
    for workflow_id, created_at in cutoffs:
        yield finished.filter(workflow_id=workflow_id, created_at__lt=created_at)


def _batches(selection: QuerySet[Run], handle: Callable[[list[int]], None], *, lock: bool) -> None:
    """Call `handle` with the ids of `selection` in batches, window by window of ids (a
    range of the primary key: a bounded read whatever the plan), each in a transaction of
    its own; with `lock`, the batch's rows are locked in it (skipping those another
    transaction holds)."""
    size = backend().prune_batch
    bounds = Run.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    after = bounds["low"] - 1
    while after < bounds["high"]:
        with transaction.atomic():
            query = selection.filter(id__gt=after, id__lte=after + size).order_by("id").values_list("id", flat=True)
            if lock:
                query = backend().skip_locked(query, of=("self",))
            ids = list(query)
            if ids:
                handle(ids)
        after += size


def prunable(*, now: datetime | None = None, days: int | None = None, keep_last: int | None = None) -> list[int]:
    """Ids of the top-level runs the retention settings (or the arguments) let go: what
    `runs_prune` would delete now."""
    ids: set[int] = set()

    def note(batch: list[int]) -> None:
        ids.update(set(batch) - tree_walk(batch)[1])

    for selection in _selections(now=now, days=days, keep_last=keep_last):
        _batches(selection, note, lock=False)
    return sorted(ids)


def runs_prune(*, now: datetime | None = None, days: int | None = None, keep_last: int | None = None) -> int:
    """Delete what `prunable` names, with their child runs, steps and events, batch by
    batch; returns how many top-level runs were deleted."""
    deleted = 0

    def delete(batch: list[int]) -> None:
        nonlocal deleted
        children, busy = tree_walk(batch)
        tops = [run_id for run_id in batch if run_id not in busy]
        trees_delete(runs=tops + children)
        deleted += len(tops)

    # The cut-offs are read before the first batch goes.
    for selection in list(_selections(now=now, days=days, keep_last=keep_last)):
        _batches(selection, delete, lock=True)
    return deleted
