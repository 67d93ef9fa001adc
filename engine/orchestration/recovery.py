"""The jobs that keep runs moving when messages or workers are lost, each a function of its
own; `recover` runs them all, one pass (the tick: engine.clock). Several copies may run at
once: rows are taken with SELECT ... FOR UPDATE SKIP LOCKED where the database has it.

- dispatch_due: queued steps whose timer is due or whose message went missing, sent again;
- reclaim_leases: running steps whose worker stopped renewing the lease;
- fire_timers: waits and approval timeouts that are due (and the look-ahead that arms the
  coming ones on the dispatcher, so they fire on time);
- resume_orphans: parent steps whose child ended while the resumption was lost;
- advance_stalled: runs with nothing in flight that nothing else will advance;
- promote_waiting: queued runs of a limited workflow with a free slot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.logging import bound, get_logger
from engine.orchestration.admission import runs_promote_waiting
from engine.orchestration.advance import advance
from engine.orchestration.children import children_resume
from engine.orchestration.dispatch import dispatch_after_commit
from engine.orchestration.outcomes import attempts_ended
from engine.orchestration.pinned import graph_for
from engine.orchestration.timers import arm_coming, timer_fire
from engine.store import recovery
from engine.store.models import StepRun
from engine.store.statuses import StepStatus
from engine.store.writes import step_transition
from monitoring import metrics

S = StepStatus
logger = get_logger(__name__)

# A run this old with no step in flight is advanced by the tick.
STALL_AFTER_S = 5


def dispatch_due(now: datetime, limit: int) -> int:
    """Send again the queued steps whose timer is due, or whose message has not been picked
    up for STEPWISE_REDISPATCH_AFTER_S."""
    with transaction.atomic():
        ids = recovery.queued_due_take(now, float(settings.STEPWISE_REDISPATCH_AFTER_S), limit)
        dispatch_after_commit(ids)
    return len(ids)


def reclaim_leases(now: datetime, limit: int) -> dict[str, int]:
    """Running steps whose lease expired: queued again, or interrupted (at most once)."""
    counts = {"reclaimed": 0, "interrupted": 0}
    with transaction.atomic():
        for step in recovery.leases_expired_locked(now, limit):
            kind = lease_lost(step, now)
            if kind == "reclaimed":
                dispatch_after_commit([step.pk])
            if kind:
                counts[kind] += 1
                metrics.lease_reclaimed(kind)
    return counts


def fire_timers(now: datetime, limit: int) -> int:
    """Fire the waiting steps' timers that are due; each failure is logged, not raised."""
    fired = 0
    for step_id in recovery.waiting_due(now, limit):
        try:
            with bound(step_id=step_id):
                fired += timer_fire(step_id)
        except Exception:  # one broken timer must not stop the others, nor lease recovery
            logger.exception("firing the timer failed", step_id=step_id)
    return fired


def arm_timers(now: datetime, limit: int) -> int:
    """Arm the timers due within STEPWISE_TIMER_LOOKAHEAD_S on the dispatcher."""
    return arm_coming(now, settings.STEPWISE_TIMER_LOOKAHEAD_S, limit)


def resume_orphans(now: datetime, limit: int) -> int:
    """Resume parent steps a child of which ended while the resumption was lost (the
    process died between the child's commit and the resumption)."""
    orphaned = recovery.parents_orphaned(now, STALL_AFTER_S, limit)
    for step_id in orphaned:
        children_resume(step_id)
    return len(orphaned)


def advance_stalled(now: datetime, limit: int) -> int:
    """The safety net: advance a running run with no step in flight, or a cancelling run
    whose last running step ended without advancing it (nothing else will)."""
    stalled = recovery.runs_stalled(now, STALL_AFTER_S, limit)
    for run_id in stalled:
        with transaction.atomic():
            dispatch_after_commit(advance(run_id))
    return len(stalled)


def recover(now: datetime | None = None, *, limit: int = 500) -> dict[str, int]:
    """One pass of every recovery job; how many rows each moved."""
    now = now or timezone.now()
    # Each job's lines say which job logged them (`job`).
    with bound(job="dispatch_due"):
        counts = {"dispatched": dispatch_due(now, limit)}
    with bound(job="reclaim_leases"):
        counts.update(reclaim_leases(now, limit))
    with bound(job="fire_timers"):
        counts["timers"] = fire_timers(now, limit)
    with bound(job="arm_timers"):
        counts["armed"] = arm_timers(now, limit)
    with bound(job="resume_orphans"):
        counts["resumed"] = resume_orphans(now, limit)
    with bound(job="advance_stalled"):
        counts["advanced"] = advance_stalled(now, limit)
    # Queued runs of a workflow with free slots (a process died between a run's end and
    # the promotion it owed, or the limit was raised).
    with bound(job="promote_waiting"):
        counts["promoted"] = runs_promote_waiting(limit=limit)
    return counts


def lease_lost(step: StepRun, now: datetime) -> str | None:
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
