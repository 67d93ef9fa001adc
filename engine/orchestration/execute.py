"""Running one step: claim it (conditional update, new lease), evaluate its config, call
its node type, and record the result with a fenced update. A step recorded `succeeded` is
never executed again: a duplicate message finds nothing to claim."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from engine.expressions.evaluate import ExpressionError, evaluate, render_config
from engine.models import Run, StepRun
from engine.nodes import registry
from engine.nodes.base import NodeResult, StepContext, StepFailed
from engine.orchestration.children import children_prepare, children_start
from engine.orchestration.dispatch import get_dispatcher
from engine.orchestration.graph import StepState, edge_state
from engine.orchestration.outcomes import iso, step_failed
from engine.orchestration.runs import advance, advance_locked_nodes, graph_for, run_lock, step_rows
from engine.states import RunStatus, StepStatus, events_batched, step_claim, step_transition

R, S = RunStatus, StepStatus
logger = logging.getLogger(__name__)

# Node types whose work can block on the outside world run in a guard thread, so their
# timeout holds even when the library they call does not enforce one.
GUARDED_TYPES = {"http.request", "email.send"}


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
        "run": {"id": run.pk, "started_at": iso(run.started_at), "trigger": run.trigger, "attempt": attempt},
    }


def _timeout_s(node: dict[str, Any]) -> float:
    return float(node.get("timeout_s") or settings.STEPWISE_DEFAULT_TIMEOUT_S)


@dataclass
class Claimed:
    """A step this worker holds the lease of (`token`), with its run loaded."""

    step: StepRun
    token: str
    known: dict[str, dict[str, Any]] = field(default_factory=dict)  # rows of steps already in hand, by node


@dataclass
class Next:
    """After a step: the steps that became ready (to dispatch), and possibly one of them
    that this worker claimed in the same commit, to run at once (ARCHITECTURE, point 8)."""

    ready: list[int] = field(default_factory=list)
    claimed: Claimed | None = None


def _lease_s(node: dict[str, Any]) -> float:
    return _timeout_s(node) + settings.STEPWISE_LEASE_GRACE_S


def _claim(step: StepRun, worker: str) -> Claimed | None:
    """The conditional claim; None when someone else has the step, it is finished, or its
    timer is not due: the caller drops the message."""
    token = secrets.token_hex(8)
    now = timezone.now()
    known = step_claim(step.pk, worker=worker, token=token, lease_s=_lease_s(graph_for(step.run).nodes[step.node_id]), now=now)
    if known is None:
        return None
    step.status, step.attempt, step.started_at, step.lease_token = S.RUNNING, known[2], now, token
    return Claimed(step, token)


def step_execute(step_id: int, *, worker: str) -> list[int]:
    """Claim and run one step; returns the ids of the steps that became ready."""
    step = StepRun.objects.select_related("run").filter(pk=step_id).first()
    claimed = _claim(step, worker) if step is not None else None
    return _run(claimed).ready if claimed is not None else []


def step_run_claimed(step_id: int, *, token: str) -> list[int]:
    """Run a step this worker has claimed with `token` and record the outcome (fenced)."""
    return _run(Claimed(StepRun.objects.select_related("run").get(pk=step_id), token)).ready


def _run(claimed: Claimed, *, chain_worker: str | None = None) -> Next:
    """Execute a claimed step and record its outcome. With `chain_worker`, one of the steps
    it makes ready is claimed for that worker in the same transaction."""
    step, token = claimed.step, claimed.token
    step_id = step.pk
    run = step.run
    graph = graph_for(run)
    node = graph.nodes[step.node_id]
    timeout_s = _timeout_s(node)
    if run.status != R.RUNNING and not (run.status == R.COMPENSATING and step.compensates):
        step_transition(step_id, (S.RUNNING,), S.CANCELLED, lease_token=token, data={"reason": f"run is {run.status}"})
        return Next(advance(run.pk))
    cls = registry.get(node["type"])
    if step.compensates or graph.needs_data(step.node_id):
        rows = step_rows(run.pk)
    else:  # its inputs are all it can see: only its predecessors are read (unless in hand)
        sources = [e.source for e in graph.inbound.get(step.node_id, [])]
        known = claimed.known
        rows = {n: known[n] for n in sources} if sources and all(n in known for n in sources) else step_rows(run.pk, sources)
    states = {node_id: StepState(row["status"], tuple(row["ports"] or ())) for node_id, row in rows.items()}
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
        version = children_prepare(run, result.children) if result.children is not None else None
    except StepFailed as failure:
        return Next(step_failed(step, failure, config=config, node=node, token=token))
    except ExpressionError as exc:
        invalid = StepFailed(str(exc), code="expression_error", retryable=False)
        return Next(step_failed(step, invalid, config=config, node=node, token=token))
    except Exception as exc:
        logger.exception("step %s crashed", step.idempotency_key)
        crashed = StepFailed(f"{type(exc).__name__}: {exc}", code="internal_error")
        return Next(step_failed(step, crashed, config=config, node=node, token=token))
    attempts = [
        *step.attempts,
        {"attempt": step.attempt, "started_at": iso(step.started_at), "finished_at": iso(timezone.now()), "error": None},
    ]
    if result.children is not None and version is not None:
        with transaction.atomic():
            Run.objects.select_for_update().get(pk=run.pk)
            data = {"children": len(result.children.inputs), "workflow_id": result.children.workflow_id}
            if not step_transition(step_id, (S.RUNNING,), S.WAITING, lease_token=token, input=config, attempts=attempts, data=data):
                return Next()
            return Next(children_start(step, version, result.children))
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
            data={"until": iso(result.wait_until), "for_person": result.wait_for_person},
        )
        return Next()
    with transaction.atomic(), events_batched():
        # The result and the next steps commit together: a worker that dies after its
        # checkpoint cannot leave the run without successors. The run row is locked first.
        locked = run_lock(run)
        fields = {"input": config, "output": result.output, "ports": list(result.ports), "attempts": attempts, "error": None}
        if not step_transition(step_id, (S.RUNNING,), S.SUCCEEDED, lease_token=token, **fields):
            return Next()  # our lease was reclaimed meanwhile: the result is not ours to record
        created = advance_locked_nodes(locked)
        ready = [step_id for step_id, _ in created]
        if chain_worker is not None and created and locked.status == R.RUNNING:
            first_id, first_node = created[0]
            successor = StepRun(pk=first_id, run=locked, node_id=first_node, iteration=0, status=S.QUEUED, attempt=0, attempts=[])
            chained = _claim(successor, chain_worker)
            if chained is not None:
                # Its predecessor's output is in hand: a successor that reads only its inputs need not read it back.
                chained.known = {
                    step.node_id: {"node_id": step.node_id, "status": S.SUCCEEDED, "ports": list(result.ports), "output": result.output}
                }
                return Next(ready[1:], chained)
        return Next(ready)


def run_chain(step_id: int, *, worker: str) -> None:
    """Run a step, then keep going with one of the steps it made ready, claimed in the
    same commit as its predecessor's result, instead of a broker round trip; the others go
    to the dispatcher."""
    try:
        step = StepRun.objects.select_related("run").filter(pk=step_id).first()
        claimed = _claim(step, worker) if step is not None else None
        while claimed is not None:
            outcome = _run(claimed, chain_worker=worker)
            if outcome.ready:
                get_dispatcher().send(outcome.ready)
            claimed = outcome.claimed
    finally:
        close_old_connections()


def worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
