"""Running one step: claim it (conditional update, new lease), evaluate its config, call
its node type, and record the result with a fenced update. A step recorded `succeeded` is
never executed again: a duplicate message finds nothing to claim."""

from __future__ import annotations

import json
import logging
import random
import secrets
import threading
from concurrent.futures import Future
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from engine.expressions.evaluate import ExpressionError, evaluate, render_config
from engine.models import Run, StepRun
from engine.nodes import registry
from engine.nodes.base import NodeResult, StepContext, StepFailed
from engine.orchestration.dispatch import get_dispatcher
from engine.orchestration.graph import edge_state
from engine.orchestration.runs import _advance_locked, _states, advance, graph_for
from engine.states import RunStatus, StepStatus, step_claim, step_transition

R, S = RunStatus, StepStatus
logger = logging.getLogger(__name__)

# Node types whose work can block on the outside world run in a guard thread, so their
# timeout holds even when the library they call does not enforce one.
GUARDED_TYPES = {"http.request", "email.send"}


def backoff_s(retry: dict[str, Any], attempt: int) -> float:
    initial = float(retry.get("initial_s", 1))
    cap = float(retry.get("max_s", 60))
    delay = initial if retry.get("backoff", "exponential") == "fixed" else initial * 2 ** max(attempt - 1, 0)
    delay = min(delay, cap)
    if retry.get("jitter", True):
        delay *= 0.5 + random.random() / 2
    return delay


def _call(cls: Any, ctx: StepContext, timeout_s: float, guarded: bool) -> NodeResult:
    if not guarded:
        return cls.execute(ctx)  # type: ignore[no-any-return]
    future: Future[NodeResult] = Future()

    def target() -> None:
        try:
            future.set_result(cls.execute(ctx))
        except BaseException as exc:  # handed to the waiting caller
            future.set_exception(exc)
        finally:
            close_old_connections()

    threading.Thread(target=target, daemon=True, name=f"step-{ctx.run_id}-{ctx.node_id}").start()
    try:
        return future.result(timeout=timeout_s)
    except TimeoutError:
        raise StepFailed(f"The step took longer than its timeout of {timeout_s:g} s.", code="timeout") from None


def expression_data(run: Run, rows: dict[str, dict[str, Any]], graph_vars: dict[str, Any], attempt: int = 1) -> dict[str, Any]:
    steps = {node_id: {"output": row["output"], "status": row["status"]} for node_id, row in rows.items()}
    return {
        "trigger": run.input,
        "steps": steps,
        "vars": graph_vars,
        "run": {"id": run.pk, "started_at": _iso(run.started_at), "trigger": run.trigger, "attempt": attempt},
    }


def _timeout_s(node: dict[str, Any]) -> float:
    return float(node.get("timeout_s") or settings.STEPWISE_DEFAULT_TIMEOUT_S)


def step_execute(step_id: int, *, worker: str) -> list[int]:
    """Claim and run one step; returns the ids of the steps that became ready."""
    token = secrets.token_hex(8)
    step = StepRun.objects.select_related("run").filter(pk=step_id).first()
    if step is None:
        return []
    timeout_s = _timeout_s(graph_for(step.run).nodes[step.node_id])
    if not step_claim(step_id, worker=worker, token=token, lease_s=timeout_s + settings.STEPWISE_LEASE_GRACE_S):
        return []  # someone else has it, it is finished, or its timer is not due: drop
    return step_run_claimed(step_id, token=token)


def step_run_claimed(step_id: int, *, token: str) -> list[int]:
    """Run a step this worker has claimed with `token` and record the outcome (fenced)."""
    step = StepRun.objects.select_related("run").get(pk=step_id)  # the run row is fresh from this query
    graph = graph_for(step.run)
    node = graph.nodes[step.node_id]
    timeout_s = _timeout_s(node)
    run = step.run
    if run.status != R.RUNNING and not (run.status == R.COMPENSATING and step.compensates):
        step_transition(step_id, (S.RUNNING,), S.CANCELLED, lease_token=token, data={"reason": f"run is {run.status}"})
        return advance(run.pk)
    cls = registry.get(node["type"])
    states, rows = _states(run)
    data = expression_data(run, rows, graph.vars, step.attempt)
    if step.compensates:
        # A compensation sees what it undoes: that step's input and output.
        undone = StepRun.objects.values("input", "output").get(run_id=run.pk, node_id=step.compensates, iteration=0)
        data["compensating"] = {"node_id": step.compensates, **undone}
        inputs = {step.compensates: undone["output"]}
    else:
        inputs = {e.source: rows[e.source]["output"] for e in graph.inbound.get(step.node_id, []) if edge_state(e, states) == "taken"}
    config: Any = node.get("config") or {}
    try:
        if cls is None:
            raise StepFailed(f"Unknown node type {node['type']!r}.", retryable=False)
        config = render_config(config, cls.config_schema, data)
        ctx = StepContext(
            run_id=run.pk,
            node_id=step.node_id,
            iteration=step.iteration,
            attempt=step.attempt,
            config=config,
            data=data,
            inputs=inputs,
            timeout_s=timeout_s,
            evaluate=lambda source: evaluate(source, data),
        )
        result = _call(cls, ctx, timeout_s, node["type"] in GUARDED_TYPES)
        size = len(json.dumps(result.output, default=str))
        if size > settings.STEPWISE_MAX_OUTPUT_BYTES:
            raise StepFailed(
                f"The output is {size} bytes; the limit is {settings.STEPWISE_MAX_OUTPUT_BYTES}.", code="output_too_large", retryable=False
            )
    except StepFailed as failure:
        return _failed(step, token, failure, config, node)
    except ExpressionError as exc:
        return _failed(step, token, StepFailed(str(exc), code="expression_error", retryable=False), config, node)
    except Exception as exc:
        logger.exception("step %s crashed", step.idempotency_key)
        return _failed(step, token, StepFailed(f"{type(exc).__name__}: {exc}", code="internal_error"), config, node)
    attempts = [
        *step.attempts,
        {"attempt": step.attempt, "started_at": _iso(step.started_at), "finished_at": _iso(timezone.now()), "error": None},
    ]
    if result.wait_until is not None or result.wait_for_person:
        step_transition(
            step_id,
            (S.RUNNING,),
            S.WAITING,
            lease_token=token,
            input=config,
            output=result.output,
            not_before=result.wait_until,
            attempts=attempts,
            data={"until": _iso(result.wait_until), "for_person": result.wait_for_person},
        )
        return []
    with transaction.atomic():
        # The result and the next steps commit together: a worker that dies after its
        # checkpoint cannot leave the run without successors. The run row is locked first.
        locked = Run.objects.select_for_update().get(pk=run.pk)
        fields = {"input": config, "output": result.output, "ports": list(result.ports), "attempts": attempts, "error": None}
        if not step_transition(step_id, (S.RUNNING,), S.SUCCEEDED, lease_token=token, **fields):
            return []  # our lease was reclaimed meanwhile: the result is not ours to record
        return _advance_locked(locked)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _failed(step: StepRun, token: str, failure: StepFailed, config: Any, node: dict[str, Any]) -> list[int]:
    retry = node.get("retry") or {}
    error = failure.as_dict()
    attempts = [
        *step.attempts,
        {"attempt": step.attempt, "started_at": _iso(step.started_at), "finished_at": _iso(timezone.now()), "error": error},
    ]
    if failure.retryable and step.attempt < int(retry.get("max_attempts", 1)):
        delay = backoff_s(retry, step.attempt)
        step_transition(
            step.pk,
            (S.RUNNING,),
            S.QUEUED,
            lease_token=token,
            input=config,
            error=error,
            attempts=attempts,
            not_before=timezone.now() + timedelta(seconds=delay),
            data={"retry_in_s": round(delay, 3), "error": error},
        )
        return []  # the tick sends it when its timer is due
    on_error = node.get("on_error", "fail")
    ports = {"continue": ["out"], "route": ["error"]}.get(on_error, [])
    output = {"error": error} if ports else None
    with transaction.atomic():
        locked = Run.objects.select_for_update().get(pk=step.run_id)
        fields = {"input": config, "error": error, "output": output, "ports": ports, "attempts": attempts}
        if not step_transition(step.pk, (S.RUNNING,), S.FAILED, lease_token=token, data={"error": error}, **fields):
            return []
        return _advance_locked(locked)


def run_chain(step_id: int, *, worker: str) -> None:
    """Run a step, then keep going with one of the steps it made ready, right after its
    checkpoint, instead of a broker round trip; the others go to the dispatcher."""
    current: int | None = step_id
    try:
        while current is not None:
            ready = step_execute(current, worker=worker)
            if len(ready) > 1:
                get_dispatcher().send(ready[1:])
            current = ready[0] if ready else None
    finally:
        close_old_connections()


def worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
