"""Run and step state machines: the statuses and the tables of allowed transitions. Pure:
every write of a status (engine.store.writes) is checked against them."""

from __future__ import annotations

from typing import Any

from django.db import models


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
    # queued -> failed: a start refused by its workflow's concurrency limit (fail_new).
    R.QUEUED: frozenset({R.RUNNING, R.CANCELLED, R.FAILED}),
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
    # failed -> queued: retry from failure, or a person fixed its input; failed -> succeeded:
    # a person entered the output of a step whose effect happened (control.step_fix).
    S.FAILED: frozenset({S.QUEUED, S.SUCCEEDED}),
    S.INTERRUPTED: frozenset({S.QUEUED, S.SUCCEEDED, S.CANCELLED}),
    S.SUCCEEDED: frozenset({S.COMPENSATED}),
    S.SKIPPED: frozenset(),
    S.CANCELLED: frozenset(),
    S.COMPENSATED: frozenset(),
}

RUN_TERMINAL = frozenset({R.SUCCEEDED, R.FAILED, R.CANCELLED, R.COMPENSATED})
STEP_TERMINAL = frozenset({S.SUCCEEDED, S.FAILED, S.SKIPPED, S.CANCELLED, S.COMPENSATED})
# What keeps a run busy: a step in one of these statuses (one a worker, a timer or a person
# will move on).
STEP_ACTIVE = frozenset({S.PENDING, S.QUEUED, S.RUNNING, S.WAITING, S.INTERRUPTED})


class IllegalTransition(RuntimeError):
    pass


def check_transition(table: dict[Any, frozenset[Any]], sources: tuple[Any, ...], target: Any) -> None:
    for source in sources:
        if target not in table[source]:
            raise IllegalTransition(f"{source} -> {target} is not in the transition table")
