"""Testing one step (POST /api/workflows/{id}/nodes/{node_id}/test/, GET .../tests/): the
draft's node evaluated alone with its real effects over the data it would see (the latest
run's, pinned outputs over it, the request's over both), recorded as a test, never a run."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from designer.models import WorkflowVersion
from engine.store.models import Run
from engine.store.step_tests import StepTest
from engine.store.usage import owner_successes_since
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, node


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def _graph(base, *, pinned=None):
    """start -> lookup (a transform) -> fetch (HTTP to the ledger, its path from lookup)."""
    lookup = node("lookup", "transform", {"expression": "{'path': '/users/' & trigger.user}"})
    if pinned is not None:
        lookup["pinned"] = {"output": pinned}
    return {
        "nodes": [
            node("start", "trigger.manual"),
            lookup,
            node("fetch", "http.request", {"method": "GET", "url": "{{ vars.base }}{{ steps.lookup.output.path }}"}),
        ],
        "edges": [edge("e1", "start", "lookup"), edge("e2", "lookup", "fetch")],
        "vars": {"base": base},
    }


def _create(client, graph):
    response = client.post("/api/workflows/", {"name": "wf", "graph": graph}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["problems"] == []
    return response.json()["id"]


def _test(client, workflow_id, node_id, expect=201, **body):
    response = client.post(f"/api/workflows/{workflow_id}/nodes/{node_id}/test/", body, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def _fields(body):
    return [p["field"] for p in body["problems"]]


def test_a_step_test_makes_the_real_call_over_pinned_data_and_starts_no_run(db, ledger):
    client = _client(make_user())
    wf = _create(client, _graph(ledger.base, pinned={"path": "/pinned/7"}))
    versions = WorkflowVersion.objects.filter(workflow_id=wf).count()
    body = _test(client, wf, "fetch")
    assert body["status"] == "succeeded" and body["error"] is None, body
    assert body["node_id"] == "fetch" and body["node_type"] == "http.request" and body["run"] is None
    # The real effect: one request, to the pinned path, under a key of the test's own.
    assert [c["path"] for c in ledger.calls] == ["/pinned/7"]
    assert ledger.calls[0]["key"].startswith("test-") and ledger.calls[0]["key"].endswith(":fetch")
    assert body["output"]["status"] == 200 and body["output"]["json"]["path"] == "/pinned/7"
    assert body["input"]["url"] == f"{ledger.base}/pinned/7"  # the rendered config
    assert body["inputs"] == {"lookup": {"path": "/pinned/7"}} and body["ports"] == ["out"]
    # No run, no version: a test is not in the run list.
    assert Run.objects.count() == 0 and WorkflowVersion.objects.filter(workflow_id=wf).count() == versions
    assert client.get("/api/runs/").json()["count"] == 0
    listed = client.get(f"/api/workflows/{wf}/tests/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert client.get(f"/api/workflows/{wf}/tests/?node_id=lookup").json()["count"] == 0


def test_the_data_is_the_latest_runs_then_the_pins_then_the_requests(embedded, ledger):
    client = _client(make_user())
    wf = _create(client, _graph(ledger.base))
    response = client.post(f"/api/workflows/{wf}/runs/", {"input": {"user": "ada"}}, format="json")
    run = wait_for(Run.objects.get(pk=response.json()["id"]))
    assert run.status == "succeeded"
    ledger.calls.clear()
    from_run = _test(client, wf, "fetch")
    assert from_run["run"] == run.pk and from_run["input"]["url"] == f"{ledger.base}/users/ada"
    # A node testing the transform itself sees the run's trigger.
    assert _test(client, wf, "lookup")["output"] == {"path": "/users/ada"}
    # The editor's unsaved graph, with a pin: the pin wins over the run's output; nothing is saved.
    unsaved = _graph(ledger.base, pinned={"path": "/pinned/1"})
    assert _test(client, wf, "fetch", graph=unsaved)["input"]["url"] == f"{ledger.base}/pinned/1"
    assert "pinned" not in json.dumps(client.get(f"/api/workflows/{wf}/").json()["graph"])
    # The request's data wins over both.
    given = _test(client, wf, "fetch", graph=unsaved, data={"steps": {"lookup": {"output": {"path": "/given/2"}}}})
    assert given["input"]["url"] == f"{ledger.base}/given/2"
    assert [c["path"] for c in ledger.calls] == ["/users/ada", "/pinned/1", "/given/2"]
    assert Run.objects.count() == 1


def test_a_failing_step_is_a_recorded_test_with_its_error(db, ledger):
    client = _client(make_user())
    graph = _graph(ledger.base, pinned={"path": "/status/500"})
    graph["nodes"].append({**node("slow", "http.request", {"method": "GET", "url": "{{ vars.base }}/sleep/3"}), "timeout_s": 0.5})
    graph["nodes"].append(node("stop", "fail", {"message": "No {{ trigger.what }}"}))
    graph["edges"] += [edge("e3", "start", "slow"), edge("e4", "start", "stop")]
    wf = _create(client, graph)
    failed = _test(client, wf, "fetch")
    assert failed["status"] == "failed" and failed["output"] is None and failed["error"]["code"] == "http_status"
    timed_out = _test(client, wf, "slow")
    assert timed_out["status"] == "failed" and timed_out["error"]["code"] == "timeout"
    stopped = _test(client, wf, "stop", data={"trigger": {"what": "luck"}})
    assert stopped["error"] == {"code": "fail", "message": "No luck"}
    assert StepTest.objects.filter(status="failed").count() == 3 and Run.objects.count() == 0


def test_another_users_workflow_or_run_is_a_404(db, ledger):
    owner, other = make_user(), make_user()
    wf = _create(_client(owner), _graph(ledger.base))
    others = _create(_client(other), _graph(ledger.base))
    client = _client(other)
    assert client.post(f"/api/workflows/{wf}/nodes/fetch/test/", {}, format="json").status_code == 404
    assert client.get(f"/api/workflows/{wf}/tests/").status_code == 404
    their_run = Run.objects.create(owner=owner, workflow_id=wf, version=WorkflowVersion.objects.get(workflow_id=wf), graph_hash="x")
    refused = client.post(f"/api/workflows/{others}/nodes/fetch/test/", {"run_id": their_run.pk}, format="json")
    assert refused.status_code == 404 and ledger.calls == []
    assert client.post(f"/api/workflows/{others}/nodes/nope/test/", {}, format="json").status_code == 404
    assert StepTest.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"graph": [1]}, "graph"),
        ({"run_id": "5"}, "run_id"),
        ({"run_id": 0}, "run_id"),
        ({"data": {"stepz": {}}}, "data"),
        ({"data": {"steps": []}}, "data"),
        ({"data": 3}, "data"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(db, ledger, body, field):
    client = _client(make_user())
    wf = _create(client, _graph(ledger.base))
    response = client.post(f"/api/workflows/{wf}/nodes/fetch/test/", body, format="json")
    assert response.status_code == 400, response.json()
    assert any(f.lstrip("/").split("/")[0] == field for f in _fields(response.json())), response.json()
    assert StepTest.objects.count() == 0 and ledger.calls == []


def test_a_node_whose_config_has_problems_is_a_422_naming_them(db, ledger):
    client = _client(make_user())
    wf = _create(client, _graph(ledger.base))
    graph = _graph(ledger.base)
    graph["nodes"][2]["config"]["url"] = "ftp://bad.example"
    body = _test(client, wf, "fetch", expect=422, graph=graph)
    assert [(p["node_id"], p["field"]) for p in body["problems"]] == [("fetch", "/config/url")]
    # Another node's problem does not stop this one.
    assert _test(client, wf, "lookup", graph=graph)["status"] == "succeeded"
    assert ledger.calls == []


def test_a_successful_test_counts_toward_the_node_types_rate(db, ledger):
    user = make_user()
    client = _client(user)
    wf = _create(client, _graph(ledger.base, pinned={"path": "/ok"}))
    test = StepTest.objects.get(pk=_test(client, wf, "fetch")["id"])
    assert owner_successes_since(user.pk, "http.request", test.started_at, 10) == [test.finished_at]
    assert owner_successes_since(user.pk, "email.send", test.started_at, 10) == []


def test_another_users_credential_or_a_graph_over_the_limits_is_refused_before_any_call(db, ledger, settings):
    from credentials.services import credential_create

    owner, other = make_user(), make_user()
    theirs = credential_create(owner=other, name="Theirs", type="http.bearer", data={"token": "their-secret-1"})
    client = _client(owner)
    wf = _create(client, _graph(ledger.base, pinned={"path": "/ok"}))
    graph = _graph(ledger.base, pinned={"path": "/ok"})
    graph["nodes"][2]["config"]["credential"] = theirs.pk
    body = _test(client, wf, "fetch", expect=422, graph=graph)
    assert [(p["code"], p["node_id"]) for p in body["problems"]] == [("unknown_credential", "fetch")]
    settings.STEPWISE_MAX_NODES = 2
    body = _test(client, wf, "fetch", expect=422, graph=_graph(ledger.base))
    assert [p["code"] for p in body["problems"]] == ["too_many_nodes"]
    assert ledger.calls == [] and StepTest.objects.count() == 0


def test_a_step_that_parks_is_reported_as_such(db, ledger):
    client = _client(make_user())
    graph = _graph(ledger.base)
    graph["nodes"] += [node("pause", "wait", {"mode": "duration", "duration_s": 60}), node("ask", "approval", {"message": "OK?"})]
    graph["edges"] += [edge("e3", "start", "pause"), edge("e4", "start", "ask")]
    wf = _create(client, graph)
    for node_id in ("pause", "ask"):
        body = _test(client, wf, node_id)
        assert body["status"] == "failed" and body["error"]["code"] == "parks" and body["output"] is None
    assert Run.objects.count() == 0
