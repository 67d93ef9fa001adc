"""Pinned data: part of the draft and its versions, validated, used by previews, and never
by a production run (webhook, API)."""

from __future__ import annotations

import json

from rest_framework.test import APIClient

from designer import services
from designer.models import WorkflowVersion
from engine.store.models import Run
from engine.triggers.activation import workflow_activate
from engine.triggers.models import WebhookEndpoint
from tests.engine.harness import wait_for
from tests.engine.triggers.conftest import hook_graph, post, signed
from tests.factories import edge, make_token, make_user, node

PIN = {"order": "PINNED", "doubled": -1}


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def _pinned_hook_graph():
    graph = hook_graph(extra_nodes=[node("after", "transform", {"expression": "steps.shape.output.doubled + 1"})])
    graph["edges"].append(edge("e2", "shape", "after"))
    graph["nodes"][1]["pinned"] = {"output": PIN}
    return graph


def test_pinned_data_is_part_of_the_draft_and_its_versions(db):
    client = _client(make_user())
    response = client.post("/api/workflows/", {"name": "wf", "graph": _pinned_hook_graph()}, format="json")
    assert response.status_code == 201 and response.json()["problems"] == [], response.json()
    wf = response.json()["id"]
    assert client.get(f"/api/workflows/{wf}/").json()["graph"]["nodes"][1]["pinned"] == {"output": PIN}
    assert WorkflowVersion.objects.get(workflow_id=wf).graph["nodes"][1]["pinned"] == {"output": PIN}


def test_a_webhook_started_run_never_uses_pinned_data(embedded):
    owner = make_user()
    workflow, problems = services.workflow_create(owner=owner, name="Hooked", graph=_pinned_hook_graph())
    assert problems == []
    workflow = workflow_activate(workflow=workflow, actor=owner)
    endpoint = WebhookEndpoint.objects.get(workflow=workflow, node_id="hook")
    body = json.dumps({"order": "A-17", "qty": 3}).encode()
    response = post(endpoint, body, headers=signed(endpoint, body))
    assert response.status_code == 202, response.content
    run = wait_for(Run.objects.get(pk=response.json()["run_id"]))
    assert run.trigger == "webhook" and run.status == "succeeded"
    outputs = {s.node_id: s.output for s in run.steps.all()}
    assert outputs["shape"] == {"order": "A-17", "doubled": 6} and outputs["after"] == 7


def test_an_api_started_run_never_uses_pinned_data(embedded):
    user = make_user()
    graph = {
        "nodes": [
            node("start", "trigger.manual"),
            {**node("shape", "transform", {"expression": "trigger.qty * 2"}), "pinned": {"output": 1000}},
            node("after", "transform", {"expression": "steps.shape.output + 1"}),
        ],
        "edges": [edge("e1", "start", "shape"), edge("e2", "shape", "after")],
    }
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    created = client.post("/api/workflows/", {"name": "wf", "graph": graph}, format="json")
    assert created.status_code == 201 and created.json()["problems"] == [], created.json()
    started = client.post(f"/api/workflows/{created.json()['id']}/runs/", {"input": {"qty": 3}}, format="json")
    assert started.status_code == 201, started.json()
    run = wait_for(Run.objects.get(pk=started.json()["id"]))
    assert run.trigger == "api" and run.status == "succeeded"
    assert {s.node_id: s.output for s in run.steps.all()} == {"start": {"qty": 3}, "shape": 6, "after": 7}
    # The editor's preview of the same node reads the pin, over the run's data too.
    preview = client.post(
        f"/api/workflows/{created.json()['id']}/preview/", {"expression": "steps.shape.output", "node_id": "after"}, format="json"
    )
    assert preview.json() == {"value": 1000}
    over_run = {"expression": "steps.shape.output", "node_id": "after", "run_id": run.pk}
    assert client.post(f"/api/workflows/{created.json()['id']}/preview/", over_run, format="json").json() == {"value": 1000}
    unpinned = {**over_run, "pinned": False}
    assert client.post(f"/api/workflows/{created.json()['id']}/preview/", unpinned, format="json").json() == {"value": 6}


def test_pinned_data_under_the_requests_data_and_unpinning(db):
    user = make_user()
    client = _client(user)
    graph = _pinned_hook_graph()
    wf = client.post("/api/workflows/", {"name": "wf", "graph": graph}, format="json").json()["id"]

    def value(**body):
        return client.post(f"/api/workflows/{wf}/preview/", {"node_id": "after", **body}, format="json").json()

    assert value(expression="steps.shape.output.order") == {"value": "PINNED"}
    given = {"steps": {"shape": {"output": {"order": "GIVEN"}}}, "trigger": {"x": 1}}
    assert value(expression="steps.shape.output.order & trigger.x", data=given) == {"value": "GIVEN1"}
    refused = client.post(f"/api/workflows/{wf}/preview/", {"node_id": "after", "expression": "1", "pinned": "yes"}, format="json")
    assert refused.status_code == 400 and refused.json()["problems"][0]["field"] == "/pinned"
    del graph["nodes"][1]["pinned"]
    assert client.patch(f"/api/workflows/{wf}/", {"graph": graph}, format="json").status_code == 200
    assert value(expression="steps.shape.output.order") == {"value": None}


def test_pinned_data_is_validated_and_its_size_bounded(db, settings):
    client = _client(make_user())
    graph = hook_graph()
    graph["nodes"][1]["pinned"] = {"value": 1}
    created = client.post("/api/workflows/", {"name": "wf", "graph": graph}, format="json")
    assert created.status_code == 201
    problems = [(p["code"], p["node_id"], p["field"]) for p in created.json()["problems"]]
    assert ("invalid_node", "shape", "/pinned/output") in problems and ("invalid_node", "shape", "/pinned/value") in problems
    settings.STEPWISE_MAX_PINNED_BYTES = 2048
    graph["nodes"][1]["pinned"] = {"output": "x" * 1000}
    graph["nodes"][0]["pinned"] = {"output": "y" * 1100}
    too_big = client.post("/api/workflows/", {"name": "wf", "graph": graph}, format="json")
    assert too_big.status_code == 413, too_big.json()
    assert [(p["code"], p["node_id"], p["field"]) for p in too_big.json()["problems"]] == [("pinned_too_large", "shape", "/pinned")]
    assert "2048" in too_big.json()["problems"][0]["message"]
