"""Defects a review of the triggers found, each reproduced: bodies the database cannot
store, a bad ?wait= after the run had started, a daily job twice on the night the clocks go
back, cron expressions that pass the syntax check but never fire, live triggers missing
from the list once dropped from the draft, guessed ids on public hooks, an unrunnable active
version's problems shown to anyone, a long outage's catch-up slot, a failing schedule
stopping the tick."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from designer import services
from engine import clock as tick_module
from engine.store.models import Run
from engine.triggers.activation import workflow_activate
from engine.triggers.models import Schedule
from engine.triggers.schedules import schedules_fire, slots_between
from tests.engine.triggers.conftest import make_hook, post, signed
from tests.engine.triggers.test_schedules import make_schedule
from tests.factories import edge, make_user, node


@pytest.mark.parametrize(
    ("body", "content_type", "suffix", "says"),
    [
        (b"[" * 50_000 + b"]" * 50_000, "application/json", "", "nested too deeply"),
        (b'{"qty": NaN}', "application/json", "", "not valid JSON"),
        (b'{"qty": Infinity}', "application/json", "", "not valid JSON"),
        (b'{"name": "a\\u0000b"}', "application/json", "", "NUL"),
        (b'{"name": "\\ud800"}', "application/json", "", "surrogate"),
        (b'{"ok": 1}', "application/json", "?q=a%00b", "NUL"),
    ],
)
def test_bodies_the_database_cannot_store_are_400_and_start_nothing(db, body, content_type, suffix, says):
    _, endpoint = make_hook({"max_body_bytes": 1_048_576})
    response = post(endpoint, body, headers=signed(endpoint, body), content_type=content_type, path_suffix=suffix)
    assert response.status_code == 400, response.content[:200]
    assert says in response.json()["detail"]
    assert Run.objects.count() == 0


@pytest.mark.parametrize("wait", ["abc", "-1", "nan", "inf"])
def test_a_bad_wait_is_refused_before_any_run_starts(db, wait):
    _, endpoint = make_hook()
    body = b'{"order": "A-1", "qty": 1}'
    response = post(endpoint, body, headers=signed(endpoint, body), path_suffix=f"?wait={wait}")
    assert response.status_code == 400 and "?wait=" in response.json()["detail"]
    assert Run.objects.count() == 0


def test_a_daily_job_runs_once_on_the_night_the_clocks_go_back():
    night = (datetime(2025, 11, 1, tzinfo=UTC), datetime(2025, 11, 4, tzinfo=UTC))
    assert [s.isoformat() for s in slots_between("30 1 * * *", "America/New_York", *night)] == [
        "2025-11-01T05:30:00+00:00",
        "2025-11-02T05:30:00+00:00",
        "2025-11-03T06:30:00+00:00",
    ]
    # A job every 30 minutes of every hour runs through both 01:00-02:00 hours.
    repeated = slots_between("*/30 * * * *", "America/New_York", datetime(2025, 11, 2, 5, tzinfo=UTC), datetime(2025, 11, 2, 7, tzinfo=UTC))
    assert len(repeated) == 5


@pytest.mark.parametrize(
    ("cron", "says"),
    [("0 0 31 2 *", "never fires"), ("R * * * *", "random"), ("* * * * * *", "5 fields"), ("0 H * * *", "not a valid")],
)
def test_cron_expressions_that_never_fire_or_drift_are_problems_not_500s(db, cron, says):
    owner = make_user()
    graph = {"nodes": [node("every", "trigger.schedule", {"cron": cron}), node("work", "noop")], "edges": [edge("e1", "every", "work")]}
    workflow, problems = services.workflow_create(owner=owner, name="Cron", graph=graph)
    assert [(p.node_id, p.field) for p in problems] == [("every", "/config/cron")] and says in problems[0].message
    api = APIClient()
    api.force_login(owner)
    response = api.post(f"/api/workflows/{workflow.pk}/activate/")
    assert response.status_code == 422 and response.json()["problems"][0]["node_id"] == "every"


def test_a_live_trigger_dropped_from_the_draft_is_still_listed(db):
    workflow, endpoint = make_hook()
    graph = json.loads(json.dumps(workflow.graph))
    graph["nodes"][0] = node("manual", "trigger.manual")
    graph["edges"][0]["source"] = "manual"
    services.workflow_update(workflow=workflow, actor=workflow.owner, graph=graph)
    api = APIClient()
    api.force_login(workflow.owner)
    listed = api.get(f"/api/workflows/{workflow.pk}/triggers/").json()
    assert [(t["node_id"], t["live"]) for t in listed] == [("hook", True)]
    assert api.get(f"/api/workflows/{workflow.pk}/triggers/hook/secret/").json()["secret"] == endpoint.secret


def test_on_a_public_hook_an_id_deduplicates_only_the_same_body(db):
    _, endpoint = make_hook({"public": True, "response_mode": "async"})
    first = post(endpoint, b'{"order": "mine"}', headers={"HTTP_WEBHOOK_ID": "evt_1001"}).json()
    again = post(endpoint, b'{"order": "mine"}', headers={"HTTP_WEBHOOK_ID": "evt_1001"}).json()
    guessed = post(endpoint, b'{"order": "theirs"}', headers={"HTTP_WEBHOOK_ID": "evt_1001"}).json()
    assert again["run_id"] == first["run_id"] and again["duplicate"] is True
    assert guessed["run_id"] != first["run_id"] and guessed["duplicate"] is False


def test_an_active_version_that_can_no_longer_run_is_a_503_that_tells_nothing(db):
    owner = make_user()
    child, _ = services.workflow_create(owner=owner, name="Child", graph={"nodes": [node("start", "trigger.manual")], "edges": []})
    graph = {
        "nodes": [node("hook", "trigger.webhook", {"methods": ["POST"]}), node("call", "workflow.call", {"workflow_id": child.pk})],
        "edges": [edge("e1", "hook", "call")],
    }
    workflow, problems = services.workflow_create(owner=owner, name="Parent", graph=graph)
    assert problems == []
    workflow_activate(workflow=workflow, actor=owner)
    services.workflow_delete(workflow=child)
    endpoint = workflow.webhooks.get()
    body = b'{"n": 1}'
    response = post(endpoint, body, headers=signed(endpoint, body))
    assert response.status_code == 503
    assert response.json() == {"detail": "The workflow behind this hook cannot run right now; its owner can see why.", "problems": []}
    assert Run.objects.count() == 0


def test_after_a_long_outage_run_once_catches_up_with_the_latest_missed_slot(db):
    t0 = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
    workflow = make_schedule(misfire="run_once", at=t0)
    back = t0 + timedelta(days=20)  # 28,800 missed minutes: more than one walk covers
    schedules_fire(back)
    catch_up = Run.objects.filter(workflow=workflow).order_by("id").first()
    assert catch_up.input["scheduled_at"] == (back - timedelta(seconds=60)).replace(second=0).isoformat()
    assert Schedule.objects.get(workflow=workflow).next_fire_at > back


def test_a_failing_schedule_does_not_stop_the_rest_of_the_tick(db, monkeypatch):
    def broken(now):
        raise RuntimeError("croniter blew up")

    monkeypatch.setattr(tick_module, "schedules_fire", broken)
    counts = tick_module.tick()
    assert counts["scheduled"] == 0 and set(counts) >= {"dispatched", "reclaimed", "timers"}
