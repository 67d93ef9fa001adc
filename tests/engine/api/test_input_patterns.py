"""A trigger's input schema is written by users: its `pattern` and `patternProperties`
run in linear time (RE2), so no input can hold a request (and the GIL) with a
backtracking regex, and a schema the server cannot apply is a 4xx naming the trigger."""

import contextlib
import signal
import time

import pytest
from rest_framework.test import APIClient

from engine.orchestration.creation import InputInvalid, _check_input
from engine.orchestration.graph import Graph
from engine.store.models import Run
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, node

EVIL = "^(a+)+$"  # exponential in a backtracking engine on "aaaa…a!"


@contextlib.contextmanager
def deadline(seconds: int):
    """Interrupt the test (Python's re checks for signals) rather than hang the suite."""

    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _workflow(client, schema):
    graph = {"nodes": [node("start", "trigger.manual", {"input_schema": schema}), node("n", "noop")], "edges": [edge("e1", "start", "n")]}
    response = client.post("/api/workflows/", {"name": "wf", "graph": graph}, format="json")
    assert response.status_code == 201 and response.json()["problems"] == [], response.json()
    return response.json()["id"]


def _client():
    client = APIClient()
    client.force_login(make_user())
    return client


def _start(client, workflow_id, payload):
    began = time.monotonic()
    with deadline(10):
        response = client.post(f"/api/workflows/{workflow_id}/runs/", {"input": payload}, format="json")
    return response, time.monotonic() - began


def test_a_backtracking_pattern_against_a_hostile_input_answers_at_once(embedded):
    client = _client()
    wf = _workflow(client, {"type": "object", "properties": {"name": {"type": "string", "pattern": EVIL}}})
    response, took = _start(client, wf, {"name": "a" * 40 + "!"})
    assert took < 2, took
    assert response.status_code == 422, response.json()
    [problem] = response.json()["problems"]
    assert problem["code"] == "invalid_input" and problem["node_id"] == "start" and problem["field"] == "/name"
    assert EVIL in problem["message"]
    assert Run.objects.count() == 0
    response, _ = _start(client, wf, {"name": "a" * 40})
    assert response.status_code == 201, response.json()
    assert wait_for(Run.objects.get(pk=response.json()["id"])).status == "succeeded"


def test_pattern_properties_use_the_linear_engine_too(embedded):
    client = _client()
    wf = _workflow(client, {"type": "object", "patternProperties": {EVIL: {"type": "integer"}}})
    response, took = _start(client, wf, {"a" * 40 + "!": "not checked: the key does not match"})
    assert took < 2 and response.status_code == 201, (took, response.json())
    response, _ = _start(client, wf, {"aaa": "x"})
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["field"] == "/aaa" and problem["node_id"] == "start"


def _checked(schema, payload):
    """The input check a run's start makes, on a graph as stored (validation bypassed, as
    for a version saved before a rule existed)."""
    graph = Graph({"nodes": [node("start", "trigger.manual", {"input_schema": schema})], "edges": []})
    with deadline(10), pytest.raises(InputInvalid) as refused:
        _check_input(graph, "start", payload)
    return [p.as_dict() for p in refused.value.problems]


def test_a_schema_that_cannot_be_applied_refuses_the_input_and_fetches_nothing(ledger):
    [problem] = _checked({"properties": {"a": {"$ref": f"{ledger.base}/schema.json"}}}, {"a": 1})
    assert ledger.calls == []  # jsonschema's default would have fetched it, from any address
    assert problem["code"] == "invalid_input" and problem["node_id"] == "start" and "leads nowhere" in problem["message"]
    [problem] = _checked({"$ref": "#"}, {"a": 1})
    assert "loop" in problem["message"] and problem["field"] == "/"
    [problem] = _checked({"properties": {"a": {"pattern": "(a)\\1"}}}, {"a": "aa"})
    assert problem["field"] == "/a" and "RE2" in problem["message"]
