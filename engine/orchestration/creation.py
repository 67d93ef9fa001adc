"""Creating runs: the version a run pins (valid, or refused with its problems), its
input checked against its trigger's schema, the run row and its first steps, and setting
it going (its first advance). Used by every way a run starts: a start (runs), a child run
(children), a promotion (admission)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypedDict, Unpack

from django.utils import timezone

from catalog.nodes import registry
from catalog.schemas import instance_problems
from core import tracing
from core.errors import DomainError
from core.problems import Problem
from designer.errors import GraphInvalid
from designer.models import Workflow, WorkflowVersion
from designer.services import graph_validate
from engine.orchestration.advance import advance_locked, advance_locked_nodes
from engine.orchestration.dispatch import dispatch_after_commit
from engine.orchestration.graph import Graph
from engine.orchestration.inline import inline_type
from engine.orchestration.pinned import version_graph
from engine.store.events import events_batched
from engine.store.loading import version_latest_lean
from engine.store.models import Run, StepRun
from engine.store.records import StepDraft
from engine.store.statuses import RunStatus, StepStatus
from engine.store.writes import run_insert, run_transition, steps_create
from monitoring import metrics

R, S = RunStatus, StepStatus


class RunError(DomainError):
    status = 409


class InputInvalid(RunError):
    status = 422


class RunOrigin(TypedDict, total=False):
    """Where a new run comes from, besides its version and input."""

    rerun_of: Run | None
    reuse: dict[str, StepRun] | None
    parent: StepRun | None
    item_index: int | None
    trigger_node: str | None
    limited: bool  # started under its workflow's concurrency limit


def trigger_node_of(graph: Graph, trigger: str, node_id: str | None = None) -> str:
    """The trigger node a run starts from: `node_id` when it is one, else the first whose
    node type answers this kind of start (NodeType.starts_on: a webhook, a schedule, else
    a manual or API start), else the first trigger."""
    if node_id is not None and node_id in graph.triggers:
        return node_id
    wanted = trigger if trigger in ("webhook", "schedule") else "manual"
    for candidate in graph.triggers:
        cls = graph.types.get(candidate)
        if cls is not None and cls.starts_on == wanted:
            return candidate
    return graph.triggers[0]


def _check_input(graph: Graph, trigger_node: str, payload: Any) -> None:
    schema = graph.config(trigger_node).get("input_schema") or {}
    if not schema:
        return
    problems = [
        Problem("invalid_input", message, node_id=trigger_node, field=pointer or "/")
        for pointer, message in instance_problems(schema, payload)
    ]
    if problems:
        raise InputInvalid("The input does not match the trigger's input schema.", problems)


def input_check(version: WorkflowVersion, trigger: str, payload: Any, *, trigger_node: str | None = None) -> None:
    """InputInvalid (422, with the problems) when the payload does not match the schema of
    the trigger node the run would start from."""
    graph = version_graph(version.pk, version.graph_hash)
    _check_input(graph, trigger_node_of(graph, trigger, trigger_node), payload)


def version_runnable(*, workflow: Workflow, user: Any, version: WorkflowVersion | None = None) -> WorkflowVersion:
    """The version a new run pins: `version`, or the latest; GraphInvalid (with the
    problems) when there is none or it does not validate."""
    # The graph is read through the per-version cache, not loaded with every start.
    version = version or version_latest_lean(workflow.pk)
    if version is None:
        raise GraphInvalid("The workflow has no saved version to run.", [])
    problems = version_problems(version, user)
    if problems:
        raise GraphInvalid("The workflow cannot run until these problems are fixed.", problems)
    return version


@lru_cache(maxsize=1024)
def _self_contained_problems(version_id: int, graph_hash: str) -> tuple[Problem, ...]:
    graph = WorkflowVersion.objects.values_list("graph", flat=True).get(pk=version_id, graph_hash=graph_hash)
    return tuple(graph_validate(graph=graph, user=None))


def version_problems(version: WorkflowVersion, user: Any) -> list[Problem]:
    """A version's problems. Versions never change, so a graph that names no other
    workflow and no credential validates the same for everyone, forever: computed once
    per process. One that does (workflow.call, map, a credential) is checked each time:
    what it names may be gone."""
    if _names_workflows(version.pk, version.graph_hash):
        return graph_validate(graph=version.graph, user=user)
    return list(_self_contained_problems(version.pk, version.graph_hash))


@lru_cache(maxsize=1024)
def _names_workflows(version_id: int, graph_hash: str) -> bool:
    graph = WorkflowVersion.objects.values_list("graph", flat=True).get(pk=version_id, graph_hash=graph_hash)
    for node in graph.get("nodes", []) if isinstance(graph, dict) else []:
        cls = registry.get(str(node.get("type"))) if isinstance(node, dict) else None
        config = node.get("config") if cls else None
        if cls and isinstance(config, dict) and (cls.referenced_workflow_ids(config) or cls.referenced_credentials(config)):
            return True
    return False


def run_create(*, version: WorkflowVersion, user: Any, payload: Any, trigger: str, **origin: Unpack[RunOrigin]) -> Run:
    """A queued run with its trigger step recorded; `run_begin` sets it going. Call inside
    a transaction."""
    run, steps = run_new(version, user, payload, trigger, **origin)
    run_insert(run, data=start_data(version, trigger, **origin))
    steps_create(run.pk, steps)
    return run


def run_started(*, version: WorkflowVersion, user: Any, payload: Any, trigger: str, **origin: Unpack[RunOrigin]) -> Run:
    """A run created already running, in the caller's transaction: its trigger steps and
    the steps they make ready are created by its first advance (one INSERT, the events
    in one batch); the ready ones are dispatched after commit, after the run's own events."""
    run, steps = run_new(version, user, payload, trigger, **origin)
    with events_batched():
        run_insert(run, data=start_data(version, trigger, **origin), running=True)
        metrics.run_started(trigger)
        created = advance_locked_nodes(run, first=steps)
    # After the events' flush: its publication is registered first, so the run's own
    # events go out before those of the steps the dispatch starts.
    dispatch_first(version_graph(version.pk, version.graph_hash), created)
    return run


def start_data(version: WorkflowVersion, trigger: str, **origin: Unpack[RunOrigin]) -> dict[str, Any]:
    """What a run's first event says of its start."""
    data: dict[str, Any] = {"trigger": trigger, "version": version.number}
    parent = origin.get("parent")
    if parent is not None:
        data.update(parent_run=parent.run_id, parent_node=parent.node_id, item_index=origin.get("item_index"))
    return data


def run_new(version: WorkflowVersion, user: Any, payload: Any, trigger: str, **origin: Unpack[RunOrigin]) -> tuple[Run, list[StepDraft]]:
    """A run not yet saved, and its trigger steps (and reused ones) not yet created."""
    parent, item_index, rerun_of = origin.get("parent"), origin.get("item_index"), origin.get("rerun_of")
    graph = version_graph(version.pk, version.graph_hash)
    first = trigger_node_of(graph, trigger, origin.get("trigger_node"))
    run = Run(
        owner=user,
        workflow_id=version.workflow_id,
        version=version,
        graph_hash=version.graph_hash,
        trigger=trigger,
        input=payload,
        rerun_of=rerun_of,
        parent_step=parent,
        parent_attempt=parent.attempt if parent else 0,
        depth=parent.run.depth + 1 if parent else 0,
        root_id=(parent.run.root_id or parent.run_id) if parent else None,
        item_index=item_index,
        limited=bool(origin.get("limited")),
        trace=tracing.traceparent(),
    )
    now = timezone.now()
    steps = [StepDraft(first, S.SUCCEEDED, output=payload, ports=["out"], attempt=1, started_at=now)]
    steps += [StepDraft(other, S.SKIPPED) for other in graph.triggers if other != first]
    steps += [
        StepDraft(
            node_id,
            S.SUCCEEDED,
            input=old.input,
            output=old.output,
            ports=list(old.ports or []),
            attempt=old.attempt,
            data={"reused_from_run": old.run_id},
        )
        for node_id, old in (origin.get("reuse") or {}).items()
    ]
    return run, steps


def run_begin(run: Run) -> list[int]:
    """queued -> running for a run this transaction created or holds locked; returns the
    steps it made ready, to dispatch after commit."""
    if not run_transition(run.pk, (R.QUEUED,), R.RUNNING):
        return []
    metrics.run_started(run.trigger)
    run.status = R.RUNNING  # what advancing reads of it; the rest was written by this transaction
    return advance_locked(run)


def dispatch_first(graph: Graph, created: list[tuple[int, str]]) -> None:
    """A new run's ready steps, sent after commit. Pure steps go in one message: the first
    runs the others inline (a fan-out of noops is one message)."""
    dispatch_after_commit([step_id for step_id, node_id in created if not inline_type(graph, node_id)])
    dispatch_after_commit([step_id for step_id, node_id in created if inline_type(graph, node_id)], together=True)
