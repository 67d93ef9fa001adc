"""A message's work: a chain of steps. The step it names runs (inline when it is pure,
else claimed and executed: engine.orchestration.execute), then the worker goes on with one
of the steps that made ready, claimed in the same commit, instead of a broker round trip;
the others go to the dispatcher."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.utils import timezone

from core.connections import recycle_worker_connections, trust_fresh_connections
from core.logging import bound, get_logger
from engine.orchestration.dispatch import get_dispatcher
from engine.orchestration.evaluation import fixed_input
from engine.orchestration.execute import Next, advance_and_chain, claim, run_claimed
from engine.orchestration.inline import Inliner, inline_type
from engine.orchestration.pinned import graph_for
from engine.orchestration.timers import arm
from engine.store.events import events_batched
from engine.store.loading import step_with_run, step_with_run_rows
from engine.store.models import StepRun
from engine.store.reads import parse_json, parse_ports, step_row, still_queued
from engine.store.records import StepRow, StepState
from engine.store.statuses import RunStatus, StepStatus
from monitoring import metrics

R, S = RunStatus, StepStatus
logger = get_logger(__name__)


def _inlinable(step: StepRun) -> bool:
    """Whether a step may run inline: a pure node's first step (not a compensation) whose
    input nobody fixed, with inline work switched on."""
    return (
        settings.STEPWISE_INLINE_MAX_STEPS > 0
        and step.iteration == 0
        and not step.compensates
        and inline_type(graph_for(step.run), step.node_id)
        and fixed_input(step.attempts) is None  # a person's input: the executor runs it with that
    )


_DROPPED = Next()


def run_inline(step_id: int, worker: str) -> Next | None:
    """A pure step: lock its run and read the step, its run and the rows of the run's
    steps in one query, run it there and record it with what it makes ready, in one
    transaction (no claim of its own). _DROPPED when the step is taken already; None when
    it cannot complete inline (not pure, the run not running, not due, or it failed): the
    executor then claims and runs it as any other step."""
    with transaction.atomic(), events_batched() as written:
        loaded = step_with_run_rows(step_id)
        if loaded is None:
            return None
        step, fetched, complete = loaded
        if step.status != S.QUEUED:
            return _DROPPED
        run = step.run
        if not _inlinable(step) or run.status != R.RUNNING:
            return None
        states: dict[str, StepState] = {}
        rows: dict[str, StepRow] = {}
        for _id, node_id, status, ports, output in fetched:
            row = step_row(node_id, status, parse_ports(ports), parse_json(output))
            states[node_id] = row.state
            if output is not None or complete:
                rows[node_id] = row
        inliner = Inliner(run, graph_for(run), worker=worker, rows=rows, complete=complete)
        if not inliner.accepts(step.node_id):
            return None
        ran = inliner.run_queued([(step.pk, step.node_id, step.attempt, list(step.attempts or []))])
        if not ran:
            return None
        states.update(ran)
        chained = advance_and_chain(run, worker, inliner.rows, inliner, states, written)
    return chained()


def run_chain(step_id: int, *, worker: str, pure: bool = False) -> None:
    """Run a step, then keep going with one of the steps it made ready, claimed in the
    same commit as its predecessor's result, instead of a broker round trip; the others go
    to the dispatcher. `pure`: the message says the step is pure (a hint: it is checked),
    so it is read under its run's lock at once."""
    trust_fresh_connections()
    try:
        step = None
        done = run_inline(step_id, worker) if pure else None
        if done is None:
            step = step_with_run(step_id)
            if step is None or step.status != S.QUEUED:
                return  # finished, or someone else's: a duplicate, or a pure step run inline by a sibling
            if not pure and _inlinable(step):
                done = run_inline(step_id, worker)
        if done is _DROPPED:
            return
        claimed = None
        if done is None:
            claimed = claim(step, worker) if step is not None else None
            if claimed is None and step is not None and step.not_before is not None and step.not_before > timezone.now():
                arm(step.pk, step.not_before, waiting=False)  # arrived early: delivered again when due
        else:
            if done.ready:
                get_dispatcher().send(done.ready)
            claimed = done.claimed
        while claimed is not None:
            outcome = run_claimed(claimed, chain_worker=worker)
            if outcome.ready:
                get_dispatcher().send(outcome.ready)
            claimed = outcome.claimed
    finally:
        recycle_worker_connections()


def run_chain_retrying(step_id: int, *, worker: str, pure: bool = False) -> None:
    """`run_chain`, once more on a new connection when the database connection it was
    given turns out to be broken (a restarted server): a worker's connection skips its
    health check between messages (core.connections). Safe: a step it had already
    claimed or finished is not run again."""
    with bound(step_id=step_id):
        try:
            run_chain(step_id, worker=worker, pure=pure)
        except (InterfaceError, OperationalError):
            metrics.database_error("step")
            logger.warning("database connection lost; retrying the step on a new one", exc_info=True)
            connections.close_all()
            run_chain(step_id, worker=worker, pure=pure)


def run_together(step_ids: list[int], *, worker: str) -> None:
    """A message for several pure steps of one run: run the first (which runs its queued
    siblings inline), then send each of the others still queued a message of its own."""
    run_chain_retrying(step_ids[0], worker=worker, pure=True)
    if len(step_ids) == 1:  # the usual message: a run's one first step
        return
    left = still_queued(step_ids[1:])
    if left:
        get_dispatcher().send(left)


def worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
