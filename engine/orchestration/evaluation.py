"""Evaluating one node: the rows it reads, the data its expressions see, its inputs, its
rendered config and its node type's result. Shared by the executor (a claimed step) and
the inline path (a pure step run under its run's lock); it reads, never writes."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from django.conf import settings

from catalog.expressions.evaluate import DeadlineExceeded, Evaluation, Limits
from catalog.expressions.sandbox import sandbox
from catalog.nodes import registry
from catalog.nodes.base import NodeResult, StepContext, StepFailed
from catalog.schemas import problems_code, problems_message, rendered_problems
from core.logging import get_logger
from engine.orchestration.graph import Graph, edge_state
from engine.orchestration.guards import guards
from engine.orchestration.step_secrets import Runner, masked_failure, masked_result, step_secrets, values_of
from engine.store.models import Run
from engine.store.reads import step_rows
from engine.store.records import StepRow
from engine.store.usage import owner_successes_since


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _timed_out(timeout_s: float, *, outcome_unknown: bool) -> StepFailed:
    return StepFailed(f"The step took longer than its timeout of {timeout_s:g} s.", code="timeout", outcome_unknown=outcome_unknown)


# How long past its deadline a guarded call is waited for before its thread is left to
# it: a call that keeps the deadline itself (ctx.deadline: the HTTP node) ends with its
# own error, and its thread is back in the pool before the step is recorded.
GUARD_GRACE_S = 0.25


def _call(cls: Any, ctx: StepContext, timeout_s: float, deadline: float) -> NodeResult:
    """The node type's work, within the step's timeout: a guarded type's in a thread of
    its own, so that the timeout holds even when the library it calls enforces none (within
    GUARD_GRACE_S); a pure type's through its evaluations, which share the step's deadline;
    one that keeps the deadline itself (NodeType.keeps_deadline: the HTTP node) on the
    step's own thread, without the hand-over to a guard and back."""
    if not cls.guarded or cls.keeps_deadline:
        try:
            return cls.execute(ctx)  # type: ignore[no-any-return]
        except DeadlineExceeded:
            raise _timed_out(timeout_s, outcome_unknown=False) from None
    try:
        wait = max(deadline - time.monotonic(), 0.001) + GUARD_GRACE_S
        return guards.call(lambda: cls.execute(ctx), wait)  # type: ignore[no-any-return]
    except (TimeoutError, DeadlineExceeded):
        raise _timed_out(timeout_s, outcome_unknown=True) from None


logger = get_logger(__name__)


def warm_evaluators() -> None:
    """Start this process's evaluator zygote in the background (a worker process at its
    start, the embedded executor at its): the first expression that needs an evaluator
    then pays a fork (about 1 ms), not an interpreter's start (100 ms, more on a busy
    machine), inside its step's time."""

    def warm() -> None:
        try:
            sandbox.warm(expression_limits())
        except Exception:  # the first evaluation starts one itself, and reports what fails
            logger.warning("could not start the expression evaluators", exc_info=True)

    threading.Thread(target=warm, name="stepwise-evaluator-warm", daemon=True).start()


def expression_limits() -> Limits:
    """The settings' bounds on one evaluation (docs/architecture.md#expressions)."""
    return Limits(
        timeout_ms=settings.STEPWISE_EXPRESSION_TIMEOUT_MS,
        cpu_s=settings.STEPWISE_EXPRESSION_CPU_S,
        memory_mb=settings.STEPWISE_EXPRESSION_MEMORY_MB,
    )


def input_rows(
    run_id: int, graph: Graph, node_id: str, known: dict[str, StepRow], *, complete: bool = False, every: bool = False
) -> dict[str, StepRow]:
    """The rows a node's evaluation sees: every step's when it reads the run's data (or
    `every`), else its predecessors'. Rows in `known` (made or read in this transaction)
    are not read again and win over the database's; what is read is added to `known`.
    `complete`: `known` holds every step of the run already."""
    if every or graph.needs_data(node_id):
        if not complete:
            merged = {**step_rows(run_id), **known}
            known.clear()
            known.update(merged)
        return known
    sources = [e.source for e in graph.inbound.get(node_id, [])]
    missing = [n for n in sources if n not in known]
    if missing and not complete:
        known.update({n: row for n, row in step_rows(run_id, missing).items() if n not in known})
    return {n: known[n] for n in sources if n in known}


def expression_data(run: Run, rows: dict[str, StepRow], graph_vars: dict[str, Any], attempt: int = 1) -> dict[str, Any]:
    steps = {node_id: {"output": row.output, "status": row.status} for node_id, row in rows.items()}
    return {
        "trigger": run.input,
        "steps": steps,
        "vars": graph_vars,
        "run": {"id": run.pk, "started_at": iso(run.started_at), "trigger": run.trigger, "attempt": attempt},
    }


def fixed_input(attempts: list[Any] | None) -> dict[str, Any] | None:
    """The input a person gave the step (its latest fix of its input, in its history:
    engine.orchestration.control.step_fix), which every later attempt runs with instead
    of the config rendered from the graph; None when nobody fixed it."""
    for entry in reversed(attempts or []):
        if isinstance(entry, dict) and entry.get("fix") == "input" and isinstance(entry.get("new"), dict):
            return dict(entry["new"])
    return None


def timeout_s(node: dict[str, Any]) -> float:
    return float(node.get("timeout_s") or settings.STEPWISE_DEFAULT_TIMEOUT_S)


def step_inputs(graph: Graph, node_id: str, rows: dict[str, StepRow]) -> dict[str, Any]:
    """The outputs that arrive at a node: those of its predecessors whose edge was taken."""
    states = {n: row.state for n, row in rows.items()}
    return {e.source: rows[e.source].output for e in graph.inbound.get(node_id, []) if edge_state(e, states) == "taken"}


def node_evaluate(
    run: Runner,
    graph: Graph,
    node_id: str,
    *,
    iteration: int,
    attempt: int,
    data: dict[str, Any],
    inputs: dict[str, Any],
    inline: bool = False,
    fixed: dict[str, Any] | None = None,
    test_key: str | None = None,
) -> tuple[Any, NodeResult]:
    """Render the node's config and call its node type: (the rendered config, the result),
    all within the node's timeout. Raises StepFailed, or ExpressionError for an expression
    that fails; the config is attached to the exception as `config` once rendered (a
    failed step keeps its input). `inline`: under the run's lock, where an expression
    that needs an evaluator process raises NeedsIsolation instead (the executor runs it).
    `fixed`: the input a person gave the step (`fixed_input`), used as its rendered config
    (checked against the node type's schema again, never rendered).
    `test_key`: a test of one step (engine.orchestration.step_test), its idempotency key."""
    node = graph.nodes[node_id]
    cls = registry.get(node["type"])
    config: Any = node.get("config") or {}
    limit = timeout_s(node)
    deadline = time.monotonic() + limit
    evaluation = Evaluation(expression_limits(), deadline=deadline, isolate=not inline)
    try:
        if cls is None:
            raise StepFailed(f"Unknown node type {node['type']!r}.", retryable=False)
        if fixed is not None:
            config = fixed
        else:
            try:
                config = evaluation.render(config, cls.config_schema, data)
            except DeadlineExceeded:
                raise _timed_out(limit, outcome_unknown=False) from None
        if (fixed is not None or graph.templated(node_id)) and (problems := rendered_problems(cls, config)):
            raise StepFailed(problems_message(problems), code=problems_code(problems), retryable=False)
        ctx = StepContext(
            run_id=run.pk,
            node_id=node_id,
            iteration=iteration,
            attempt=attempt,
            config=config,
            data=data,
            inputs=inputs,
            timeout_s=limit,
            deadline=deadline,
            evaluate=lambda source: evaluation(source, data),
            render=lambda value, extra: evaluation.render(value, {}, {**data, **extra}),
            secrets=step_secrets(run, cls, config, deadline),
            recent_successes=lambda node_type, since, limit: owner_successes_since(run.owner_id, node_type, since, limit),
            test_key=test_key,
        )
        hidden = values_of(ctx.secrets)
        try:
            result = masked_result(_call(cls, ctx, limit, deadline), hidden)
        except StepFailed as exc:
            masked_failure(exc, hidden)
            raise
        size = len(json.dumps(result.output, default=str))
        if size > settings.STEPWISE_MAX_OUTPUT_BYTES:
            raise StepFailed(
                f"The output is {size} bytes; the limit is {settings.STEPWISE_MAX_OUTPUT_BYTES}.", code="output_too_large", retryable=False
            )
    except Exception as exc:
        exc.config = config  # type: ignore[attr-defined]
        raise
    return config, result
