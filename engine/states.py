"""Run and step state machines: the statuses, the table of allowed transitions, and the
only functions that write a status. Each write is a conditional UPDATE (it succeeds only
from an expected status, and for a running step only for the lease holder) that appends
its RunEvent, with the run's next sequence number, in the same transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    COMPENSATING = "compensating"
    COMPENSATED = "compensated"


class StepStatus(models.TextChoices):
    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    COMPENSATED = "compensated"


R, S = RunStatus, StepStatus

RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    R.QUEUED: frozenset({R.RUNNING, R.CANCELLED}),
    R.RUNNING: frozenset({R.SUCCEEDED, R.FAILED, R.CANCELLING, R.CANCELLED, R.COMPENSATING}),
    R.CANCELLING: frozenset({R.CANCELLED}),
    R.COMPENSATING: frozenset({R.COMPENSATED, R.FAILED}),
    # Retry from failure puts a failed run back to work, keeping every finished output.
    R.FAILED: frozenset({R.RUNNING}),
    R.SUCCEEDED: frozenset(),
    R.CANCELLED: frozenset(),
    R.COMPENSATED: frozenset(),
}

STEP_TRANSITIONS: dict[StepStatus, frozenset[StepStatus]] = {
    S.PENDING: frozenset({S.QUEUED, S.SKIPPED, S.CANCELLED}),
    # queued -> queued: a lost message re-dispatched, or a retry's timer re-armed.
    S.QUEUED: frozenset({S.RUNNING, S.CANCELLED, S.QUEUED}),
    # running -> queued: retry after backoff, or a lease reclaimed after a crash.
    S.RUNNING: frozenset({S.SUCCEEDED, S.FAILED, S.WAITING, S.QUEUED, S.INTERRUPTED, S.CANCELLED}),
    S.WAITING: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELLED, S.QUEUED}),
    S.FAILED: frozenset({S.QUEUED}),
    S.INTERRUPTED: frozenset({S.QUEUED, S.SUCCEEDED, S.CANCELLED}),
    S.SUCCEEDED: frozenset({S.COMPENSATED}),
    S.SKIPPED: frozenset(),
    S.CANCELLED: frozenset(),
    S.COMPENSATED: frozenset(),
}

RUN_TERMINAL = frozenset({R.SUCCEEDED, R.FAILED, R.CANCELLED, R.COMPENSATED})
STEP_TERMINAL = frozenset({S.SUCCEEDED, S.FAILED, S.SKIPPED, S.CANCELLED, S.COMPENSATED})


class IllegalTransition(RuntimeError):
    pass


def _check(table: dict[Any, frozenset[Any]], sources: tuple[Any, ...], target: Any) -> None:
    for source in sources:
        if target not in table[source]:
            raise IllegalTransition(f"{source} -> {target} is not in the transition table")


def _next_seq(run_id: int) -> int:
    """Increment and read the run's sequence in one statement (PostgreSQL and SQLite >= 3.35
    both have RETURNING); it also holds the run row's lock to the end of the transaction."""
    from django.db import connection

    from engine.models import Run

    table = connection.ops.quote_name(Run._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq", [run_id])
        return int(cursor.fetchone()[0])


def record_event(*, run_id: int, kind: str, status: str, node_id: str = "", attempt: int = 0, data: Any = None) -> int:
    """Append one RunEvent with the run's next sequence number; returns the seq."""
    from engine.models import RunEvent

    seq = _next_seq(run_id)
    RunEvent.objects.create(run_id=run_id, seq=seq, kind=kind, node_id=node_id, status=status, attempt=attempt, data=data or {})
    return seq


@transaction.atomic
def run_transition(run_id: int, sources: tuple[RunStatus, ...], target: RunStatus, *, data: Any = None, **fields: Any) -> bool:
    """Move a run from one of `sources` to `target`; False when it was not in them."""
    from engine.models import Run

    _check(RUN_TRANSITIONS, sources, target)
    now = timezone.now()
    if target == R.RUNNING:
        fields.setdefault("started_at", now)
    if target in RUN_TERMINAL:
        fields.setdefault("finished_at", now)
    updated = Run.objects.filter(pk=run_id, status__in=sources).update(status=target, **fields)
    if updated:
        record_event(run_id=run_id, kind="run", status=target, data=data)
    return bool(updated)


@transaction.atomic
def step_transition(
    step_id: int,
    sources: tuple[StepStatus, ...],
    target: StepStatus,
    *,
    lease_token: str | None = None,
    data: Any = None,
    **fields: Any,
) -> bool:
    """Move a step from one of `sources` to `target`. With `lease_token`, only the holder of
    that lease may write (fencing: a worker whose lease was reclaimed cannot)."""
    from engine.models import StepRun

    _check(STEP_TRANSITIONS, sources, target)
    now = timezone.now()
    if target in STEP_TERMINAL or target in (S.WAITING, S.INTERRUPTED):
        fields.setdefault("finished_at", now if target in STEP_TERMINAL else None)
    query = StepRun.objects.filter(pk=step_id, status__in=sources)
    if lease_token is not None:
        query = query.filter(lease_token=lease_token)
    updated = query.update(status=target, updated_at=now, **fields)
    if updated:
        step = StepRun.objects.values("run_id", "node_id", "attempt").get(pk=step_id)
        record_event(run_id=step["run_id"], kind="step", status=target, node_id=step["node_id"], attempt=step["attempt"], data=data)
    return bool(updated)


@transaction.atomic
def step_create(*, run_id: int, node_id: str, status: StepStatus, iteration: int = 0, data: Any = None, **fields: Any) -> int:
    """Create a step directly in its first status (queued, skipped, or succeeded for a
    trigger or a reused output) and record it. The unique (run, node, iteration) constraint
    makes a second creation fail: a node never starts twice."""
    from engine.models import StepRun

    now = timezone.now()
    if status in STEP_TERMINAL:
        fields.setdefault("finished_at", now)
    step = StepRun.objects.create(run_id=run_id, node_id=node_id, iteration=iteration, status=status, **fields)
    record_event(run_id=run_id, kind="step", status=status, node_id=node_id, attempt=step.attempt, data=data)
    return int(step.pk)


@transaction.atomic
def step_claim(step_id: int, *, worker: str, token: str, lease_s: float) -> bool:
    """queued -> running for one worker: a new lease and attempt + 1. False when someone
    else has it, it is finished, or its timer is not due: the caller drops the message."""
    from django.db.models import Q

    from engine.models import StepRun

    now = timezone.now()
    updated = (
        StepRun.objects.filter(pk=step_id, status=S.QUEUED)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .update(
            status=S.RUNNING,
            attempt=F("attempt") + 1,
            lease_owner=worker[:100],
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=lease_s),
            not_before=None,
            started_at=now,
            updated_at=now,
        )
    )
    if updated:
        step = StepRun.objects.values("run_id", "node_id", "attempt").get(pk=step_id)
        record_event(
            run_id=step["run_id"], kind="step", status=S.RUNNING, node_id=step["node_id"], attempt=step["attempt"], data={"worker": worker}
        )
    return bool(updated)
