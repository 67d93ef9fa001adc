"""Leases kept alive by a heartbeat, every attempt kept in the record (lost ones too), an
at-most-once step never sent twice, and timers that fire on time, not on the tick."""

from __future__ import annotations

import itertools
import statistics
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from catalog.nodes.http_request import retry_after_s
from designer.validation.advice import graph_warnings
from engine.clock import tick
from engine.orchestration.outcomes import backoff_s
from engine.orchestration.runs import run_start
from engine.store.models import RunEvent, StepRun
from engine.store.statuses import StepStatus
from engine.store.writes import step_claim
from tests.engine.harness import step_execute, wait_for, wait_for_step
from tests.factories import edge, make_user, make_workflow, node

S = StepStatus


def _one_step(base: str, path: str, **extra) -> dict:
    work = node("work", "http.request", {"method": "POST", "url": f"{base}{path}", "json": {}}, **extra)
    return {"nodes": [node("start", "trigger.manual"), work], "edges": [edge("e1", "start", "work")]}


def test_a_running_step_keeps_its_short_lease_by_its_heartbeat(embedded, ledger, settings):
    settings.STEPWISE_LEASE_S = 1.5  # renewed every 0.5 s; the tick (every 0.05 s) would take it back otherwise
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=_one_step(ledger.base, "/slow/4", timeout_s=10)), user=user)
    wait_for_step(run, "work", S.RUNNING)
    time.sleep(2.5)  # past the first lease
    step = StepRun.objects.get(run=run, node_id="work")
    assert step.status == S.RUNNING and step.attempt == 1
    assert step.lease_expires_at > timezone.now()
    assert wait_for(run).status == "succeeded"
    assert list(ledger.per_key.values()) == [1]
    assert not RunEvent.objects.filter(run=run, data__reason="lease expired").exists()


@pytest.mark.django_db(transaction=True)
def test_a_lost_attempt_stays_in_the_record_with_how_it_ended(collecting, ledger):
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=_one_step(ledger.base, "/status/200")), user=user)
    step = StepRun.objects.get(run=run, node_id="work")
    assert step_claim(step.pk, worker="dead-worker", token="t", lease_s=0.01)
    time.sleep(0.05)
    assert tick()["reclaimed"] == 1
    step.refresh_from_db()
    assert step.status == S.QUEUED
    [lost] = step.attempts
    assert lost["attempt"] == 1 and lost["lost"] is True and lost["error"]["code"] == "lease_expired"
    assert "dead-worker" in lost["error"]["message"] and lost["started_at"] and lost["finished_at"]
    step_execute(step.pk, worker="w2")
    step.refresh_from_db()
    assert step.status == S.SUCCEEDED
    assert [a["attempt"] for a in step.attempts] == [1, 2]
    assert step.attempts[1]["error"] is None and "lost" not in step.attempts[1]


def test_an_at_most_once_step_whose_call_timed_out_is_interrupted_after_one_call(embedded, ledger):
    user = make_user()
    graph = _one_step(ledger.base, "/slow/3", delivery="at_most_once", timeout_s=1, retry={"max_attempts": 3, "initial_s": 0.1})
    run = run_start(workflow=make_workflow(user, graph=graph), user=user)
    wait_for_step(run, "work", S.INTERRUPTED, timeout=10)
    time.sleep(3)  # time enough for the retries it must not make
    step = StepRun.objects.get(run=run, node_id="work")
    assert step.status == S.INTERRUPTED and step.attempt == 1
    assert step.error["code"] == "timeout" and step.input["url"].endswith("/slow/3")
    assert [a["error"]["code"] for a in step.attempts] == ["timeout"]
    assert sum(ledger.per_key.values()) == 1
    run.refresh_from_db()
    assert run.status == "running"  # waiting for a person: mark it done or retry it


def test_an_at_most_once_step_is_still_retried_when_the_call_surely_failed(embedded, ledger):
    user = make_user()
    graph = _one_step(ledger.base, "/flaky/1", delivery="at_most_once", retry={"max_attempts": 2, "initial_s": 0.05})
    run = run_start(workflow=make_workflow(user, graph=graph), user=user)
    assert wait_for(run).status == "succeeded"
    assert list(ledger.per_key.values()) == [2]  # a 503 is an answer: the call did not take effect


def test_validation_warns_of_retries_on_an_at_most_once_step():
    graph = _one_step("http://x", "/", delivery="at_most_once", retry={"max_attempts": 3})
    [warning] = graph_warnings(graph)
    assert warning.code == "at_most_once_retry" and warning.node_id == "work" and warning.field == "/retry/max_attempts"
    assert graph_warnings(_one_step("http://x", "/", retry={"max_attempts": 3})) == []
    assert graph_warnings(_one_step("http://x", "/", delivery="at_most_once")) == []


def test_retry_after_is_read_as_seconds_or_an_http_date_and_capped_by_the_policy():
    now = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_s("5") == 5.0
    assert retry_after_s(format_datetime(now + timedelta(seconds=7), usegmt=True), now=now) == 7.0
    assert retry_after_s(format_datetime(now - timedelta(seconds=7), usegmt=True), now=now) == 0.0
    assert retry_after_s("soon") is None and retry_after_s(None) is None and retry_after_s("-3") is None
    assert backoff_s({"max_s": 60}, 1, retry_after_s=5) == 5
    assert backoff_s({"max_s": 3}, 1, retry_after_s=5) == 3
    assert backoff_s({"initial_s": 0.2, "backoff": "fixed", "jitter": False}, 4) == 0.2


def _gaps(step: StepRun) -> list[float]:
    """Seconds from each failed attempt's end to the next attempt's start."""
    attempts = step.attempts
    return [
        (datetime.fromisoformat(b["started_at"]) - datetime.fromisoformat(a["finished_at"])).total_seconds()
        for a, b in itertools.pairwise(attempts)
    ]


def timers_graph(base: str) -> dict:
    """A retry every 0.2 s (three times), a 0.3 s wait and a 0.3 s approval timeout."""
    retry = {"max_attempts": 4, "backoff": "fixed", "initial_s": 0.2, "jitter": False}
    nodes = [
        node("start", "trigger.manual"),
        node("r", "http.request", {"method": "POST", "url": f"{base}/flaky/3", "json": {}}, retry=retry),
        node("w", "wait", {"mode": "duration", "duration_s": 0.3}),
        node("a", "approval", {"timeout_s": 0.3, "on_timeout": "reject"}),
        node("after", "noop"),
    ]
    edges = [edge("e1", "start", "r"), edge("e2", "start", "w"), edge("e3", "start", "a"), edge("e4", "a", "after", "rejected")]
    return {"nodes": nodes, "edges": edges}


def timer_lateness(run) -> dict[str, list[float]]:
    """How late each timer of `timers_graph` fired, in seconds (negative: early)."""
    steps = {s.node_id: s for s in StepRun.objects.filter(run=run)}
    late = {"retry": [gap - 0.2 for gap in _gaps(steps["r"])]}
    for node_id in ("w", "a"):
        until = datetime.fromisoformat(RunEvent.objects.get(run=run, node_id=node_id, status=S.WAITING).data["until"])
        fired = RunEvent.objects.get(run=run, node_id=node_id, status=S.SUCCEEDED)
        late[node_id] = [(fired.at - until).total_seconds()]
    return late


def assert_on_time(late: dict[str, list[float]]) -> None:
    assert len(late["retry"]) == 3, late
    every = [x for values in late.values() for x in values]
    assert min(every) >= -0.01, late  # never early (the clock's rounding aside)
    assert statistics.median(every) <= 0.05, late  # within ~50 ms, not at the tick's next second


def test_timers_fire_on_time_not_on_the_tick_embedded(embedded_1s_tick, ledger):
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=timers_graph(ledger.base)), user=user)
    assert wait_for(run, timeout=20).status == "succeeded"
    late = timer_lateness(run)
    print(f"\ntimer lateness, embedded (s): {late}")
    assert_on_time(late)


def test_retry_after_is_honoured(embedded_1s_tick, ledger):
    user = make_user()
    graph = _one_step(ledger.base, "/after/2/1", retry={"max_attempts": 2, "initial_s": 0.1, "max_s": 60})
    run = run_start(workflow=make_workflow(user, graph=graph), user=user)
    assert wait_for(run, timeout=20).status == "succeeded"
    step = StepRun.objects.get(run=run, node_id="work")
    [gap] = _gaps(step)
    assert 2.0 - 0.01 <= gap <= 2.5, gap
    retry = RunEvent.objects.get(run=run, node_id="work", status=S.QUEUED, attempt=1)
    assert retry.data["retry_in_s"] == 2.0


def test_a_run_cancelled_while_its_at_most_once_call_hangs_ends_cancelled(embedded, ledger):
    from engine.orchestration.cancel import run_cancel

    user = make_user()
    graph = _one_step(ledger.base, "/slow/3", delivery="at_most_once", timeout_s=1, retry={"max_attempts": 3})
    run = run_start(workflow=make_workflow(user, graph=graph), user=user)
    wait_for_step(run, "work", S.RUNNING)
    run_cancel(run=run)
    assert wait_for(run, timeout=15).status == "cancelled"
    step = StepRun.objects.get(run=run, node_id="work")
    assert step.status == S.CANCELLED and [a["error"]["code"] for a in step.attempts] == ["timeout"]
    assert sum(ledger.per_key.values()) == 1


def test_a_gateway_timeout_leaves_an_at_most_once_steps_outcome_unknown(embedded, ledger):
    user = make_user()
    graph = _one_step(ledger.base, "/status/504", delivery="at_most_once", retry={"max_attempts": 3, "initial_s": 0.05})
    run = run_start(workflow=make_workflow(user, graph=graph), user=user)
    wait_for_step(run, "work", S.INTERRUPTED)
    time.sleep(0.5)
    assert StepRun.objects.get(run=run, node_id="work").attempt == 1 and sum(ledger.per_key.values()) == 1


def test_releasing_an_old_token_keeps_the_renewal_of_the_new_one():
    from engine.orchestration.leases import Heartbeat

    beat = Heartbeat()
    beat.hold(7, "old", 60)
    beat.hold(7, "new", 60)  # the step was taken back and claimed again by this process
    beat.release(7, "old")
    assert beat.held() == {7: "new"}
    beat.release(7, "new")
    assert beat.held() == {}
