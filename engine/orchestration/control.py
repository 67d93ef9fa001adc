"""Controlling runs that exist: retry from failure, rerun (from a node), and a
person's decisions on a step (approve or reject, mark an interrupted step done or retry
it, fix a failed one and resume). Each is one transaction under the run's or the step's
conditional update."""

from __future__ import annotations

import json
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.expressions import escape_pointer, has_template
from catalog.schemas import problem_code, rendered_problems
from core.problems import Problem
from credentials.selectors import credential_types_owned
from engine.orchestration.admission import retry_slot_take
from engine.orchestration.advance import advance, advance_locked
from engine.orchestration.creation import InputInvalid, RunError
from engine.orchestration.dispatch import dispatch_after_commit
from engine.orchestration.graph import Graph
from engine.orchestration.pinned import graph_for
from engine.orchestration.runs import run_start
from engine.store import reads
from engine.store.models import Run, StepRun, Trigger
from engine.store.statuses import RunStatus, StepStatus
from engine.store.writes import run_transition, step_transition

R, S = RunStatus, StepStatus


def run_retry(*, run: Run, user: Any = None) -> Run:
    """Retry from failure, in the same run: failed and interrupted steps are queued again;
    every finished output is kept. The run keeps its first start; its event records the
    resume (by `user`)."""
    with transaction.atomic():
        retry_slot_take(run)  # a workflow with a concurrency limit: into a free slot only
        locked = reads.run_locked(run.pk)
        if locked.status != R.FAILED:
            raise RunError(f"Only a failed run can be retried (this one is {locked.status}).")
        steps = reads.unhandled_failures(locked.pk)
        if not steps:
            raise RunError("This run has no failed step to retry.")
        by = user.get_username() if user is not None else None
        run_transition(locked.pk, (R.FAILED,), R.RUNNING, error=None, finished_at=None, data={"resumed": "retry", "by": by})
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


Fixed = Literal["input", "output"]


def _templates(value: Any, schema: Any, pointer: str = "") -> list[str]:
    """The pointers of strings holding a `{{ }}` where the engine would render one: a fixed
    input is used as given, so there it would reach the node as text. A field the node
    renders itself (`x-per-item`) or that takes none (`x-expression: false`) is left out."""
    schema = schema if isinstance(schema, dict) else {}
    if schema.get("x-per-item") or schema.get("x-expression") is False or schema.get("x-jsonata"):
        return []
    if isinstance(value, str):
        return [pointer] if has_template(value) else []
    if isinstance(value, dict):
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        return [p for key, item in value.items() for p in _templates(item, properties.get(key), f"{pointer}/{escape_pointer(str(key))}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _templates(item, schema.get("items"), f"{pointer}/{index}")]
    return []


def _input_problems(run: Run, cls: Any, value: dict[str, Any]) -> list[Problem]:
    """What is wrong with a person's input for a step: what a rendered config must pass
    (the node type's schema, its check_config; no `{{ }}` left to render), and the
    credentials it names must be the run's owner's, of a fitting type. Fields as JSON
    Pointers under /input."""
    problems = [Problem(problem_code(p), p[1], field="/input" + p[0]) for p in rendered_problems(cls, value)]
    message = "The input is used as given, not rendered: write the value itself instead of a {{ }} expression."
    problems += [Problem("template_in_input", message, field="/input" + p) for p in _templates(value, cls.config_schema)]
    if problems:
        return problems
    named = [(pointer, cid, types) for pointer, cid, types in cls.referenced_credentials(value) if cid is not None]
    owned = credential_types_owned(user=run.owner, ids=[cid for _, cid, _ in named])
    for pointer, cid, types in named:
        if not isinstance(cid, int) or isinstance(cid, bool) or cid not in owned:
            problems.append(Problem("unknown_credential", f"Credential {cid} was not found.", field="/input" + pointer))
        elif owned[cid] not in types:
            message = f"Credential {cid} is a {owned[cid]} credential; this field takes {' or '.join(types)}."
            problems.append(Problem("wrong_credential_type", message, field="/input" + pointer))
    return problems


def _output_port(cls: Any, node: dict[str, Any], port: str | None) -> str:
    """The port an entered output takes: the one named, else `out` when the node has it."""
    ports = cls.ports(node.get("config") or {})
    if port is None and "out" in ports:
        return "out"
    if port is None or port not in ports:
        said = "Name the port this output takes" if port is None else f"The node has no port {port!r}"
        raise InputInvalid(f"{said}: one of {', '.join(ports)}.", [Problem("invalid_port", f"{said}.", field="/port")])
    return port


def _fixable(step: StepRun | None, node_id: str) -> StepRun:
    if step is None:
        raise RunError(f"Step {node_id!r} has not run in this run; only a failed or interrupted step can be fixed.")
    if step.status == S.FAILED and step.ports:
        raise RunError(f"Step {node_id!r} failed and its on_error carried the run on; only an unhandled failure can be fixed.")
    if step.status not in (S.FAILED, S.INTERRUPTED):
        raise RunError(f"Step {node_id!r} is {step.status}; only a failed or interrupted step can be fixed.")
    return step


def step_fix(*, run: Run, node_id: str, user: Any, fixed: Fixed, value: Any, port: str | None = None, comment: str = "") -> StepRun:
    """A person fixes a failed or interrupted step and resumes the same run from it, every
    finished output kept. `input`: the step runs again with it, as its rendered config (it
    is not rendered again from the graph, on this attempt or any later one); `output`: the
    step's effect happened, so it succeeds with it (on `port`) and is not called again.
    The step's history (`attempts`) records who changed what, the old value and the new;
    its event and the run's say so to the timeline."""
    graph = graph_for(run)
    node, cls = graph.nodes.get(node_id), graph.types.get(node_id)
    if node is None or cls is None or cls.is_trigger:
        raise RunError(f"Node {node_id!r} is not a step of this run's workflow version that can be fixed.")
    if fixed == "input":
        if problems := _input_problems(run, cls, value):
            raise InputInvalid("The input has problems.", problems)
    else:
        target_port = _output_port(cls, node, port)
        size = len(json.dumps(value, default=str))
        if size > settings.STEPWISE_MAX_OUTPUT_BYTES:
            message = f"The output is {size} bytes; the limit is {settings.STEPWISE_MAX_OUTPUT_BYTES}."
            raise InputInvalid(message, [Problem("output_too_large", message, field="/output")])
    by = user.get_username()
    with transaction.atomic():
        if run.status == R.FAILED:
            retry_slot_take(run)  # a workflow with a concurrency limit: into a free slot only
        locked = reads.run_locked(run.pk)
        if locked.status not in (R.FAILED, R.RUNNING):
            raise RunError(f"Only a step of a failed or running run can be fixed (this one is {locked.status}).")
        if reads.compensations(run.pk):
            raise RunError("This run's finished work was compensated (undone); rerun it instead.")
        step = _fixable(reads.step_first(run.pk, node_id), node_id)
        at = timezone.now().isoformat()
        old = step.input if fixed == "input" else step.output
        entry = {"fix": fixed, "by": by, "at": at, "old": old, "new": value, "comment": comment, "after_attempt": step.attempt}
        history = [*(step.attempts or []), entry]
        data = {"fixed": fixed, "by": by}
        if fixed == "input":
            fields: dict[str, Any] = {"input": value, "error": None, "not_before": None}
            if not step_transition(step.pk, (S(step.status),), S.QUEUED, attempts=history, data=data, **fields):
                raise RunError(f"Step {node_id!r} changed meanwhile; reload the run.")
        else:
            fields = {"output": value, "ports": [target_port], "error": None, "not_before": None}
            if not step_transition(step.pk, (S(step.status),), S.SUCCEEDED, attempts=history, data=data, **fields):
                raise RunError(f"Step {node_id!r} changed meanwhile; reload the run.")
        if locked.status == R.FAILED:
            resumed = {"resumed": "fix", "fixed": node_id, "by": by}
            run_transition(locked.pk, (R.FAILED,), R.RUNNING, error=None, finished_at=None, data=resumed)
            locked.status = R.RUNNING
        dispatch_after_commit([step.pk] if fixed == "input" else advance_locked(locked))
    step.refresh_from_db()
    return step
