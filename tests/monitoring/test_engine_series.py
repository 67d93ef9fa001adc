"""The series of the engine's other outcomes: timers due and fired with their lag, the
tick's duration, a lease taken back, webhook calls by result; each counted once."""

from __future__ import annotations

import time

import pytest

from engine.clock import tick
from engine.orchestration.runs import run_start
from engine.store.models import StepRun
from engine.store.writes import step_claim
from monitoring.exposition import render
from tests.engine.harness import run_golden, step_execute
from tests.engine.triggers.conftest import make_hook, post, signed
from tests.factories import edge, make_user, make_workflow, node
from tests.monitoring.scrape import delta, parse


def _scrape():
    return parse(render().decode())


def test_a_wait_is_one_timer_due_and_fired_with_its_lag(embedded, ledger):
    before = _scrape()
    run = run_golden("wait", make_user(), ledger.base)
    assert run.status == "succeeded"
    after = _scrape()
    assert delta(after, before, "stepwise_steps_finished_total", node_type="wait", outcome="waiting") == 1
    assert delta(after, before, "stepwise_timers_due_total") == 1
    assert delta(after, before, "stepwise_timers_fired_total") == 1
    assert delta(after, before, "stepwise_timer_lag_seconds_count") == 1
    assert delta(after, before, "stepwise_steps_finished_total", node_type="transform", outcome="succeeded") == 1
    assert delta(after, before, "stepwise_tick_duration_seconds_count") >= 1  # the embedded tick ran meanwhile


@pytest.mark.django_db(transaction=True)
def test_a_lease_taken_back_is_one_reclaim(collecting, ledger):
    user = make_user()
    work = node("work", "http.request", {"method": "POST", "url": f"{ledger.base}/status/200", "json": {}})
    graph = {"nodes": [node("start", "trigger.manual"), work], "edges": [edge("e1", "start", "work")]}
    run = run_start(workflow=make_workflow(user, graph=graph), user=user)
    step = StepRun.objects.get(run=run, node_id="work")
    before = _scrape()
    assert step_claim(step.pk, worker="dead-worker", token="t", lease_s=0.01)
    time.sleep(0.05)
    assert tick()["reclaimed"] == 1
    step_execute(step.pk, worker="w2")
    after = _scrape()
    assert delta(after, before, "stepwise_lease_reclaims_total", result="reclaimed") == 1
    assert delta(after, before, "stepwise_tick_duration_seconds_count") == 1
    assert delta(after, before, "stepwise_steps_finished_total", node_type="http.request", outcome="succeeded") == 1
    assert delta(after, before, "stepwise_step_queue_wait_seconds_count") == 1  # w2's claim (the test's own was by hand)


@pytest.mark.django_db(transaction=True)
def test_webhook_calls_are_counted_by_result(collecting):
    _, endpoint = make_hook()
    body = b'{"order": "A-17", "qty": 3}'
    before = _scrape()
    assert post(endpoint, body, headers=signed(endpoint, body, msg_id="m1")).status_code == 202
    assert post(endpoint, body, headers=signed(endpoint, body, msg_id="m1")).status_code == 202
    assert post(endpoint, body).status_code == 401  # unsigned
    endpoint.token = "no-such-hook"
    assert post(endpoint, body).status_code == 404
    after = _scrape()
    assert delta(after, before, "stepwise_webhook_calls_total", result="accepted") == 1
    assert delta(after, before, "stepwise_webhook_calls_total", result="duplicate") == 1
    assert delta(after, before, "stepwise_webhook_calls_total", result="401") == 1
    assert delta(after, before, "stepwise_webhook_calls_total", result="404") == 1
    assert delta(after, before, "stepwise_runs_started_total", trigger="webhook") == 1
    assert delta(after, before, "stepwise_http_requests_total", method="POST", route="/hooks/<str:token>", status="202") == 2
