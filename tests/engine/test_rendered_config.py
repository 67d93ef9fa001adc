"""What a node's `{{ }}` produce is checked against its node type's schema (and its own
bounds) before the node uses it: a value out of range fails the step cleanly (code
`invalid_config`, not retried, the message naming the field and the value, the rendered
config kept as its input), never a crash, a traceback or a step left running. A literal
out of range is a validation problem of the graph."""

import pytest

from designer import services
from engine.orchestration.runs import run_start
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, node

RETRIED = {"max_attempts": 3, "backoff": "fixed", "initial_s": 0, "max_s": 0}


def _run(user, *nodes, payload=None):
    graph = {
        "nodes": [node("start", "trigger.manual"), *nodes],
        "edges": [edge(f"e{i}", "start", n["id"]) for i, n in enumerate(nodes)],
    }
    workflow, problems = services.workflow_create(owner=user, name="wf", graph=graph)
    assert problems == [], problems
    return wait_for(run_start(workflow=workflow, user=user, payload=payload or {}), timeout=10)


def _failed_cleanly(run, node_id):
    step = run.steps.get(node_id=node_id)
    assert run.status == "failed" and step.status == "failed", (run.status, step.status, step.error)
    assert step.error["code"] == "invalid_config", step.error
    assert step.attempt == 1 and len(step.attempts) == 1, step.attempts  # not retried
    return step


@pytest.mark.parametrize(
    ("until", "fragment"),
    [
        ("9999-12-31T23:59:59-23:59", "not representable"),  # after year 9999 in UTC
        ("0001-01-01T00:00:00+01:00", "not representable"),  # before year 1 in UTC
        ("next tuesday", "not an ISO 8601 date-time"),
        ("{{ later }}", "not an ISO 8601 date-time"),  # what an expression gave is never evaluated again
    ],
)
def test_a_wait_until_a_time_that_cannot_be_stored_fails_cleanly(embedded, until, fragment):
    run = _run(
        make_user(), node("pause", "wait", {"mode": "until", "until": "{{ trigger.until }}"}, retry=RETRIED), payload={"until": until}
    )
    step = _failed_cleanly(run, "pause")
    assert "Until" in step.error["message"] and until in step.error["message"] and fragment in step.error["message"]
    assert step.input == {"mode": "until", "until": until}  # what it was given, kept


def test_a_wait_until_a_valid_time_with_an_offset_still_waits(embedded):
    run = _run(make_user(), node("pause", "wait", {"mode": "until", "until": "{{ '2001-01-01T00:00:00+02:00' }}"}))
    step = run.steps.get(node_id="pause")
    assert run.status == "succeeded" and step.output == {"until": "2001-01-01T00:00:00+02:00"}


def test_a_wait_duration_too_long_fails_cleanly(embedded):
    run = _run(make_user(), node("pause", "wait", {"mode": "duration", "duration_s": "{{ 1e300 }}"}, retry=RETRIED))
    step = _failed_cleanly(run, "pause")
    assert "Duration (s)" in step.error["message"] and "1.000e+300 is greater than the maximum of 31536000" in step.error["message"]
    assert step.input == {"mode": "duration", "duration_s": 1e300}


def test_a_rendered_value_of_the_wrong_type_fails_cleanly(embedded):
    config = {"method": "GET", "url": "https://example.invalid/", "timeout_s": "{{ trigger.t }}"}
    run = _run(make_user(), node("call", "http.request", config, retry=RETRIED), payload={"t": "soon"})
    step = _failed_cleanly(run, "call")
    assert "Timeout (s)" in step.error["message"] and "'soon'" in step.error["message"]
    assert step.input["timeout_s"] == "soon"


def test_an_approval_timeout_too_long_is_a_validation_problem(user):
    graph = {
        "nodes": [node("start", "trigger.manual"), node("review", "approval", {"message": "ok?", "timeout_s": 1e12})],
        "edges": [edge("e1", "start", "review")],
    }
    _, problems = services.workflow_create(owner=user, name="wf", graph=graph)
    found = [p for p in problems if p.node_id == "review"]
    assert [p.field for p in found] == ["/config/timeout_s"], problems
    assert "Timeout (s)" in found[0].message and "1000000000000" in found[0].message


@pytest.mark.parametrize("node_type", ["workflow.call", "map"])
def test_a_workflow_id_that_is_not_a_whole_number_is_a_validation_problem(user, node_type):
    sub, _ = services.workflow_create(owner=user, name="sub", graph={"nodes": [node("start", "trigger.manual")], "edges": []})
    config = {"workflow_id": float(sub.pk), **({"items": []} if node_type == "map" else {})}
    graph = {"nodes": [node("start", "trigger.manual"), node("call", node_type, config)], "edges": [edge("e1", "start", "call")]}
    _, problems = services.workflow_create(owner=user, name="wf", graph=graph)
    found = [p for p in problems if p.node_id == "call"]
    assert [p.field for p in found] == ["/config/workflow_id"], problems
    assert f"{float(sub.pk)!r}" in found[0].message
