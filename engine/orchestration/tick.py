"""The loop that keeps runs moving when messages or workers are lost: re-dispatches queued
steps whose timer is due or whose message went missing, reclaims expired leases, and fires
due waits and approval timeouts. Several copies may run at once: rows are taken with
SELECT ... FOR UPDATE SKIP LOCKED where the database has it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from engine.models import Run, StepRun
from engine.orchestration.admission import runs_promote_waiting
from engine.orchestration.advance import advance
from engine.orchestration.children import children_resume
from engine.orchestration.dispatch import dispatch_after_commit
from engine.orchestration.outcomes import attempts_ended
from engine.orchestration.pinned import graph_for
from engine.orchestration.timers import arm_coming, timer_fire
from engine.states import RunStatus, StepStatus, step_transition

S = StepStatus
logger = logging.getLogger(__name__)


def _redispatch_after_s() -> float:
    """A queued step whose message has not been picked up for this long is sent again."""
    return float(settings.STEPWISE_REDISPATCH_AFTER_S)


# A run this old with no step in flight is advanced by the tick.
STALL_AFTER_S = 5


def _locked(query: Any, limit: int) -> list[StepRun]:
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True)
    return list(query.order_by("id")[:limit])


def tick(now: datetime | None = None, *, limit: int = 500, schedule_now: datetime | None = None) -> dict[str, int]:
    """One pass. `schedule_now` is the clock the schedules read (a simulation's, in tests);
    the rest of the engine's timers always read `now`."""
    from engine.triggers.schedules import schedules_fire

    now = now or timezone.now()
    counts = {"dispatched": 0, "reclaimed": 0, "interrupted": 0, "timers": 0, "advanced": 0, "resumed": 0, "scheduled": 0, "armed": 0}
    try:
        counts["scheduled"] = schedules_fire(schedule_now or now)
    except Exception:  # a broken schedule must not stop timers and lease recovery
        logger.exception("firing schedules failed")
    with transaction.atomic():
        due = _locked(
            StepRun.objects.filter(status=S.QUEUED).filter(
                Q(not_before__lte=now) | Q(not_before__isnull=True, updated_at__lt=now - timedelta(seconds=_redispatch_after_s()))
            ),
            limit,
        )
        ids = [s.pk for s in due]
        # Not a status change: mark when it was sent, so it is sent again only if lost again.
        StepRun.objects.filter(pk__in=ids).update(not_before=None, updated_at=now)
        dispatch_after_commit(ids)
        counts["dispatched"] = len(ids)
    with transaction.atomic():
        for step in _locked(StepRun.objects.filter(status=S.RUNNING, lease_expires_at__lt=now).select_related("run"), limit):
            kind = _lease_lost(step, now)
            if kind == "reclaimed":
                dispatch_after_commit([step.pk])
            if kind:
                counts[kind] += 1
    due_timers = list(StepRun.objects.filter(status=S.WAITING, not_before__lte=now).order_by("id").values_list("id", flat=True)[:limit])
    for step_id in due_timers:
        try:
            counts["timers"] += timer_fire(step_id)
        except Exception:  # one broken timer must not stop the others, nor lease recovery
            logger.exception("firing the timer of step %s failed", step_id)
    counts["armed"] = arm_coming(now, settings.STEPWISE_TIMER_LOOKAHEAD_S, limit)
    # A parent step whose child ended while its resumption was lost (the process died
    # between the child's commit and the resumption).
    orphaned = (
        StepRun.objects.filter(
            status=S.WAITING,
            child_runs__finished_at__gt=F("updated_at"),
            child_runs__finished_at__lt=now - timedelta(seconds=STALL_AFTER_S),
        )
        .values_list("id", flat=True)
        .distinct()[:limit]
    )
    for step_id in list(orphaned):
        children_resume(step_id)
        counts["resumed"] += 1
    # Safety net: a running run with no step in flight needs advancing (nothing else will).
    # A cancelling run whose last running step ended without advancing it, too.
    active = [S.PENDING, S.QUEUED, S.RUNNING, S.WAITING, S.INTERRUPTED]
    stalled = (
        Run.objects.filter(created_at__lt=now - timedelta(seconds=STALL_AFTER_S))
        .filter(Q(status=RunStatus.RUNNING) & ~Q(steps__status__in=active) | Q(status=RunStatus.CANCELLING) & ~Q(steps__status=S.RUNNING))
        .values_list("id", flat=True)[:limit]
    )
    for run_id in list(stalled):
        with transaction.atomic():
            dispatch_after_commit(advance(run_id))
        counts["advanced"] += 1
    # Queued runs of a workflow with free slots (a process died between a run's end and
    # the promotion it owed, or the limit was raised).
    counts["promoted"] = runs_promote_waiting(limit=limit)
    return counts


def _lease_lost(step: StepRun, now: datetime) -> str | None:
    """A running step whose worker stopped renewing its lease (it died, or hangs past the
    step's timeout). The lost attempt stays in `attempts`, saying how it ended. An
    at-most-once step may have had its effect, so it is never sent again by the engine: it
    becomes interrupted, for a person to mark done or retry; any other is queued again.
    'reclaimed', 'interrupted', or None when the step changed meanwhile."""
    node = graph_for(step.run).nodes[step.node_id]
    error = {
        "code": "lease_expired",
        "message": f"The worker running this attempt ({step.lease_owner or 'unknown'}) stopped renewing its lease; its outcome is unknown.",
    }
    attempts = attempts_ended(step, error, now=now, lost=True)
    reason = {"reason": "lease expired", "worker": step.lease_owner}
    fields: dict[str, Any] = {"attempts": attempts, "error": error}
    token = step.lease_token
    if node.get("delivery") == "at_most_once":
        return "interrupted" if step_transition(step.pk, (S.RUNNING,), S.INTERRUPTED, lease_token=token, data=reason, **fields) else None
    lost = step_transition(step.pk, (S.RUNNING,), S.QUEUED, lease_token=token, data=reason, not_before=None, **fields)
    return "reclaimed" if lost else None
