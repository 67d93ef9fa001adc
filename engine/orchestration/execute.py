"""Running one step: claim it (conditional update, new lease), evaluate its config, call
its node type, and record the result with a fenced update. A step recorded `succeeded` is
never executed again: a duplicate message finds nothing to claim."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalog.expressions.evaluate import ExpressionError
from catalog.nodes.base import StepFailed
from core import tracing
from core.logging import bound, get_logger
from engine.orchestration.advance import advance, advance_locked_nodes
from engine.orchestration.children import children_prepare, children_start
from engine.orchestration.evaluation import expression_data, fixed_input, input_rows, iso, node_evaluate, step_inputs, timeout_s
from engine.orchestration.graph import Graph
from engine.orchestration.inline import Inliner, inline_type
from engine.orchestration.leases import heartbeat, lease_s
from engine.orchestration.outcomes import attempts_ended, ran_s, step_failed
from engine.orchestration.pinned import graph_for
from engine.orchestration.timers import arm_after_commit
from engine.store.events import Changed, WriteRefused, Written, events_batched
from engine.store.models import Run, StepRun
from engine.store.reads import run_lock_states, run_locked, step_of, step_row
from engine.store.records import Claim, RunSeen, StepRow, StepState
from engine.store.sql import backend
from engine.store.statuses import STEP_ACTIVE, RunStatus, StepStatus
from engine.store.writes import step_claim, step_transition
from monitoring import metrics

R, S = RunStatus, StepStatus
logger = get_logger(__name__)


@dataclass
class Claimed:
    """A step this worker holds the lease of (`token`), with its run loaded; `seen`: the
    run's state when it was claimed, for a step alone in flight in its run (claimed in the
    commit that made it ready, or by a claim that saw the run: `claim`). While its
    last_seq is unchanged, so is the rest of it."""

    step: StepRun
    token: str
    known: dict[str, StepRow] = field(default_factory=dict)  # rows of steps already in hand, by node
    seen: RunSeen | None = None


@dataclass
class Next:
    """After a step: the steps that became ready (to dispatch), and possibly one of them
    that this worker claimed in the same commit, to run at once (docs/architecture.md#claims-and-fencing)."""

    ready: list[int] = field(default_factory=list)
    claimed: Claimed | None = None


def _run_for_at_most_s(node: dict[str, Any]) -> float:
    """How long a worker may hold a step's lease by its heartbeat: its timeout and grace."""
    return timeout_s(node) + settings.STEPWISE_LEASE_GRACE_S


def claim(step: StepRun, worker: str) -> Claimed | None:
    """The conditional claim; None when someone else has the step, it is finished, or its
    timer is not due: the caller drops the message."""
    token = secrets.token_hex(8)
    now = timezone.now()
    known = step_claim(step.pk, worker=worker, token=token, lease_s=lease_s(), now=now, seeing=True)  # with its event
    if known is None:
        return None
    ready_at = max(filter(None, (step.updated_at, step.not_before)), default=now)
    metrics.step_claimed((now - ready_at).total_seconds())
    step.status, step.attempt, step.started_at, step.lease_token = S.RUNNING, known.attempt, now, token
    if known.seen is not None:
        run = step.run
        run.status, run.error = known.seen.status, known.seen.error  # as of the claim, not of the earlier read
    return Claimed(step, token, seen=_alone(known.seen, step.node_id))


def _alone(seen: RunSeen | None, node_id: str) -> RunSeen | None:
    """The run's state for the unlocked record of `node_id`'s step, when that step is the
    only one in flight: with parallel branches or a waiting step, another transition of
    the run is likely before the record, which would only cost it a refused statement."""
    if seen is None or any(state.status in STEP_ACTIVE for other, state in seen.states.items() if other != node_id):
        return None
    return seen


def _config_of(exc: Exception, node: dict[str, Any]) -> Any:
    """The config a failed evaluation had rendered (its input), else the node's own."""
    return getattr(exc, "config", node.get("config") or {})


def run_claimed(claimed: Claimed, *, chain_worker: str | None = None) -> Next:
    """Execute a claimed step and record its outcome. With `chain_worker`, one of the steps
    it makes ready is claimed for that worker in the same transaction. The step's lease is
    renewed by this process's heartbeat until then."""
    step = claimed.step
    run = step.run
    # Every line logged while the step runs says which step of which run it is.
    ids = {"run_id": run.pk, "step_id": step.pk, "node_id": step.node_id, "workflow_id": run.workflow_id}
    with (
        bound(**ids),
        tracing.step_span(run_id=run.pk, node_id=step.node_id, step_id=step.pk, workflow_id=run.workflow_id, trace=run.trace),
    ):
        heartbeat.hold(step.pk, claimed.token, _run_for_at_most_s(graph_for(run).nodes[step.node_id]))
        started = time.perf_counter()
        try:
            return _run_held(claimed, chain_worker)
        finally:
            heartbeat.release(step.pk, claimed.token)
            logger.info("step ran", attempt=step.attempt, duration_ms=round((time.perf_counter() - started) * 1000, 3))


def _run_held(claimed: Claimed, chain_worker: str | None) -> Next:
    step, token = claimed.step, claimed.token
    step_id = step.pk
    run = step.run
    graph = graph_for(run)
    node = graph.nodes[step.node_id]
    if run.status != R.RUNNING and not (run.status == R.COMPENSATING and step.compensates):
        if step_transition(step_id, (S.RUNNING,), S.CANCELLED, lease_token=token, data={"reason": f"run is {run.status}"}):
            metrics.step_finished(node["type"], S.CANCELLED, ran_s(step))
        return Next(advance(run.pk))
    rows = input_rows(run.pk, graph, step.node_id, claimed.known, every=bool(step.compensates))
    data = expression_data(run, rows, graph.vars, step.attempt)
    if step.compensates:
        # A compensation sees what it undoes: that step's input and output.
        undone = step_of(run.pk, step.compensates)
        data["compensating"] = {"node_id": step.compensates, "input": undone.input, "output": undone.output}
        inputs = {step.compensates: undone.output}
    else:
        inputs = step_inputs(graph, step.node_id, rows)
    try:
        config, result = node_evaluate(
            run,
            graph,
            step.node_id,
            iteration=step.iteration,
            attempt=step.attempt,
            data=data,
            inputs=inputs,
            fixed=fixed_input(step.attempts),
        )
        version = children_prepare(run, result.children) if result.children is not None else None
    except StepFailed as failure:
        return Next(step_failed(step, failure, config=_config_of(failure, node), node=node, token=token))
    except ExpressionError as exc:
        invalid = StepFailed(str(exc), code="expression_error", retryable=False)
        return Next(step_failed(step, invalid, config=_config_of(exc, node), node=node, token=token))
    except Exception as exc:
        logger.exception("step crashed", idempotency_key=step.idempotency_key)
        # Where it crashed is unknown: an at-most-once step may have had its effect.
        crashed = StepFailed(f"{type(exc).__name__}: {exc}", code="internal_error", outcome_unknown=True)
        return Next(step_failed(step, crashed, config=_config_of(exc, node), node=node, token=token))
    attempts = attempts_ended(step, None)
    if result.children is not None and version is not None:
        with transaction.atomic():
            run_locked(run.pk)
            data = {"children": len(result.children.inputs), "workflow_id": result.children.workflow_id}
            if not step_transition(step_id, (S.RUNNING,), S.WAITING, lease_token=token, input=config, attempts=attempts, data=data):
                return Next()
            metrics.step_finished(node["type"], S.WAITING, ran_s(step))
            return Next(children_start(step, version, result.children))
    if result.wait_until is not None or result.wait_for_person:
        parked = step_transition(
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
        if parked:
            metrics.step_finished(node["type"], S.WAITING, ran_s(step))
        if parked and result.wait_until is not None:
            arm_after_commit(step_id, result.wait_until, waiting=True)  # committed: armed at once
        return Next()
    fields = {"input": config, "output": result.output, "ports": list(result.ports), "attempts": attempts, "error": None}
    if claimed.seen is not None and _unlocked_record(graph, step):
        try:
            return _record_success(claimed, node, fields, chain_worker, claimed.seen)
        except Changed:
            metrics.record_relocked()  # and recorded as any other, under the run's lock
    return _record_success(claimed, node, fields, chain_worker, None)


def _deferrable(step: StepRun) -> bool:
    """Whether the record's advance leaves the step's own write to the events' statement:
    not a compensation's advance, nor a run's that is not running (a cancelling run's ends
    once no step is running), which read the steps back."""
    return not step.compensates and step.run.status == R.RUNNING


def _unlocked_record(graph: Graph, step: StepRun) -> bool:
    """Whether a step may try the unlocked record: on PostgreSQL, outside any transaction
    of the caller's, with its write deferrable, and with no pure successor (which the
    record would run inline before it knew whether the run had changed, and again under
    the lock if it had)."""
    return (
        backend().one_statement
        and not connection.in_atomic_block
        and _deferrable(step)
        and not any(inline_type(graph, edge.target) for edge in graph.outbound.get(step.node_id, ()))
    )


def _record_success(claimed: Claimed, node: dict[str, Any], fields: dict[str, Any], chain_worker: str | None, seen: RunSeen | None) -> Next:
    """Record a step's success and advance its run, in one transaction. The run's row is
    locked first and its steps' states read with it; or, `seen`, the states are those the
    commit that made the step ready left, and the record is one statement that writes only
    while the run's last_seq is still that one (docs/architecture.md#the-unlocked-record):
    Changed, with nothing written, when it is not or the record needs more statements."""
    step, token = claimed.step, claimed.token
    run = step.run
    unchanged = (run.pk, seen.last_seq) if seen is not None else None
    try:
        with transaction.atomic(), events_batched(unchanged=unchanged) as written:
            # The result and the next steps commit together: a worker that dies after its
            # checkpoint cannot leave the run without successors.
            states = dict(seen.states) if seen is not None else run_lock_states(run)
            identity = (run.pk, step.node_id, step.attempt) if _deferrable(step) else None  # else written at once
            if not step_transition(step.pk, (S.RUNNING,), S.SUCCEEDED, lease_token=token, known=identity, **fields):
                return Next()  # our lease was reclaimed meanwhile: the result is not ours to record
            metrics.step_finished(node["type"], S.SUCCEEDED, ran_s(step))  # counted if it commits
            states[step.node_id] = StepState(S.SUCCEEDED, tuple(fields["ports"]))
            # Its output is in hand: a successor that reads only its inputs need not read it back.
            known = {step.node_id: step_row(step.node_id, S.SUCCEEDED, fields["ports"], fields["output"])}
            chained = advance_and_chain(run, chain_worker, known, states=states, written=written)
    except WriteRefused:
        return Next()  # the same, found when the deferred write was made: all of it rolled back
    return chained()


def advance_and_chain(
    locked: Run,
    chain_worker: str | None,
    known: dict[str, StepRow],
    inliner: Inliner | None = None,
    states: dict[str, StepState] | None = None,
    written: Written | None = None,
) -> Callable[[], Next]:
    """Inside the transaction that recorded a step: advance the run (running pure steps
    inline when a chaining worker is here) and claim one of the queued successors for that
    worker, so it continues without a broker round trip. `states`: the steps' states as
    this transaction knows them (else they are read). What it answers gives the Next once
    the batch of events is written (the new steps' ids come with it): call it after the
    block. With `written` (the batch's) and `states`, the successor carries the run's
    state as this commit leaves it (`Claimed.seen`)."""
    taken: Claim | None = None
    if chain_worker is not None:
        if inliner is None:
            inliner = Inliner(locked, graph_for(locked), worker=chain_worker, rows=known)
        taken = Claim(chain_worker, lease_s())
    made_ready = advance_locked_nodes(locked, inliner, states=states, claim=taken)  # filled by the batch's write
    rows = inliner.rows if inliner is not None else known

    def chained() -> Next:
        ready = [step_id for step_id, _ in made_ready]
        if taken is not None and taken.step is not None:
            # The first successor was created claimed by this worker: it goes on with it.
            step_id, node_id = taken.step
            successor = StepRun(pk=step_id, run=locked, node_id=node_id, iteration=0, status=S.RUNNING, attempt=1, attempts=[])
            successor.started_at, successor.lease_token = taken.at, taken.token
            seen = None
            last_seq = written.last_seq.get(locked.pk) if written is not None else None
            if states is not None and last_seq is not None:
                seen = RunSeen(last_seq, locked.status, locked.error, {**states, node_id: StepState(S.RUNNING, ())})
            return Next(ready, Claimed(successor, taken.token, rows, _alone(seen, node_id)))
        return Next(ready)

    return chained
