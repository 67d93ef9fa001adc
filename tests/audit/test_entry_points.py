"""Each entry point writes one entry with the right actor, action, target, address and way
in: workflows created, edited, exported, deleted; runs started by the API (session and
token) and by a webhook; an approval."""

from __future__ import annotations

import json

import pytest

from audit.models import Action, How
from designer.models import Workflow
from engine.store.models import Run
from tests.audit.conftest import ADDRESS, AGENT, client_from, entries
from tests.engine.harness import wait_for_step
from tests.engine.triggers.conftest import make_hook, post, signed
from tests.factories import edge, make_user, node, valid_graph

MANUAL = {"nodes": [node("start", "trigger.manual"), node("n", "noop")], "edges": [edge("e1", "start", "n")]}


def _one(action, **filters):
    found = entries(action=action, **filters)
    assert len(found) == 1, [(e.action, e.target_id) for e in entries()]
    return found[0]


def _is(entry, *, actor, target_type, target_id, how=How.SESSION, address=ADDRESS):
    assert entry.actor == actor and entry.actor_name == (actor.username if actor else "")
    assert (entry.target_type, entry.target_id) == (target_type, str(target_id))
    assert (entry.how, entry.address) == (how, address)
    assert entry.user_agent == (AGENT if address else "")


def test_create_edit_export_delete_write_one_entry_each(db, user, session):
    created = session.post("/api/workflows/", {"name": "Invoices", "graph": valid_graph()}, format="json")
    assert created.status_code == 201
    wf = created.json()["id"]
    entry = _one(Action.WORKFLOW_CREATED)
    _is(entry, actor=user, target_type="workflow", target_id=wf)
    assert entry.owner == user and entry.target_name == "Invoices" and entry.workflow_id == wf and entry.details == {"version": 1}

    graph = valid_graph()
    graph["nodes"][0]["name"] = "Renamed trigger"
    assert session.patch(f"/api/workflows/{wf}/", {"graph": graph, "base_version": 1}, format="json").status_code == 200
    entry = _one(Action.WORKFLOW_CHANGED)
    _is(entry, actor=user, target_type="workflow", target_id=wf)
    assert entry.details == {"version": 2}
    assert entries(action=Action.WORKFLOW_SETTINGS_CHANGED) == []  # the graph only: no settings entry

    assert session.patch(f"/api/workflows/{wf}/", {"name": "Invoices (EU)"}, format="json").status_code == 200
    entry = _one(Action.WORKFLOW_SETTINGS_CHANGED)
    assert entry.details == {"fields": ["name"]} and entry.target_name == "Invoices (EU)"
    assert len(entries(action=Action.WORKFLOW_CHANGED)) == 1  # a rename makes no version

    assert session.get(f"/api/workflows/{wf}/export/").status_code == 200
    entry = _one(Action.WORKFLOW_EXPORTED)
    _is(entry, actor=user, target_type="workflow", target_id=wf)
    assert entry.details == {"version": 2}

    assert session.delete(f"/api/workflows/{wf}/").status_code == 204
    entry = _one(Action.WORKFLOW_DELETED)
    _is(entry, actor=user, target_type="workflow", target_id=wf)
    assert not Workflow.objects.filter(pk=wf).exists()
    # The deleted workflow's entries still read, by the name it had.
    assert entry.target_name == "Invoices (EU)"
    listed = session.get(f"/api/audit/?workflow={wf}").json()
    assert [e["action"] for e in listed["results"]] == [
        "workflow.deleted",
        "workflow.exported",
        "workflow.settings_changed",
        "workflow.changed",
        "workflow.created",
    ]
    assert not any(e["target_exists"] for e in listed["results"])


def test_a_refused_save_writes_nothing(db, user, session):
    wf = session.post("/api/workflows/", {"name": "W", "graph": valid_graph()}, format="json").json()["id"]
    stale = session.put(f"/api/workflows/{wf}/", {"name": "W", "graph": MANUAL, "base_version": 7}, format="json")
    assert stale.status_code == 409
    assert entries(action=Action.WORKFLOW_CHANGED) == [] and entries(action=Action.WORKFLOW_SETTINGS_CHANGED) == []


def test_duplicate_import_and_restore(db, user, session):
    wf = session.post("/api/workflows/", {"name": "Source", "graph": valid_graph()}, format="json").json()["id"]
    copy = session.post(f"/api/workflows/{wf}/duplicate/").json()["id"]
    entry = _one(Action.WORKFLOW_DUPLICATED)
    _is(entry, actor=user, target_type="workflow", target_id=copy)
    assert entry.details == {"from_workflow": wf, "version": 1}
    exported = session.get(f"/api/workflows/{wf}/export/").json()
    imported = session.post("/api/workflows/import/", exported, format="json").json()["id"]
    _is(_one(Action.WORKFLOW_IMPORTED), actor=user, target_type="workflow", target_id=imported)
    session.patch(f"/api/workflows/{wf}/", {"graph": MANUAL}, format="json")
    assert session.post(f"/api/workflows/{wf}/versions/1/restore/").status_code == 200
    restored = entries(action=Action.WORKFLOW_CHANGED, target_id=str(wf))
    assert [e.details for e in restored] == [{"version": 2}, {"version": 3, "restored_from": 1}]


def test_runs_started_through_the_api_say_how(db, user, collecting):
    session = client_from(user)
    wf = session.post("/api/workflows/", {"name": "Runs", "graph": MANUAL}, format="json").json()["id"]
    manual = session.post(f"/api/workflows/{wf}/runs/", {"input": {}}, format="json").json()["id"]
    entry = _one(Action.RUN_STARTED)
    _is(entry, actor=user, target_type="run", target_id=manual)
    assert entry.workflow_id == wf and entry.target_name == f"Runs #{manual}" and entry.details == {"trigger": "manual", "version": 1}

    token = client_from(user, token=True, address="198.51.100.20")
    by_token = token.post(f"/api/workflows/{wf}/runs/", {"input": {}}, format="json").json()["id"]
    entry = _one(Action.RUN_STARTED, how=How.TOKEN)
    _is(entry, actor=user, target_type="run", target_id=by_token, how=How.TOKEN, address="198.51.100.20")
    assert entry.details == {"trigger": "api", "version": 1}

    assert token.post(f"/api/runs/{by_token}/cancel/").status_code == 200
    _is(_one(Action.RUN_CANCELLED), actor=user, target_type="run", target_id=by_token, how=How.TOKEN, address="198.51.100.20")
    rerun = session.post(f"/api/runs/{manual}/rerun/", {}, format="json").json()["id"]
    entry = _one(Action.RUN_RERUN)
    _is(entry, actor=user, target_type="run", target_id=rerun)
    assert entry.details == {"from_run": manual, "from_node": None, "version": 1}


def test_a_refused_run_start_writes_nothing(db, user, collecting, settings):
    settings.STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER = 1
    session = client_from(user)
    wf = session.post("/api/workflows/", {"name": "Runs", "graph": MANUAL}, format="json").json()["id"]
    assert session.post(f"/api/workflows/{wf}/runs/", {"input": {}}, format="json").status_code == 201
    assert session.post(f"/api/workflows/{wf}/runs/", {"input": {}}, format="json").status_code == 429
    assert len(entries(action=Action.RUN_STARTED)) == 1


def test_a_webhook_run_has_no_actor_and_the_callers_address(db, collecting):
    owner = make_user("hooked")
    workflow, endpoint = make_hook(owner=owner)
    body = json.dumps({"order": "A-1", "qty": 1}).encode()
    headers = {**signed(endpoint, body), "REMOTE_ADDR": "192.0.2.44", "HTTP_USER_AGENT": "Shop/2"}
    response = post(endpoint, body, headers=headers)
    assert response.status_code == 202
    run_id = response.json()["run_id"]
    entry = _one(Action.RUN_STARTED)
    assert entry.actor is None and entry.actor_name == "" and entry.owner == owner
    assert (entry.target_type, entry.target_id, entry.workflow_id) == ("run", str(run_id), workflow.pk)
    assert (entry.how, entry.address, entry.user_agent) == (How.WEBHOOK, "192.0.2.44", "Shop/2")
    assert entry.details == {"trigger": "webhook", "node_id": "hook", "version": 1}
    # The same delivery again starts no run, and writes no entry.
    assert post(endpoint, body, headers=headers).json()["duplicate"] is True
    assert len(entries(action=Action.RUN_STARTED)) == 1
    # A refused call (bad signature) starts nothing and writes nothing.
    assert post(endpoint, body, headers={**headers, "HTTP_WEBHOOK_SIGNATURE": "v1,bm9wZQ=="}).status_code == 401
    assert len(entries(action=Action.RUN_STARTED)) == 1


@pytest.mark.usefixtures("embedded")
def test_an_approval_and_a_rejection_write_one_entry_each():
    user = make_user("approver")
    session = client_from(user)
    graph = {
        "nodes": [node("start", "trigger.manual"), node("review", "approval", {"message": "Refund?"}), node("pay", "noop")],
        "edges": [edge("e1", "start", "review"), edge("e2", "review", "pay", "approved")],
    }
    wf = session.post("/api/workflows/", {"name": "Refunds", "graph": graph}, format="json").json()["id"]
    first = Run.objects.get(pk=session.post(f"/api/workflows/{wf}/runs/", {"input": {}}, format="json").json()["id"])
    second = Run.objects.get(pk=session.post(f"/api/workflows/{wf}/runs/", {"input": {}}, format="json").json()["id"])
    wait_for_step(first, "review", "waiting")
    wait_for_step(second, "review", "waiting")
    approve = session.post(f"/api/runs/{first.pk}/steps/review/approve/", {"comment": "fine", "payload": {"n": 1}}, format="json")
    assert approve.status_code == 200
    entry = _one(Action.STEP_APPROVED)
    _is(entry, actor=user, target_type="run", target_id=first.pk)
    assert entry.details == {"node_id": "review"} and entry.workflow_id == wf
    # A second answer is refused (409) and writes nothing.
    assert session.post(f"/api/runs/{first.pk}/steps/review/approve/", {}, format="json").status_code == 409
    assert len(entries(action=Action.STEP_APPROVED)) == 1
    assert session.post(f"/api/runs/{second.pk}/steps/review/reject/", {"comment": "no"}, format="json").status_code == 200
    _is(_one(Action.STEP_REJECTED), actor=user, target_type="run", target_id=second.pk)


def test_activation_and_the_webhook_secret(db, user, session):
    graph = {"nodes": [node("hook", "trigger.webhook", {"methods": ["POST"]}), node("n", "noop")], "edges": [edge("e1", "hook", "n")]}
    wf = session.post("/api/workflows/", {"name": "Hook", "graph": graph}, format="json").json()["id"]
    assert session.post(f"/api/workflows/{wf}/activate/").status_code == 200
    assert _one(Action.WORKFLOW_ACTIVATED).details == {"version": 1}
    assert session.get(f"/api/workflows/{wf}/triggers/hook/secret/").status_code == 200
    assert session.post(f"/api/workflows/{wf}/triggers/hook/secret/").status_code == 200
    assert _one(Action.WEBHOOK_SECRET_VIEWED).details == {"node_id": "hook"}
    assert _one(Action.WEBHOOK_SECRET_ROTATED).details == {"node_id": "hook"}
    assert session.get(f"/api/workflows/{wf}/triggers/nope/secret/").status_code == 404
    assert len(entries(action=Action.WEBHOOK_SECRET_VIEWED)) == 1
    assert session.post(f"/api/workflows/{wf}/deactivate/").status_code == 200
    _is(_one(Action.WORKFLOW_DEACTIVATED), actor=user, target_type="workflow", target_id=wf)
