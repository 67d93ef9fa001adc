"""Admission of runs: the quotas (runs in one run tree, runs in flight per user) and a
workflow's concurrency limit (`queue`, `cancel_new`, `fail_new`).

A limited workflow's starts and promotions take the same lock, its row's
(SELECT ... FOR UPDATE), and count its runs in flight after taking it: at most N of its
top-level runs run at once, whatever the number of web, worker and tick processes. A run
that ends frees its slot after its commit (`slots_freed`, as a child run resumes its
parent); the tick promotes what a dead process left waiting. A workflow without a limit
never takes that lock (the one-statement start stays its hot path). Child runs are
governed by their parent step (map's max_concurrency) and the tree quota, not by the limit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Unpack

from django.conf import settings
from django.db import transaction

from catalog.nodes.base import StepFailed
from core.errors import DomainError
from designer.models import ConcurrencyPolicy, Workflow, WorkflowVersion
from engine.orchestration.creation import RunOrigin, input_check, run_begin, run_create, run_started, version_runnable
from engine.orchestration.dispatch import dispatch_after_commit
from engine.orchestration.outcomes import step_failed
from engine.orchestration.pinned import graph_for
from engine.store import admission as rows
from engine.store.models import Run, StepRun
from engine.store.sql import backend
from engine.store.statuses import RunStatus, StepStatus
from engine.store.writes import run_transition
from monitoring import metrics

R = RunStatus
IN_FLIGHT = (R.RUNNING, R.CANCELLING, R.COMPENSATING)  # what holds a slot
NOT_ENDED = (R.QUEUED, *IN_FLIGHT)
RETRY_AFTER_S = 10


class RunsInFlightExceeded(DomainError):
    """A start refused because its user has STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER runs in
    flight: 429, with Retry-After."""

    status = 429

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(RETRY_AFTER_S)}


@dataclass(frozen=True)
class ConcurrencyLimit:
    """A workflow's concurrency limit, read once from its row."""

    limit: int
    policy: ConcurrencyPolicy

    @classmethod
    def of(cls, workflow: Workflow) -> ConcurrencyLimit | None:
        if workflow.concurrency_limit is None:
            return None
        return cls(int(workflow.concurrency_limit), ConcurrencyPolicy(workflow.concurrency_policy))


# Runs in flight per user -----------------------------------------------------------------


def in_flight_cap() -> int | None:
    """STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER, None for no limit."""
    cap = int(settings.STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER)
    return cap if cap > 0 else None


class _RecentCounts:
    """Per process, each user's last count of runs in flight and when it was made, plus
    the starts this process made since. Counting on every start cost as much as the rest
    of the start (the count grows with the runs in flight: 1.2 -> 2.2 ms of CPU a start
    with 300 in flight), so a count under a second old stands for a new one while it and
    the starts since stay below 90% of the cap; near the cap every start counts again."""

    FRESH_S, MARGIN = 1.0, 0.9

    def __init__(self) -> None:
        self._seen: dict[int, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def known_below(self, user_id: int, cap: int) -> bool:
        """Whether the user is surely below the cap without a count (then one start more is noted)."""
        with self._lock:
            entry = self._seen.get(user_id)
            if entry is None or time.monotonic() - entry[0] > self.FRESH_S or entry[1] + 1 >= cap * self.MARGIN:
                return False
            self._seen[user_id] = (entry[0], entry[1] + 1)
            return True

    def counted(self, user_id: int, busy: int) -> None:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[user_id] = (time.monotonic(), busy + 1)


_recent = _RecentCounts()


def user_runs_check(*, user: Any) -> None:
    """RunsInFlightExceeded (429) when the user already has the allowed number of runs in
    flight (child runs included). A count, not a lock: starts racing each other (or made
    by other processes within the second a count is trusted) may pass it together, so the
    bound can be overshot by the number of simultaneous starts."""
    cap = in_flight_cap()
    if cap is None or _recent.known_below(user.pk, cap):
        return
    busy = rows.user_not_ended(user.pk, NOT_ENDED)
    _recent.counted(user.pk, busy)
    if busy >= cap:
        raise RunsInFlightExceeded(
            f"You have {busy} runs in flight and the limit is {cap} (STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER). "
            f"Wait for some to finish, or cancel some, then try again."
        )


# Runs per run tree -----------------------------------------------------------------------


def tree_quota_take(run: Run, count: int) -> StepFailed | None:
    """Reserve `count` more runs in `run`'s tree, on its top-level run's row: one
    conditional UPDATE, so workers creating children of the same tree at once can never
    pass the bound together (each waits for the other's row lock, then re-checks). The
    failure to record (not retryable) when the bound would be passed."""
    limit = int(settings.STEPWISE_MAX_RUNS_PER_ROOT)
    root_id = run.root_id or run.pk
    if count == 0 or rows.tree_reserve(root_id, count, limit):
        return None
    total = rows.tree_runs(root_id)
    return StepFailed(
        f"Starting {count} more run(s) would make {total + count} runs in the tree of run {root_id}; "
        f"the limit is {limit} (STEPWISE_MAX_RUNS_PER_ROOT). Is a workflow calling itself?",
        code="run_quota_exceeded",
        retryable=False,
        details={"root_run": root_id, "runs": total, "requested": count, "limit": limit},
    )


# Concurrency limits ----------------------------------------------------------------------


def _in_flight(workflow_id: int) -> int:
    return rows.top_level_in(workflow_id, IN_FLIGHT)


def _lock(workflow_id: int, *, skip_locked: bool = False) -> Workflow | None:
    """The workflow's row, locked for this transaction. FOR NO KEY UPDATE where the
    database has it: the runs being created elsewhere (a map's items) reference the row,
    and would wait for a FOR UPDATE lock, not for this one; admissions still exclude each
    other."""
    locked: Workflow | None = backend().locked(Workflow.objects.filter(pk=workflow_id), skip_locked=skip_locked).first()
    return locked


def _promote_locked(workflow_id: int, limit: ConcurrencyLimit | None) -> int:
    """Begin queued runs, oldest first, while slots are free (all of them when the limit
    was removed); the caller holds the workflow's lock. Their steps go after commit."""
    free = None
    if limit is not None:
        free = limit.limit - _in_flight(workflow_id)
        if free <= 0:
            return 0
    begun = 0
    for run in rows.waiting_locked(workflow_id, free):
        if run.status == R.QUEUED:  # under its lock: a cancel that came first wins
            dispatch_after_commit(run_begin(run))
            begun += 1
    return begun


def runs_promote(workflow_id: int, *, skip_locked: bool = False) -> int:
    """Begin the workflow's queued runs that have a free slot now; how many."""
    with transaction.atomic():
        locked = _lock(workflow_id, skip_locked=skip_locked)
        return _promote_locked(workflow_id, ConcurrencyLimit.of(locked)) if locked is not None else 0


def runs_promote_waiting(*, limit: int = 100) -> int:
    """The tick's safety net: promote queued runs of every workflow that has some (a
    process may die between a run's end and its promotion, or a limit was raised). A
    workflow another process holds is skipped: that one promotes."""
    return sum(runs_promote(workflow_id, skip_locked=True) for workflow_id in rows.workflows_waiting(limit))


def slots_freed(run: Run) -> None:
    """A run ended (engine.orchestration.advance.on_run_ended): if it held a slot of its
    workflow's concurrency limit, the next queued run(s) of the workflow start after
    commit (under the workflow's lock, never this run's)."""
    if not run.limited:
        return
    workflow_id = run.workflow_id
    transaction.on_commit(lambda: runs_promote(workflow_id), robust=True)


def limit_reached(limit: ConcurrencyLimit, busy: int, waiting: int) -> str:
    text = f"The workflow's concurrency limit was reached: {busy} of {limit.limit} runs of it are running"
    return text + (f" and {waiting} are queued." if waiting else ".")


def run_start_limited(
    *, workflow: Workflow, user: Any, payload: Any, trigger: str, version: WorkflowVersion | None = None, **origin: Unpack[RunOrigin]
) -> Run:
    """Start a run of a workflow that has a concurrency limit, under its lock: it starts if
    a slot is free and no older run waits; else, by the policy, it is created queued (it
    waits its turn), cancelled or failed, each with the reason."""
    with transaction.atomic():
        locked = _lock(workflow.pk)
        if locked is None:
            raise Workflow.DoesNotExist(f"Workflow {workflow.pk} does not exist.")
        limit = ConcurrencyLimit.of(locked)
        version = version_runnable(workflow=locked, user=user, version=version)
        input_check(version, trigger, payload, trigger_node=origin.get("trigger_node"))
        _promote_locked(locked.pk, limit)  # older runs first
        busy, waiting = _in_flight(locked.pk), rows.waiting_count(locked.pk)
        if limit is None or (busy < limit.limit and not waiting):
            origin["limited"] = limit is not None
            return run_started(version=version, user=user, payload=payload, trigger=trigger, **origin)
        origin["limited"] = True
        run = run_create(version=version, user=user, payload=payload, trigger=trigger, **origin)
        if limit.policy == ConcurrencyPolicy.QUEUE:
            return run
        reason = limit_reached(limit, busy, waiting)
        if limit.policy == ConcurrencyPolicy.CANCEL_NEW:
            reason += " This run was cancelled (policy cancel_new)."
            error = {"code": "concurrency_limit", "message": reason, "limit": limit.limit, "running": busy}
            if run_transition(run.pk, (R.QUEUED,), R.CANCELLED, error=error, data={"reason": reason}):
                metrics.run_finished(R.CANCELLED, trigger)
        else:
            reason += " This run was not started (policy fail_new)."
            error = {"code": "concurrency_limit", "message": reason, "limit": limit.limit, "running": busy}
            if run_transition(run.pk, (R.QUEUED,), R.FAILED, error=error, data={"error": error}):
                metrics.run_finished(R.FAILED, trigger)
    run.refresh_from_db()
    return run


class NoFreeSlot(DomainError):
    status = 409


def retry_slot_take(run: Run) -> None:
    """Retry from failure puts a failed run back to work: for a limited workflow, only
    into a free slot (NoFreeSlot, 409, else), under the workflow's lock, which the caller's
    transaction keeps until it commits."""
    locked = _lock(run.workflow_id) if run.parent_step_id is None else None
    limit = ConcurrencyLimit.of(locked) if locked is not None else None
    if limit is None:
        return
    busy, waiting = _in_flight(run.workflow_id), rows.waiting_count(run.workflow_id)
    if busy + waiting >= limit.limit:
        raise NoFreeSlot(f"{limit_reached(limit, busy, waiting)} Retry this run when one of them ends.")
    if not run.limited:
        rows.mark_limited(run.pk)  # its end frees the slot it takes


def run_queued_reason(run: Run) -> str | None:
    """Why a queued run has not started (for the run view), else None."""
    if run.status != R.QUEUED:
        return None
    if run.parent_step_id is not None:
        return "Waiting for its parent step to start it: a map starts at most max_concurrency items at a time."
    limit = ConcurrencyLimit.of(run.workflow)
    if limit is None:
        return "Waiting to start: the workflow's concurrency limit was removed, and the next tick starts it."
    busy = _in_flight(run.workflow_id)
    ahead = rows.waiting_count(run.workflow_id, before=run.pk)
    text = f"Waiting for a free slot: {busy} of {limit.limit} runs of this workflow {'is' if busy == 1 else 'are'} running"
    return text + (f", and {ahead} queued run{'s' if ahead > 1 else ''} will start before this one." if ahead else ".")


def step_quota_refused(step: StepRun, count: int) -> list[int] | None:
    """For a step about to create `count` child runs (the caller holds its run's lock, in
    the transaction that parked it): None if the tree has room (reserved), else the step
    fails at once, keeping its input, and the steps that made ready are returned."""
    refused = tree_quota_take(step.run, count)
    if refused is None:
        return None
    node = graph_for(step.run).nodes[step.node_id]
    return step_failed(step, refused, config=step.input, node=node, source=StepStatus.WAITING)
