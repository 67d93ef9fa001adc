"""How a step's failure is settled, shared by the executor (a running step) and child-run
resumption (a waiting workflow.call or map): retry after backoff, or fail and follow
`on_error` (fail the run, continue with the error as output, or route to the error port)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.nodes.base import StepFailed
from engine.orchestration.advance import advance_locked
from engine.orchestration.evaluation import iso
from engine.orchestration.timers import arm_after_commit
from engine.store.models import StepRun
from engine.store.reads import run_locked
from engine.store.statuses import StepStatus
from engine.store.writes import step_transition
from monitoring import metrics

S = StepStatus


def backoff_s(retry: dict[str, Any], attempt: int, retry_after_s: float | None = None) -> float:
    """The delay before the next attempt: what the far side asked for (Retry-After), else
    the policy's backoff (with jitter unless switched off); never above `max_s`."""
    initial = float(retry.get("initial_s", 1))
    cap = float(retry.get("max_s", 60))
    if retry_after_s is not None:
        return min(max(retry_after_s, 0.0), cap)
    delay = initial if retry.get("backoff", "exponential") == "fixed" else initial * 2 ** max(attempt - 1, 0)
    delay = min(delay, cap)
    if retry.get("jitter", True):
        delay *= 0.5 + random.random() / 2
    return delay


def ran_s(step: StepRun) -> float | None:
    """How long the step's current attempt has run, from its claim."""
    return (timezone.now() - step.started_at).total_seconds() if step.started_at is not None else None


def attempts_ended(step: StepRun, error: Any, *, now: Any = None, **extra: Any) -> list[Any]:
    """The step's `attempts` with its current attempt ended now (`error` None: it
    succeeded); an entry the attempt left when it parked (a wait for child runs) is
    replaced. `extra`: more of the entry (`lost` for a lease taken back)."""
    entry = {
        "attempt": step.attempt,
        "started_at": iso(step.started_at),
        "finished_at": iso(now or timezone.now()),
        "error": error,
        **extra,
    }
    previous = list(step.attempts or [])
    if previous and previous[-1].get("attempt") == step.attempt:
        previous.pop()
    return [*previous, entry]


def step_failed(
    step: StepRun,
    failure: StepFailed,
    *,
    config: Any,
    node: dict[str, Any],
    source: StepStatus = S.RUNNING,
    token: str | None = None,
) -> list[int]:
    """Record a failed attempt (fenced by `token` for a running step); returns the steps
    made ready, to dispatch."""
    retry = node.get("retry") or {}
    error = failure.as_dict()
    attempts = attempts_ended(step, error)
    fields: dict[str, Any] = {"input": config, "error": error, "attempts": attempts}
    if failure.outcome_unknown and node.get("delivery") == "at_most_once":
        # It may have had its effect: the engine never sends it again; a person decides
        # (mark it done, or retry it) and the run waits for them (or, cancelled meanwhile,
        # its advance ends it).
        return _settled(step, source, S.INTERRUPTED, token, {"error": error, "outcome_unknown": True}, fields, node)
    if failure.retryable and step.attempt < int(retry.get("max_attempts", 1)):
        delay = backoff_s(retry, step.attempt, failure.retry_after_s)
        due = timezone.now() + timedelta(seconds=delay)
        data = {"retry_in_s": round(delay, 3), "error": error}
        if step_transition(step.pk, (source,), S.QUEUED, lease_token=token, data=data, not_before=due, **fields):
            metrics.step_retried(str(node.get("type")))
            arm_after_commit(step.pk, due, waiting=False)
        return []  # delivered when its timer is due
    ports = {"continue": ["out"], "route": ["error"]}.get(node.get("on_error", "fail"), [])
    fields |= {"output": {"error": error} if ports else None, "ports": ports}
    return _settled(step, source, S.FAILED, token, {"error": error}, fields, node)


def _settled(
    step: StepRun, source: StepStatus, target: StepStatus, token: str | None, data: Any, fields: dict[str, Any], node: dict[str, Any]
) -> list[int]:
    """The step's final word on this attempt, under its run's lock, and the run advanced."""
    with transaction.atomic():
        locked = run_locked(step.run_id)
        if not step_transition(step.pk, (source,), target, lease_token=token, data=data, **fields):
            return []
        metrics.step_finished(str(node.get("type")), target, ran_s(step))
        return advance_locked(locked)
