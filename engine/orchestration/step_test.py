"""Testing one step: the draft's node evaluated alone, as a run would evaluate it (its
config rendered by the run's evaluation, its node type's `execute` with its real effects,
credentials and timeout), over the data it would see, and recorded as a test
(engine.store.step_tests), never as a run. docs/architecture.md#pinned-data-and-step-tests.

The data a node would see, in the editor: the steps of a run of the workflow (the one
named, else the latest), then the draft's pinned outputs over them, then what the person
gives for this test over both; `vars` are the tested graph's. Runs never read pinned data:
nothing on a run's path (execute, inline, advance) looks at a node's `pinned`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from catalog.expressions.evaluate import ExpressionError
from catalog.nodes.base import StepFailed
from core.logging import get_logger
from designer.errors import GraphInvalid
from designer.models import Workflow
from designer.services import graph_validate
from designer.validation import Problem, is_loadable
from engine.orchestration.evaluation import expression_data, node_evaluate
from engine.orchestration.graph import Graph
from engine.orchestration.pinned import graph_for
from engine.store.models import Run
from engine.store.reads import step_of, step_rows
from engine.store.step_tests import StepTest, node_steps, run_latest, step_test_record

logger = get_logger(__name__)

# Problems that stop a node from being evaluated at all: the graph's shape, or the tested
# node's own config. Others (unreachable, a steps.<id> not upstream) concern a run, and the
# test's data may provide what a run would not.
GRAPH_BLOCKING = frozenset(
    {"invalid_graph", "invalid_node", "invalid_edge", "duplicate_id", "invalid_id", "too_deep"}
    | {"too_many_nodes", "too_many_edges", "pinned_too_large"}  # validation stops at these: the node is not checked
)
NODE_BLOCKING = frozenset(
    {"unknown_type", "invalid_config", "unknown_credential", "wrong_credential_type", "expression_not_allowed", "invalid_expression"}
)


class StepTestRefused(GraphInvalid):
    """The node cannot be evaluated: its config (or the graph) has problems."""


@dataclass(frozen=True)
class _Tester:
    """Whom a test acts for: its owner (credentials, rate limits); no run (pk 0)."""

    owner_id: int
    pk: int = 0


def run_data(run: Run, node_id: str) -> dict[str, Any]:
    """What the node's expressions see in the run, built as the executor builds it: the
    run's input, the steps' outputs and statuses, the pinned graph's vars, the run with the
    node's step's attempt; for a compensation, the step it undoes. The steps are as they are
    now: a step that finished after the node's is there too. The node's step is its first
    (iteration 0) or, for a compensation node (its steps come after the run's), its latest."""
    steps = node_steps(run.pk, node_id)
    step = min(steps, key=lambda s: (s["iteration"] != 0, -s["iteration"]), default=None)
    data = expression_data(run, step_rows(run.pk), graph_for(run).vars, (step["attempt"] if step else 0) or 1)
    if step and step["compensates"]:
        undone = step_of(run.pk, step["compensates"])
        data["compensating"] = {"node_id": step["compensates"], "input": undone.input, "output": undone.output}
    return data


def pinned_steps(graph: Any) -> dict[str, dict[str, Any]]:
    """The graph's pinned outputs as `steps.<id>` reads them (a pinned step succeeded)."""
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    found = {}
    for node in nodes if isinstance(nodes, list) else []:
        pinned = node.get("pinned") if isinstance(node, dict) else None
        if isinstance(pinned, dict) and "output" in pinned and isinstance(node.get("id"), str):
            found[node["id"]] = {"output": pinned["output"], "status": "succeeded"}
    return found


def step_test_data(
    *, workflow: Workflow, graph: dict[str, Any], node_id: str, run: Run | None, overrides: dict[str, Any] | None
) -> dict[str, Any]:
    """What the tested node's expressions see (see the module's docstring)."""
    if run is not None:
        data = run_data(run, node_id)
    else:
        data = {"trigger": {}, "steps": {}, "run": {"id": None, "started_at": None, "trigger": "test", "attempt": 1}}
    data["vars"] = dict(graph.get("vars") or {})
    data["steps"] = {**data["steps"], **pinned_steps(graph)}
    given = dict(overrides or {})
    data["steps"] = {**data["steps"], **given.pop("steps", {})}
    return {**data, **given}


def _inputs(graph: Graph, node_id: str, steps: dict[str, Any]) -> dict[str, Any]:
    """The outputs that would arrive: those of its predecessors that succeeded (or are pinned)."""
    found = {}
    for edge in graph.inbound.get(node_id, []):
        step = steps.get(edge.source)
        if isinstance(step, dict) and step.get("status", "succeeded") == "succeeded":
            found[edge.source] = step.get("output")
    return found


def _blocking(node_id: str, problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.code in GRAPH_BLOCKING or (p.node_id == node_id and p.code in NODE_BLOCKING)]


def graph_has_node(graph: Any, node_id: str) -> bool:
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    return isinstance(nodes, list) and any(isinstance(n, dict) and n.get("id") == node_id for n in nodes)


def step_test_run(
    *,
    workflow: Workflow,
    user: Any,
    node_id: str,
    graph: dict[str, Any] | None = None,
    run: Run | None = None,
    overrides: dict[str, Any] | None = None,
) -> StepTest:
    """Evaluate `node_id` of `graph` (default: the workflow's draft) once and record it.
    `run`: a run of the workflow whose data the node sees (default: the latest, if any).
    Raises StepTestRefused for a node that cannot be evaluated; a node that fails is a
    recorded test with its error."""
    tested = graph if graph is not None else workflow.graph
    problems = graph_validate(graph=tested, user=user)
    if not is_loadable(tested):
        raise StepTestRefused("The step cannot be tested: the graph cannot be read.", problems)
    if blocking := _blocking(node_id, problems):
        raise StepTestRefused("The step cannot be tested: fix these problems first.", blocking)
    indexed = Graph(tested)
    source = run or run_latest(workflow=workflow, owner_id=user.pk)
    data = step_test_data(workflow=workflow, graph=tested, node_id=node_id, run=source, overrides=overrides)
    inputs = _inputs(indexed, node_id, data.get("steps") or {})
    started = timezone.now()
    config: Any = None
    output: Any = None
    ports: list[str] = []
    error: dict[str, Any] | None = None
    try:
        config, result = node_evaluate(
            _Tester(owner_id=user.pk),
            indexed,
            node_id,
            iteration=0,
            attempt=1,
            data=data,
            inputs=inputs,
            test_key=f"test-{uuid.uuid4().hex}:{node_id}",
        )
        if result.wait_until is not None or result.wait_for_person or result.children is not None:
            error = {"code": "parks", "message": "This step waits (for a time, a person or child runs): test it in a run."}
        else:
            output, ports = result.output, list(result.ports)
    except StepFailed as failure:
        error = failure.as_dict()
        config = getattr(failure, "config", None)
    except ExpressionError as exc:
        error = {"code": "expression_error", "message": str(exc)}
        config = getattr(exc, "config", None)
    except Exception as exc:
        logger.exception("step test crashed", node_id=node_id, workflow_id=workflow.pk)
        error = {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"}
        config = getattr(exc, "config", None)
    return step_test_record(
        owner_id=user.pk,
        workflow=workflow,
        node_id=node_id,
        node_type=indexed.node_type(node_id),
        run_id=source.pk if source is not None else None,
        inputs=inputs,
        config=config,
        output=output,
        ports=ports,
        error=error,
        started_at=started,
        finished_at=timezone.now(),
    )
