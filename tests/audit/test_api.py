"""GET /api/audit/: one's own entries only, newest first, paginated and filtered like the
other lists; a bad filter is a 400 naming it."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from audit.models import Action, How
from engine.triggers.schedules import schedules_fire
from tests.audit.conftest import client_from, entries
from tests.engine.triggers.test_schedules import T0, make_schedule
from tests.factories import edge, make_user, make_workflow, node, valid_graph


def _results(client, query=""):
    response = client.get(f"/api/audit/{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def test_another_users_entries_are_never_visible(db, user, other_user):
    alice, mallory = client_from(user), client_from(other_user)
    wf = alice.post("/api/workflows/", {"name": "Private", "graph": valid_graph()}, format="json").json()["id"]
    alice.get(f"/api/workflows/{wf}/export/")
    mine = _results(alice, "?target_type=workflow")
    assert [e["action"] for e in mine["results"]] == ["workflow.exported", "workflow.created"]
    assert mine["results"][0]["actor"] == "alice" and mine["results"][0]["target_exists"] is True
    # Mallory's log has her own sign-in only: nothing of Alice's, by any filter.
    assert [e["action"] for e in _results(mallory)["results"]] == ["auth.signed_in"]
    assert _results(mallory, f"?target_id={wf}")["count"] == 0
    assert _results(mallory, f"?target_type=workflow&target_id={wf}")["count"] == 0
    assert _results(mallory, f"?workflow={wf}")["count"] == 0
    # And acting on Alice's workflow (a 404) writes nothing in anyone's log.
    assert mallory.get(f"/api/workflows/{wf}/export/").status_code == 404
    assert len(entries(action=Action.WORKFLOW_EXPORTED)) == 1


def test_filters_and_pages(db, user):
    alice = client_from(user)
    first = alice.post("/api/workflows/", {"name": "One", "graph": valid_graph()}, format="json").json()["id"]
    second = alice.post("/api/workflows/", {"name": "Two", "graph": valid_graph()}, format="json").json()["id"]
    alice.get(f"/api/workflows/{first}/export/")
    assert [e["target_id"] for e in _results(alice, "?action=workflow.created")["results"]] == [str(second), str(first)]
    assert [e["action"] for e in _results(alice, f"?target_type=workflow&target_id={first}")["results"]] == [
        "workflow.exported",
        "workflow.created",
    ]
    assert _results(alice, f"?workflow={second}")["count"] == 1
    page = _results(alice, "?target_type=workflow&page_size=2")
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    now = timezone.now()
    later = (now + timedelta(hours=1)).isoformat()
    earlier = (now - timedelta(hours=1)).isoformat()
    assert _results(alice, f"?after={later.replace('+', '%2B')}")["count"] == 0
    assert _results(alice, f"?target_type=workflow&after={earlier.replace('+', '%2B')}&before={later.replace('+', '%2B')}")["count"] == 3


def test_bad_filters_are_400_naming_the_parameter(db, user):
    alice = client_from(user)
    for query, name in [
        ("?action=workflow.exploded", "action"),
        ("?target_type=planet", "target_type"),
        ("?workflow=abc", "workflow"),
        ("?workflow=99999999999999999999", "workflow"),
        ("?after=yesterday", "after"),
        ("?target_id=", "target_id"),
        ("?page_size=500", "page_size"),
    ]:
        response = alice.get(f"/api/audit/{query}")
        assert response.status_code == 400, (query, response.content)
        assert name in response.content.decode(), (query, response.json())


def test_signed_out_is_401(anon):
    assert anon.get("/api/audit/").status_code == 401


def test_a_scheduled_run_has_no_actor_and_no_address(db):
    owner = make_user("cron")
    workflow = make_schedule(owner=owner)
    assert schedules_fire(T0 + timedelta(minutes=1)) == 1
    (entry,) = entries(action=Action.RUN_STARTED)
    assert entry.owner == owner and entry.actor is None and entry.how == How.SCHEDULE and entry.address is None
    assert entry.workflow_id == workflow.pk and entry.details == {"trigger": "schedule", "node_id": "every", "version": 1}


def test_a_run_started_from_the_command_line_says_so(db, collecting):
    owner = make_user("shell")
    graph = {"nodes": [node("start", "trigger.manual"), node("n", "noop")], "edges": [edge("e1", "start", "n")]}
    workflow = make_workflow(owner, graph=graph)
    call_command("run_workflow", str(workflow.pk), "--input", "{}")
    (entry,) = entries(action=Action.RUN_STARTED)
    assert entry.owner == owner and entry.actor is None and entry.how == How.COMMAND and entry.address is None
    assert entry.workflow_id == workflow.pk and entry.details == {"trigger": "api", "version": 1}
