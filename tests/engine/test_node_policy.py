"""Adding a node type is one new module and its registration: the node types of
tests/engine/policy_nodes.py declare policies (a timer outcome, a join policy, a guard,
evaluating over the run's data) that the engine follows without knowing their names."""

from __future__ import annotations

import pytest

from catalog.nodes import registry
from designer import services
from engine.orchestration.runs import run_start
from tests.engine import policy_nodes
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, node


@pytest.fixture
def policy_types():
    for cls in policy_nodes.TYPES:
        registry.register(cls)
    yield
    for cls in policy_nodes.TYPES:
        registry.unregister(cls.type)


def _run(user, nodes, edges, payload=None):
    graph = {"nodes": [node("start", "trigger.manual"), *nodes], "edges": edges}
    workflow, problems = services.workflow_create(owner=user, name="policy", graph=graph)
    assert problems == [], problems
    return wait_for(run_start(workflow=workflow, user=user, payload=payload or {}))


def test_a_timer_outcome_the_engine_never_heard_of(embedded, policy_types):
    user = make_user()
    run = _run(
        user,
        [node("d", "test.deadline", {"after_s": 0.2}), node("after", "noop")],
        [edge("e1", "start", "d"), edge("e2", "d", "after", "expired")],
    )
    assert run.status == "succeeded", run.error
    deadline = run.steps.get(node_id="d")
    assert deadline.ports == ["expired"] and deadline.output == {"expired": True, "after_s": 0.2}
    assert run.steps.get(node_id="after").status == "succeeded"


def test_a_join_policy_of_its_own(embedded, policy_types):
    """The slow branch is still parked when the first arrives: the join goes on at once
    (with the built-in rule it would wait for every branch to resolve)."""
    user = make_user()
    run = _run(
        user,
        [
            node("fast", "transform", {"expression": "'fast'"}),
            node("slow", "wait", {"mode": "duration", "duration_s": 1}),
            node("j", "test.first_wins"),
        ],
        [edge("e1", "start", "fast"), edge("e2", "start", "slow"), edge("e3", "fast", "j"), edge("e4", "slow", "j")],
    )
    assert run.status == "succeeded", run.error
    join, slow = run.steps.get(node_id="j"), run.steps.get(node_id="slow")
    assert join.output == {"first": ["fast"]}
    assert join.finished_at < slow.finished_at


def test_a_guarded_type_is_held_to_its_timeout(embedded, policy_types):
    user = make_user()
    run = _run(user, [node("s", "test.stuck", timeout_s=0.5)], [edge("e1", "start", "s")])
    assert run.status == "failed"
    assert run.steps.get(node_id="s").error["code"] == "timeout"


def test_a_type_that_keeps_its_deadline_runs_on_the_steps_thread(embedded, policy_types):
    """A guarded type is called on a guard thread; one that declares keeps_deadline (the
    HTTP node) on the step's own thread, with the deadline in its context."""
    user = make_user()
    run = _run(
        user,
        [node("p", "test.punctual"), node("g", "test.guarded")],
        [edge("e1", "start", "p"), edge("e2", "p", "g")],
    )
    assert run.status == "succeeded", run.error
    punctual, guarded = run.steps.get(node_id="p").output, run.steps.get(node_id="g").output
    assert guarded["thread"] == "stepwise-guard" and punctual["thread"] != "stepwise-guard"
    assert punctual["deadline"] and guarded["deadline"]


def test_a_type_that_evaluates_over_the_run_reads_every_step(embedded, policy_types):
    """`r` follows `b` only, yet reads `a`'s output: declaring evaluates_expressions makes
    the engine hand it every step's output."""
    user = make_user()
    run = _run(
        user,
        [
            node("a", "transform", {"expression": "'from a'"}),
            node("b", "transform", {"expression": "'from b'"}),
            node("r", "test.reads", {"source": "steps.a.output & ' and ' & steps.b.output"}),
        ],
        [edge("e1", "start", "a"), edge("e2", "a", "b"), edge("e3", "b", "r")],
    )
    assert run.status == "succeeded", run.error
    assert run.steps.get(node_id="r").output == "from a and from b"
