"""How a step's failure is settled, shared by the executor (a running step) and child-run
resumption (a waiting workflow.call or map): retry after backoff, or fail and follow
`on_error` (fail the run, continue with the error as output, or route to the error port)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine.models import Run, StepRun
from engine.nodes.base import StepFailed
from engine.orchestration.timers import arm_after_commit
from engine.states import RunStatus, StepStatus, step_transition

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


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


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
    from engine.orchestration.advance import _advance_locked

    retry = node.get("retry") or {}
    error = failure.as_dict()
    entry = {"attempt": step.attempt, "started_at": iso(step.started_at), "finished_at": iso(timezone.now()), "error": error}
    previous = list(step.attempts or [])
    if previous and previous[-1].get("attempt") == step.attempt:
        previous.pop()  # a waiting step's attempt, recorded when it parked, now ends
    attempts = [*previous, entry]
    if failure.outcome_unknown and node.get("delivery") == "at_most_once":
        # It may have had its effect: the engine never sends it again; a person decides
        # (mark it done, or retry it) and the run waits for them.
        fields = {"input": config, "error": error, "attempts": attempts}
        data = {"error": error, "outcome_unknown": True}
        with transaction.atomic():
            locked = Run.objects.select_for_update().get(pk=step.run_id)
            parked = step_transition(step.pk, (source,), S.INTERRUPTED, lease_token=token, data=data, **fields)
            if parked and locked.status != RunStatus.RUNNING:
                return _advance_locked(locked)  # a cancel came meanwhile: the run can end now
        return []
    if failure.retryable and step.attempt < int(retry.get("max_attempts", 1)):
        delay = backoff_s(retry, step.attempt, failure.retry_after_s)
        due = timezone.now() + timedelta(seconds=delay)
        data = {"retry_in_s": round(delay, 3), "error": error}
        fields = {"input": config, "error": error, "attempts": attempts, "not_before": due}
        if step_transition(step.pk, (source,), S.QUEUED, lease_token=token, data=data, **fields):
            arm_after_commit(step.pk, due, waiting=False)
        return []  # delivered when its timer is due
    on_error = node.get("on_error", "fail")
    ports = {"continue": ["out"], "route": ["error"]}.get(on_error, [])
    output = {"error": error} if ports else None
    with transaction.atomic():
        locked = Run.objects.select_for_update().get(pk=step.run_id)
        fields = {"input": config, "error": error, "output": output, "ports": ports, "attempts": attempts}
        if not step_transition(step.pk, (source,), S.FAILED, lease_token=token, data={"error": error}, **fields):
            return []
        return _advance_locked(locked)
