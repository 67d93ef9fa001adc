"""engine.orchestration.control.step_fix below the API: the paths a fixed step takes
through the executor (a pure step is not run inline from the graph's config), and the
states it refuses."""

import time

import pytest

from engine.clock import tick
from engine.orchestration.chains import run_chain
from engine.orchestration.control import step_fix
from engine.orchestration.creation import RunError
from engine.orchestration.runs import run_start
from engine.store.writes import step_claim
from tests.factories import edge, make_user, make_workflow, node


def _interrupted_transform(user):
    """A pure, at-most-once step whose worker died holding it: interrupted. Its graph's
    config would succeed if run again."""
    graph = {
        "nodes": [node("start", "trigger.manual"), {**node("work", "transform", {"expression": "1"}), "delivery": "at_most_once"}],
        "edges": [edge("e1", "start", "work")],
    }
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload={})
    step = run.steps.get(node_id="work")
    assert step_claim(step.pk, worker="dead", token="t", lease_s=0.01)
    time.sleep(0.05)
    assert tick()["interrupted"] == 1
    return run, step


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pure_hint", [True, False])
def test_a_fixed_pure_step_runs_with_the_fixed_input_not_inline_from_the_graph(collecting, pure_hint):
    user = make_user()
    run, step = _interrupted_transform(user)
    fixed = step_fix(run=run, node_id="work", user=user, fixed="input", value={"expression": "6 * 7"})
    assert fixed.status == "queued" and fixed.input == {"expression": "6 * 7"}
    run_chain(step.pk, worker="w", pure=pure_hint)
    step.refresh_from_db()
    run.refresh_from_db()
    assert step.status == "succeeded" and step.output == 42 and step.input == {"expression": "6 * 7"}
    assert run.status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_an_output_fix_advances_the_run_in_the_same_transaction(collecting):
    user = make_user()
    run, _step = _interrupted_transform(user)
    fixed = step_fix(run=run, node_id="work", user=user, fixed="output", value={"done": True}, comment="did it by hand")
    assert fixed.status == "succeeded" and fixed.ports == ["out"]
    run.refresh_from_db()
    assert run.status == "succeeded" and run.output == {"work": {"done": True}}
    assert fixed.attempts[-1]["comment"] == "did it by hand" and fixed.attempts[-1]["fix"] == "output"


@pytest.mark.django_db(transaction=True)
def test_a_step_that_is_queued_or_running_cannot_be_fixed(collecting):
    user = make_user()
    nodes = [node("start", "trigger.manual"), node("work", "transform", {"expression": "1"})]
    graph = {"nodes": nodes, "edges": [edge("e1", "start", "work")]}
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload={})
    with pytest.raises(RunError, match="is queued"):
        step_fix(run=run, node_id="work", user=user, fixed="output", value=1)
    step = run.steps.get(node_id="work")
    assert step_claim(step.pk, worker="w", token="t", lease_s=30)
    with pytest.raises(RunError, match="is running"):
        step_fix(run=run, node_id="work", user=user, fixed="input", value={"expression": "2"})
    step.refresh_from_db()
    assert step.status == "running" and step.attempts == []
