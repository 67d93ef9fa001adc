"""No entry holds what a person typed into a workflow or sent to a run: a secret-looking
string planted in a node's config, a run's input, a webhook's body, query and headers, an
approval's comment and payload, a renamed description, is in no column of any entry and in
no answer of the audit API."""

from __future__ import annotations

import json

import pytest

from audit.models import AuditEntry
from engine.store.models import Run
from tests.audit.conftest import client_from
from tests.engine.harness import wait_for_step
from tests.engine.triggers.conftest import post, signed
from tests.factories import edge, make_user, node

SECRET = "sk_live_PLANTED4c9f2e7b1d"


def _graph():
    headers = {"Authorization": f"Bearer {SECRET}"}
    return {
        "nodes": [
            node("start", "trigger.manual"),
            node("hook", "trigger.webhook", {"methods": ["POST"], "public": False}),
            node("review", "approval", {"message": f"Token {SECRET}?"}),
            node("call", "http.request", {"method": "GET", "url": f"https://api.example.com/?key={SECRET}", "headers": headers}),
        ],
        "edges": [edge("e1", "start", "review"), edge("e2", "hook", "review"), edge("e3", "review", "call", "approved")],
        "vars": {"api_key": SECRET},
    }


def _everything_stored() -> str:
    return json.dumps([{f.attname: getattr(e, f.attname) for f in AuditEntry._meta.fields} for e in AuditEntry.objects.all()], default=str)


@pytest.mark.usefixtures("embedded")
def test_a_planted_secret_reaches_no_entry():
    user = make_user("keeper")
    session = client_from(user)
    created = session.post("/api/workflows/", {"name": "Keys", "description": SECRET, "graph": _graph()}, format="json")
    assert created.status_code == 201, created.json()
    wf = created.json()["id"]
    graph = _graph()
    graph["vars"]["other"] = SECRET + "2"
    session.patch(f"/api/workflows/{wf}/", {"graph": graph, "description": f"now {SECRET}", "message": SECRET}, format="json")
    session.get(f"/api/workflows/{wf}/export/")
    copy = session.post(f"/api/workflows/{wf}/duplicate/").json()["id"]
    session.post("/api/workflows/import/", session.get(f"/api/workflows/{wf}/export/").json(), format="json")
    assert session.post(f"/api/workflows/{wf}/activate/").status_code == 200

    run_id = session.post(f"/api/workflows/{wf}/runs/", {"input": {"password": SECRET}}, format="json").json()["id"]
    run = Run.objects.get(pk=run_id)
    wait_for_step(run, "review", "waiting")
    decided = session.post(f"/api/runs/{run_id}/steps/review/reject/", {"comment": SECRET, "payload": {"k": SECRET}}, format="json")
    assert decided.status_code == 200

    from engine.triggers.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.get(workflow_id=wf, node_id="hook")
    body = json.dumps({"password": SECRET}).encode()
    hooked = post(endpoint, body, headers={**signed(endpoint, body, msg_id="m1"), "HTTP_X_API_KEY": SECRET}, path_suffix=f"?token={SECRET}")
    assert hooked.status_code == 202, hooked.content
    session.delete(f"/api/workflows/{copy}/")

    assert AuditEntry.objects.filter(action="run.started").count() == 2
    assert AuditEntry.objects.count() >= 10
    # The secret really was stored where it was put (the test would prove nothing otherwise).
    assert SECRET in json.dumps(Run.objects.get(pk=run_id).input)
    assert SECRET not in _everything_stored()
    listed = session.get("/api/audit/?page_size=200")
    assert listed.status_code == 200 and listed.json()["count"] >= 10
    assert SECRET not in listed.content.decode()


def test_a_failed_sign_in_keeps_no_name_that_is_no_accounts(client, db):
    make_user("real")
    # Someone types their password into the name field.
    response = client.post("/login/", {"username": SECRET, "password": "whatever"}, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 200  # the form again, with its error
    (entry,) = AuditEntry.objects.filter(action="auth.sign_in_failed")
    assert entry.owner is None and entry.address == "192.0.2.9"
    assert SECRET not in _everything_stored()
