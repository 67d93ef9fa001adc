"""Starting a run: admission (the user's quota, the workflow's concurrency limit), the
version it pins, its input checked, and the run with its first steps written and the
ready ones dispatched after commit. On PostgreSQL the common start is planned in memory
and written in one statement (engine.store.start)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.db import transaction

from core import tracing
from core.logging import bound, get_logger
from core.lru import LRU
from designer.errors import GraphInvalid
from designer.models import Workflow, WorkflowVersion
from engine.orchestration.admission import run_start_limited, user_runs_check
from engine.orchestration.advance import planned_steps
from engine.orchestration.creation import (
    InputInvalid,
    RunOrigin,
    dispatch_first,
    input_check,
    run_new,
    run_started,
    start_data,
    version_problems,
    version_runnable,
)
from engine.orchestration.graph import outcome
from engine.orchestration.pinned import version_graph
from engine.store.models import Run, StepRun, Trigger
from engine.store.sql import backend
from engine.store.start import run_start_statement
from engine.store.statuses import StepStatus
from monitoring import metrics

S = StepStatus
logger = get_logger(__name__)


def run_start(
    *,
    workflow: Workflow,
    user: Any,
    payload: Any = None,
    trigger: str = Trigger.MANUAL,
    version: WorkflowVersion | None = None,
    rerun_of: Run | None = None,
    reuse: dict[str, StepRun] | None = None,
    trigger_node: str | None = None,
) -> Run:
    """Start a run of the workflow's latest version (or `version`). Refused with the
    problems (422) when the graph is invalid. `reuse` copies finished steps' outputs.
    `trigger_node` names the trigger it starts from (a workflow may have several)."""
    # The start's lines say which workflow; the steps it dispatches carry the run's trace.
    with bound(workflow_id=workflow.pk), tracing.run_span(workflow_id=workflow.pk, trigger=trigger) as span:
        run = _run_start(
            workflow=workflow,
            user=user,
            payload=payload,
            trigger=trigger,
            version=version,
            rerun_of=rerun_of,
            reuse=reuse,
            trigger_node=trigger_node,
        )
        span.started(run.pk)
        logger.info("run started", run_id=run.pk, trigger=trigger, status=run.status, version_id=run.version_id)
        return run


def _run_start(
    *,
    workflow: Workflow,
    user: Any,
    payload: Any,
    trigger: str,
    version: WorkflowVersion | None,
    rerun_of: Run | None,
    reuse: dict[str, StepRun] | None,
    trigger_node: str | None,
) -> Run:
    payload = {} if payload is None else payload
    user_runs_check(user=user)  # 429 past the quota (a count at most once a second far from it)
    if workflow.concurrency_limit is not None:  # the locked path (engine.orchestration.admission)
        origin: RunOrigin = {"rerun_of": rerun_of, "reuse": reuse, "trigger_node": trigger_node}
        return run_start_limited(workflow=workflow, user=user, payload=payload, trigger=trigger, version=version, **origin)
    one_statement = backend().one_statement and not reuse
    seen = _latest_seen.get(workflow.pk) if version is None and one_statement else None
    if seen is not None:
        # The latest version this process saw, checked by the start's own statement (it
        # writes nothing if there is a newer one); anything refused is decided afresh below.
        with contextlib.suppress(GraphInvalid, InputInvalid):
            if not version_problems(seen, user):
                input_check(seen, trigger, payload, trigger_node=trigger_node)
                started = _start_in_one_statement(seen, user, payload, trigger, rerun_of, trigger_node, unless_newer=True)
                if started is not None:
                    return started
    latest = version is None
    version = version_runnable(workflow=workflow, user=user, version=version)
    if latest:
        _latest_seen.put(workflow.pk, version)
    input_check(version, trigger, payload, trigger_node=trigger_node)
    if one_statement:
        started = _start_in_one_statement(version, user, payload, trigger, rerun_of, trigger_node)
        if started is not None:
            return started
    with transaction.atomic():
        return run_started(
            version=version, user=user, payload=payload, trigger=trigger, rerun_of=rerun_of, reuse=reuse, trigger_node=trigger_node
        )


# Per process: the latest version of each workflow when this process last started a run of
# it (a start checks in its own statement that none is newer).
_latest_seen: LRU[int, WorkflowVersion] = LRU(10_000)


def _start_in_one_statement(
    version: WorkflowVersion,
    user: Any,
    payload: Any,
    trigger: str,
    rerun_of: Run | None,
    trigger_node: str | None,
    *,
    unless_newer: bool = False,
) -> Run | None:
    """PostgreSQL: the common start (no reused outputs, a first advance that only queues or
    skips steps) planned in memory and written in one statement; None for the others,
    which take the general path, and (`unless_newer`) when the version is no longer the
    latest."""
    run, steps = run_new(version, user, payload, trigger, rerun_of=rerun_of, trigger_node=trigger_node)
    graph = version_graph(version.pk, version.graph_hash)
    states = {step.node_id: step.state for step in steps}
    planned = planned_steps(graph, states)
    ready = [step.node_id for step in planned if step.status == S.QUEUED]
    if not ready or outcome(graph, states) is not None:
        return None  # the run ends at once, or blocks: the general path records that
    steps += planned
    newer_than = version.number if unless_newer else None
    ids = run_start_statement(run, steps, data=start_data(version, trigger), unless_newer_than=newer_than)
    if ids is None:
        return None
    metrics.run_started(trigger)
    dispatch_first(graph, [(ids[node_id], node_id) for node_id in ready])
    return run
