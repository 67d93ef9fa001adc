"""Controlling runs that exist: retry from failure, rerun (from a node), and a
person's decisions on a step (approve or reject, mark an interrupted step done or retry
it). Each is one transaction under the run's or the step's conditional update."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from engine.orchestration.admission import retry_slot_take
from engine.orchestration.advance import advance
from engine.orchestration.creation import RunError
from engine.orchestration.dispatch import dispatch_after_commit
from engine.orchestration.graph import Graph
from engine.orchestration.pinned import graph_for
from engine.orchestration.runs import run_start
from engine.store import reads
from engine.store.models import Run, StepRun, Trigger
from engine.store.statuses import RunStatus, StepStatus
from engine.store.writes import run_transition, step_transition

R, S = RunStatus, StepStatus


def run_retry(*, run: Run) -> Run:
    """Retry from failure, in the same run: failed and interrupted steps are queued again;
    every finished output is kept."""
    with transaction.atomic():
        retry_slot_take(run)  # a workflow with a concurrency limit: into a free slot only
        locked = reads.run_locked(run.pk)
        if locked.status != R.FAILED:
            raise RunError(f"Only a failed run can be retried (this one is {locked.status}).")
        steps = reads.unhandled_failures(locked.pk)
        if not steps:
            raise RunError("This run has no failed step to retry.")
        run_transition(locked.pk, (R.FAILED,), R.RUNNING, error=None, finished_at=None)
        ids = []
        for step in steps:
            step_transition(step.pk, (S(step.status),), S.QUEUED, not_before=None, data={"retry_from_failure": True})
            ids.append(step.pk)
        dispatch_after_commit(ids)
    run.refresh_from_db()
    return run


def ancestors(graph: Graph, node_id: str) -> set[str]:
    seen: set[str] = set()
    stack = [node_id]
    while stack:
        for edge in graph.inbound.get(stack.pop(), []):
            if edge.source not in seen:
                seen.add(edge.source)
                stack.append(edge.source)
    return seen


def run_rerun(*, run: Run, user: Any, from_node: str | None = None) -> Run:
    """A new run of the same version with the same input. From a node: every step upstream
    of it that succeeded is reused (its output copied), so only that node and what follows
    run again."""
    reuse: dict[str, StepRun] = {}
    if from_node is not None:
        graph = graph_for(run)
        if from_node not in graph.nodes:
            raise RunError(f"Node {from_node!r} is not in this run's workflow version.")
        upstream = ancestors(graph, from_node) - set(graph.triggers)
        # Upstream steps that did not succeed (skipped, failed) are decided again.
        reuse = {s.node_id: s for s in run.steps.filter(iteration=0, node_id__in=upstream, status=S.SUCCEEDED)}
    return run_start(
        workflow=run.workflow, user=user, payload=run.input, trigger=Trigger.RERUN, version=run.version, rerun_of=run, reuse=reuse
    )


def step_decide(*, run: Run, node_id: str, approve: bool, user: Any, comment: str = "", payload: Any = None) -> StepRun:
    """Answer a waiting approval step: approved or rejected port."""
    step = reads.step_first(run.pk, node_id)
    graph = graph_for(run)
    cls = graph.types.get(node_id)
    if step is None or cls is None or not cls.waits_for_person:
        raise RunError(f"Step {node_id!r} is not an approval step of this run.")
    output = {"approved": approve, "comment": comment, "payload": payload, "by": user.get_username(), "at": timezone.now().isoformat()}
    port = "approved" if approve else "rejected"
    with transaction.atomic():
        if not step_transition(step.pk, (S.WAITING,), S.SUCCEEDED, output=output, ports=[port], not_before=None, data={"decision": port}):
            raise RunError(f"Step {node_id!r} is not waiting for a decision (it is {step.status}).")
        dispatch_after_commit(advance(run.pk))
    step.refresh_from_db()
    return step


def step_resolve(*, run: Run, node_id: str, done: bool, user: Any, output: Any = None) -> StepRun:
    """A person settles an interrupted step (at_most_once: its worker died mid-call, so it
    may or may not have had its effect): `done` records it succeeded with `output`, else it
    is queued to run again (a new attempt)."""
    step = reads.interrupted_latest(run.pk, node_id)
    if step is None:
        raise RunError(f"Step {node_id!r} of this run is not interrupted; only an interrupted step can be marked done or retried.")
    by = {"by": user.get_username(), "at": timezone.now().isoformat()}
    with transaction.atomic():
        if done:
            fields = {"output": output, "ports": ["out"], "error": None}
            if not step_transition(step.pk, (S.INTERRUPTED,), S.SUCCEEDED, data={"marked_done": by}, **fields):
                raise RunError(f"Step {node_id!r} changed meanwhile; reload the run.")
            dispatch_after_commit(advance(run.pk))
        else:
            if not step_transition(step.pk, (S.INTERRUPTED,), S.QUEUED, not_before=None, data={"retried": by}):
                raise RunError(f"Step {node_id!r} changed meanwhile; reload the run.")
            dispatch_after_commit([step.pk])
    step.refresh_from_db()
    return step
