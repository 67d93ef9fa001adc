"""Child runs: `workflow.call` (one child) and `map` (one child per item, bounded
concurrency, output in item order). The parent step waits; when a child ends, the parent
step is resumed under the parent run's lock (after the child's commit, so locks are always
taken parent after child, never both): it starts the next items, or records the result
and advances the parent run. The tick resumes a parent whose resumption was lost."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.nodes.base import ChildRuns, StepFailed
from core.errors import DomainError
from designer.models import Workflow, WorkflowVersion
from engine.orchestration.admission import step_quota_refused
from engine.orchestration.advance import advance_locked
from engine.orchestration.cancel import runs_cancel
from engine.orchestration.creation import input_check, run_begin, run_create, version_runnable
from engine.orchestration.dispatch import dispatch_after_commit
from engine.orchestration.evaluation import iso
from engine.orchestration.outcomes import step_failed
from engine.orchestration.pinned import graph_for
from engine.store import reads
from engine.store.marks import resumption_mark
from engine.store.models import Run, StepRun, Trigger
from engine.store.reads import run_locked
from engine.store.statuses import RUN_TERMINAL, RunStatus, StepStatus
from engine.store.writes import run_transition, step_transition
from monitoring import metrics

R, S = RunStatus, StepStatus


def children_prepare(run: Run, spec: ChildRuns) -> WorkflowVersion:
    """The version the children will pin, checked before anything is created: the depth
    limit, the workflow (the run owner's), a valid saved version, every input against the
    child trigger's input schema. StepFailed (not retryable) otherwise."""
    limit = settings.STEPWISE_MAX_RUN_DEPTH
    if run.depth + 1 > limit:
        raise StepFailed(
            f"Sub-workflows nest deeper than the limit of {limit} (STEPWISE_MAX_RUN_DEPTH); is a workflow calling itself?",
            code="depth_limit",
            retryable=False,
        )
    workflow = Workflow.objects.filter(pk=spec.workflow_id, owner_id=run.owner_id).first()
    if workflow is None:
        raise StepFailed(f"Workflow {spec.workflow_id} does not exist.", code="workflow_not_found", retryable=False)
    try:
        version = version_runnable(workflow=workflow, user=run.owner)
        for index, payload in enumerate(spec.inputs):
            try:
                input_check(version, Trigger.SUBWORKFLOW, payload)
            except DomainError as exc:
                exc.detail = f"Item {index}: {exc.detail}" if not spec.single else exc.detail
                raise
    except DomainError as exc:
        raise StepFailed(
            f"Workflow {workflow.name!r} cannot run: {exc.detail}",
            code="child_invalid",
            retryable=False,
            details=[p.as_dict() for p in exc.problems],
        ) from None
    return version


def children_start(step: StepRun, version: WorkflowVersion, spec: ChildRuns) -> list[int]:
    """Create every child run (queued, item order) and begin the first ones. Called in the
    transaction that parked the parent step, with the parent run locked."""
    step.refresh_from_db()
    refused = step_quota_refused(step, len(spec.inputs))  # STEPWISE_MAX_RUNS_PER_ROOT
    if refused is not None:
        return refused
    for index, payload in enumerate(spec.inputs):
        run_create(
            version=version,
            user=step.run.owner,
            payload=payload,
            trigger=Trigger.SUBWORKFLOW,
            parent=step,
            item_index=None if spec.single else index,
        )
    if not spec.inputs:  # an empty map succeeds at once with an empty list
        return _succeed(step, [])
    return _fill(step, spec.max_concurrency)


def _children(step: StepRun) -> list[Run]:
    return reads.child_runs(step.pk, step.attempt)


def _fill(step: StepRun, limit: int) -> list[int]:
    """Begin queued children until `limit` are in flight; returns their ready steps."""
    children = _children(step)
    in_flight = sum(1 for c in children if c.status not in RUN_TERMINAL and c.status != R.QUEUED)
    ready: list[int] = []
    for child in children:
        if in_flight >= limit:
            break
        if child.status == R.QUEUED:
            locked = run_locked(child.pk)
            ready += run_begin(locked)
            in_flight += 1
    return ready


def parent_resume_after_commit(run: Run) -> None:
    """A run ended (engine.orchestration.advance.on_run_ended): a child run's parent step is
    resumed after commit (under the parent's lock, never this one's); the tick resumes it
    if this process dies first."""
    if run.parent_step_id:
        parent_step_id = run.parent_step_id
        transaction.on_commit(lambda: children_resume(parent_step_id), robust=True)


def children_resume(step_id: int) -> None:
    """A child of this waiting step ended (or the tick found one that did): start the next
    items, or settle the step. Safe to call any number of times."""
    with transaction.atomic():
        run_id = reads.step_run_id(step_id)
        if run_id is None:
            return
        run = run_locked(run_id)
        step = reads.step_loaded(step_id)
        graph = graph_for(run)
        node = graph.nodes.get(step.node_id, {})
        cls = graph.types.get(step.node_id)
        policy = cls.child_policy(graph.config(step.node_id)) if cls is not None else None
        if step.status != S.WAITING or policy is None:
            return
        # Not a status change: marks this resumption, so the tick's sweep skips the step.
        resumption_mark(step_id)
        limit, single = policy.max_concurrency, policy.single
        children = _children(step)
        ended = [c for c in children if c.status in RUN_TERMINAL]
        failed = [c for c in ended if c.status != R.SUCCEEDED]
        if failed and policy.failure_policy == "fail":
            first = min(failed, key=lambda c: (c.finished_at or timezone.now(), c.pk))
            for child in children:
                # Never started: cancelled with this decision.
                if child.status == R.QUEUED and run_transition(child.pk, (R.QUEUED,), R.CANCELLED, data={"reason": "another item failed"}):
                    metrics.run_finished(R.CANCELLED, child.trigger)
            running = [c.pk for c in children if c.status not in RUN_TERMINAL and c.status != R.QUEUED]
            transaction.on_commit(lambda: runs_cancel(running), robust=True)
            where = "The child run" if single else f"Item {first.item_index}"
            reason = (first.error or {}).get("message") or f"it ended {first.status}"
            failure = StepFailed(
                f"{where} (run {first.pk}) {first.status}: {reason}",
                code="child_failed",
                details={"run_id": first.pk, "item_index": first.item_index, "status": first.status, "error": first.error},
            )
            dispatch_after_commit(step_failed(step, failure, config=step.input, node=node, source=S.WAITING))
            return
        if len(ended) < len(children):
            dispatch_after_commit(_fill(step, limit))
            return
        if single:
            output: Any = children[0].output
        else:
            output = [c.output if c.status == R.SUCCEEDED else {"error": c.error, "status": c.status, "run_id": c.pk} for c in children]
        dispatch_after_commit(_succeed(step, output, locked=run, node=node))


def _succeed(step: StepRun, output: Any, *, locked: Run | None = None, node: dict[str, Any] | None = None) -> list[int]:
    size = len(json.dumps(output, default=str))
    if size > settings.STEPWISE_MAX_OUTPUT_BYTES:
        failure = StepFailed(
            f"The output is {size} bytes; the limit is {settings.STEPWISE_MAX_OUTPUT_BYTES}.", code="output_too_large", retryable=False
        )
        return step_failed(step, failure, config=step.input, node=node or graph_for(step.run).nodes[step.node_id], source=S.WAITING)
    attempts = list(step.attempts or [])
    if attempts and attempts[-1].get("attempt") == step.attempt:
        attempts[-1] = {**attempts[-1], "finished_at": iso(timezone.now())}
    if not step_transition(step.pk, (S.WAITING,), S.SUCCEEDED, output=output, ports=["out"], attempts=attempts, not_before=None):
        return []
    return advance_locked(locked or run_locked(step.run_id))
