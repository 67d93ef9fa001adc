"""Pure steps run inline. A node type marked `inline` (noop, join, condition, switch,
transform) computes its result from the run's data alone, so it needs no broker round trip,
no lease and no thread of its own: the worker that holds the run's lock runs it at once,
inside the transaction that records its predecessor, and records it there (its row, its
events) like any other step. That is what keeps a durable step as cheap as a raw task.

Why it is safe: nothing outside the database sees a pure step. If the worker dies before
the commit, the transaction and its inline steps vanish together and are run again from
the last checkpoint, with the same result; a step with side effects (HTTP, email, a child
run, a wait) is never inline. A step that fails inline is not recorded here: it is queued
like any other and its failure is settled by the executor (retries, on_error, compensation).

The work done under one lock is bounded (STEPWISE_INLINE_MAX_STEPS, STEPWISE_INLINE_BUDGET_MS):
past the budget, ready steps are queued and dispatched as usual."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import tracing
from core.logging import bound, get_logger
from engine.orchestration.evaluation import expression_data, input_rows, iso, node_evaluate, step_inputs
from engine.orchestration.graph import Graph
from engine.store.models import Run
from engine.store.reads import step_row
from engine.store.records import StepDraft, StepRow, StepState, StepThrough
from engine.store.statuses import StepStatus
from engine.store.writes import steps_run_through
from monitoring import metrics

S = StepStatus
logger = get_logger(__name__)


def _log_ran(ids: dict[str, Any], attempt: int, duration_ms: float) -> None:
    with bound(**ids):
        logger.info("step ran", attempt=attempt, inline=True, duration_ms=duration_ms)


def inline_type(graph: Graph, node_id: str) -> bool:
    cls = graph.types.get(node_id)
    return bool(cls and cls.inline)


@dataclass(frozen=True, slots=True)
class _Ran:
    """What a pure node's evaluation gave: what its step records."""

    started_at: datetime
    finished_at: datetime
    input: Any
    output: Any
    ports: list[str]

    @property
    def duration_ms(self) -> float:
        return round((self.finished_at - self.started_at).total_seconds() * 1000, 3)


class Inliner:
    """Runs pure steps of one run whose row the current transaction holds locked. Keeps
    the rows (status, ports, output) it has seen or made, so a chain of inline steps reads
    nothing back. `run_new` returns the step to create: the advance creates all of its
    steps in one INSERT."""

    def __init__(self, run: Run, graph: Graph, *, worker: str, rows: dict[str, StepRow] | None = None, complete: bool = False) -> None:
        self.run, self.graph, self.worker = run, graph, worker
        self.rows: dict[str, StepRow] = dict(rows or {})
        self._complete = complete  # whether `rows` holds every step of the run
        self._left = settings.STEPWISE_INLINE_MAX_STEPS
        self._deadline = time.monotonic() + settings.STEPWISE_INLINE_BUDGET_MS / 1000

    def accepts(self, node_id: str) -> bool:
        return self._left > 0 and inline_type(self.graph, node_id) and time.monotonic() < self._deadline

    def _rows_for(self, node_id: str) -> dict[str, StepRow]:
        rows = input_rows(self.run.pk, self.graph, node_id, self.rows, complete=self._complete)
        self._complete = self._complete or self.graph.needs_data(node_id)
        return rows

    def _evaluate(self, node_id: str, attempt: int, step_id: int | None = None) -> tuple[_Ran, dict[str, Any]] | None:
        """Run the node: what its step records (times, input, output, ports) and its
        attempt's entry; None when it cannot complete inline (it failed, or asked to wait
        or to start child runs): the executor takes it then. `step_id`: its step's, when
        it has one already."""
        run = self.run
        ids = {"run_id": run.pk, "node_id": node_id, "step_id": step_id, "workflow_id": run.workflow_id}
        with (
            bound(**ids),
            tracing.step_span(run_id=run.pk, node_id=node_id, step_id=step_id, workflow_id=run.workflow_id, inline=True, trace=run.trace),
        ):
            evaluated = self._evaluate_bound(node_id, attempt)
        if evaluated is not None:
            # Said once the transaction commits: no log write under the run's lock (nor
            # inside the inline budget), and no line for a step whose record rolled back.
            duration_ms = evaluated[0].duration_ms
            transaction.on_commit(lambda: _log_ran(ids, attempt, duration_ms))
        return evaluated

    def _evaluate_bound(self, node_id: str, attempt: int) -> tuple[_Ran, dict[str, Any]] | None:
        self._left -= 1
        started = timezone.now()
        rows = self._rows_for(node_id)
        data = expression_data(self.run, rows, self.graph.vars, attempt)
        try:
            config, result = node_evaluate(
                self.run,
                self.graph,
                node_id,
                iteration=0,
                attempt=attempt,
                data=data,
                inputs=step_inputs(self.graph, node_id, rows),
                inline=True,
            )
        except Exception:
            # It failed, or an expression of it needs an evaluator process (NeedsIsolation),
            # which is not waited for under the run's lock: the executor runs it again,
            # outside any transaction, and records the failure with its retries and on_error.
            return None
        if result.children is not None or result.wait_until is not None or result.wait_for_person:
            return None
        finished = timezone.now()
        ran = _Ran(started, finished, config, result.output, list(result.ports))
        return ran, {"attempt": attempt, "started_at": iso(started), "finished_at": iso(finished), "error": None, "inline": True}

    def _type(self, node_id: str) -> str:
        return str(self.graph.nodes[node_id].get("type"))

    def remember(self, step: StepDraft) -> None:
        """What a step created in this transaction looks like to the steps after it."""
        self.rows[step.node_id] = step_row(step.node_id, step.status, step.ports, step.output)

    def run_new(self, node_id: str) -> StepDraft | None:
        """Run a node that has no step yet: the step to create, succeeded (the caller
        creates it with the others of its advance). None: queue it instead."""
        evaluated = self._evaluate(node_id, 1)
        if evaluated is None:
            return None
        ran, entry = evaluated
        metrics.step_finished(self._type(node_id), S.SUCCEEDED, (ran.finished_at - ran.started_at).total_seconds())
        return StepDraft(
            node_id,
            S.SUCCEEDED,
            attempt=1,
            input=ran.input,
            output=ran.output,
            ports=ran.ports,
            lease_owner=self.worker[:100],
            attempts=[entry],
            started_at=ran.started_at,
            finished_at=ran.finished_at,
            data={"worker": self.worker, "inline": True},
        )

    def run_queued(self, queued: list[tuple[int, str, int, list[Any]]]) -> dict[str, StepState]:
        """Run queued steps (id, node, attempt, attempts so far): this worker's own, or
        siblings whose messages are on their way (those then find nothing to claim); they
        are recorded at once, in one conditional write, each only if still queued and due.
        The states of those written, by node; the others are left as they were."""
        evaluated = []
        for step_id, node_id, attempt, attempts in queued:
            outcome = self._evaluate(node_id, attempt + 1, step_id)
            if outcome is not None:
                ran, entry = outcome
                evaluated.append(
                    StepThrough(
                        step_id, node_id, attempt, ran.started_at, ran.finished_at, ran.input, ran.output, ran.ports, [*attempts, entry]
                    )
                )
        written = set(steps_run_through(evaluated, worker=self.worker))
        states = {}
        for step in evaluated:
            if step.id in written:
                metrics.step_finished(self._type(step.node_id), S.SUCCEEDED, (step.finished_at - step.started_at).total_seconds())
                self.rows[step.node_id] = step_row(step.node_id, S.SUCCEEDED, step.ports, step.output)
                states[step.node_id] = StepState(S.SUCCEEDED, tuple(step.ports))
        return states
