"""Evaluating one node: the data its expressions see, its inputs, its rendered config and
its node type's result. Shared by the executor (a claimed step) and the inline path (a
pure step run under its run's lock); no writes here."""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from catalog.expressions.evaluate import evaluate, render_config
from catalog.nodes import registry
from catalog.nodes.base import NodeResult, StepContext, StepFailed
from catalog.nodes.net import http_client
from engine.models import Run
from engine.orchestration.graph import Graph, StepState, edge_state
from engine.orchestration.outcomes import iso

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
        message = f"The step took longer than its timeout of {timeout_s:g} s."
        raise StepFailed(message, code="timeout", outcome_unknown=True) from None


def expression_data(run: Run, rows: dict[str, dict[str, Any]], graph_vars: dict[str, Any], attempt: int = 1) -> dict[str, Any]:
    steps = {node_id: {"output": row["output"], "status": row["status"]} for node_id, row in rows.items()}
    return {
        "trigger": run.input,
        "steps": steps,
        "vars": graph_vars,
        "run": {"id": run.pk, "started_at": iso(run.started_at), "trigger": run.trigger, "attempt": attempt},
    }


def timeout_s(node: dict[str, Any]) -> float:
    return float(node.get("timeout_s") or settings.STEPWISE_DEFAULT_TIMEOUT_S)


def step_inputs(graph: Graph, node_id: str, rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The outputs that arrive at a node: those of its predecessors whose edge was taken."""
    states = {n: StepState(row["status"], tuple(row["ports"] or ())) for n, row in rows.items()}
    return {e.source: rows[e.source]["output"] for e in graph.inbound.get(node_id, []) if edge_state(e, states) == "taken"}


def node_evaluate(
    run: Run,
    graph: Graph,
    node_id: str,
    *,
    iteration: int,
    attempt: int,
    data: dict[str, Any],
    inputs: dict[str, Any],
) -> tuple[Any, NodeResult]:
    """Render the node's config and call its node type: (the rendered config, the result).
    Raises StepFailed, or ExpressionError for an expression that fails; the config is
    attached to the exception as `config` once rendered (a failed step keeps its input)."""
    node = graph.nodes[node_id]
    cls = registry.get(node["type"])
    config: Any = node.get("config") or {}
    try:
        if cls is None:
            raise StepFailed(f"Unknown node type {node['type']!r}.", retryable=False)
        config = render_config(config, cls.config_schema, data)
        limit = timeout_s(node)
        ctx = StepContext(
            run_id=run.pk,
            node_id=node_id,
            iteration=iteration,
            attempt=attempt,
            config=config,
            data=data,
            inputs=inputs,
            timeout_s=limit,
            evaluate=lambda source: evaluate(source, data),
            http=http_client(),
        )
        result = _call(cls, ctx, limit, node["type"] in GUARDED_TYPES)
        size = len(json.dumps(result.output, default=str))
        if size > settings.STEPWISE_MAX_OUTPUT_BYTES:
            raise StepFailed(
                f"The output is {size} bytes; the limit is {settings.STEPWISE_MAX_OUTPUT_BYTES}.", code="output_too_large", retryable=False
            )
    except Exception as exc:
        exc.config = config  # type: ignore[attr-defined]
        raise
    return config, result
