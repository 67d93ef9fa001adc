"""Admission in the embedded mode: the quota of runs per run tree (a self-calling map), the
in-flight quota per user (429 from the API and from a webhook), and a workflow's
concurrency limit with each policy, the queued run's reason, its cancel, and the tick
promoting what nobody promoted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from designer import services
from designer.models import Workflow
from engine.clock import tick
from engine.orchestration.cancel import run_cancel
from engine.orchestration.runs import run_start
from engine.store.models import Run, RunEvent
from engine.store.statuses import RUN_TERMINAL
from engine.triggers.models import ScheduleSlot
from engine.triggers.schedules import schedules_fire
from tests.engine.harness import wait_for
from tests.engine.triggers.conftest import make_hook, post
from tests.engine.triggers.test_schedules import T0, make_schedule
from tests.factories import edge, make_user, node


def _workflow(user, *nodes, edges=(), **settings_):
    graph = {"nodes": [node("start", "trigger.manual"), *nodes], "edges": list(edges)}
    workflow, problems = services.workflow_create(owner=user, name="wf", graph=graph, **settings_)
    assert problems == [], problems
    return workflow


def _pausing(user, seconds, **settings_):
    return _workflow(
        user, node("pause", "wait", {"mode": "duration", "duration_s": seconds}), edges=[edge("e1", "start", "pause")], **settings_
    )


def self_calling_map(user):
    """A map over [1, 2, 3] whose child is the workflow itself: 3^depth runs."""
    workflow = _workflow(user, node("each", "noop"), edges=[edge("e1", "start", "each")])
    graph = {
        "nodes": [
            node("start", "trigger.manual"),
            node("each", "map", {"workflow_id": workflow.pk, "items": [1, 2, 3], "max_concurrency": 3}),
        ],
        "edges": [edge("e1", "start", "each")],
    }
    services.workflow_update(workflow=workflow, actor=user, graph=graph)
    return workflow


def wait_all_ended(workflow, timeout=60):
    import time

    deadline = time.monotonic() + timeout
    while Run.objects.filter(workflow=workflow).exclude(status__in=RUN_TERMINAL).exists():
        assert time.monotonic() < deadline, list(Run.objects.filter(workflow=workflow).values_list("id", "status"))
        time.sleep(0.05)


def assert_tree_quota_held(workflow, top, bound):
    """The tree stopped at the bound, with the clear error on the step that would pass it."""
    runs = Run.objects.filter(workflow=workflow)
    assert runs.count() <= bound
    top.refresh_from_db()
    assert top.status == "failed" and top.tree_runs == runs.count()  # the counter is the truth
    assert set(runs.exclude(pk=top.pk).values_list("root_id", flat=True)) == {top.pk}
    refused = [s for r in runs for s in r.steps.filter(node_id="each", status="failed") if s.error["code"] == "run_quota_exceeded"]
    assert refused, [r.error for r in runs]
    message = refused[0].error["message"]
    assert f"the limit is {bound} (STEPWISE_MAX_RUNS_PER_ROOT)" in message, message
    assert refused[0].input["items"] == [1, 2, 3]  # the step keeps its input
    assert len(refused[0].attempts) == 1  # not retried
    assert not Run.objects.filter(parent_step__in=[s.pk for s in refused]).exists()  # refused whole


def test_a_self_calling_map_stops_at_the_tree_quota(embedded, settings):
    settings.STEPWISE_MAX_RUNS_PER_ROOT = 20
    user = make_user()
    workflow = self_calling_map(user)
    top = run_start(workflow=workflow, user=user)
    wait_all_ended(workflow)
    assert_tree_quota_held(workflow, top, 20)
    assert top.error["code"] == "child_failed"  # its items failed, the deepest ones at the bound


def test_the_tree_quota_counts_each_tree_apart(embedded, settings):
    settings.STEPWISE_MAX_RUNS_PER_ROOT = 4  # the top run and its 3 items fit; nothing deeper
    user = make_user()
    child = _workflow(user, node("ok", "noop"), edges=[edge("e1", "start", "ok")])
    mapper = _workflow(user, node("each", "map", {"workflow_id": child.pk, "items": [1, 2, 3]}), edges=[edge("e1", "start", "each")])
    for _ in range(2):  # a second tree has a budget of its own
        top = wait_for(run_start(workflow=mapper, user=user))
        assert top.status == "succeeded" and top.tree_runs == 4
    too_many = _workflow(user, node("each", "map", {"workflow_id": child.pk, "items": [1, 2, 3, 4]}), edges=[edge("e1", "start", "each")])
    refused = wait_for(run_start(workflow=too_many, user=user))
    assert refused.status == "failed" and refused.error["code"] == "run_quota_exceeded"
    assert not Run.objects.filter(parent_step__run=refused).exists()


# Runs in flight per user ----------------------------------------------------------------


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_a_user_over_the_in_flight_quota_gets_429_and_another_user_does_not(embedded, settings):
    settings.STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER = 2
    busy, other = make_user(), make_user()
    workflow = _pausing(busy, 3600)
    client = _client(busy)
    for _ in range(2):
        assert client.post(f"/api/workflows/{workflow.pk}/runs/", {"input": {}}, format="json").status_code == 201
    refused = client.post(f"/api/workflows/{workflow.pk}/runs/", {"input": {}}, format="json")
    assert refused.status_code == 429
    body = refused.json()
    assert "2 runs in flight" in body["detail"] and "the limit is 2" in body["detail"] and body["problems"] == []
    assert int(refused["Retry-After"]) > 0
    assert Run.objects.filter(owner=busy).count() == 2
    theirs = _pausing(other, 3600)
    assert _client(other).post(f"/api/workflows/{theirs.pk}/runs/", {"input": {}}, format="json").status_code == 201
    # A run that ends gives its place back.
    run_cancel(run=Run.objects.filter(owner=busy).first())
    assert client.post(f"/api/workflows/{workflow.pk}/runs/", {"input": {}}, format="json").status_code == 201


def test_zero_means_no_in_flight_quota(embedded, settings):
    settings.STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER = 0
    user = make_user()
    workflow = _pausing(user, 3600)
    assert all(run_start(workflow=workflow, user=user).status == "running" for _ in range(3))


def test_a_webhook_over_the_owners_quota_is_429_and_starts_nothing(db, settings):
    settings.STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER = 1
    workflow, endpoint = make_hook({"public": True})
    assert post(endpoint, b"{}").status_code == 202
    Run.objects.filter(workflow=workflow).update(status="running")  # still in flight
    refused = post(endpoint, b"{}")
    assert refused.status_code == 429 and "too many runs in flight" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0 and Run.objects.filter(workflow=workflow).count() == 1


def test_a_schedule_slot_past_the_owners_quota_starts_no_run(db, settings, caplog):
    settings.STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER = 1
    workflow = make_schedule()
    schedules_fire(T0 + timedelta(seconds=35))  # the 12:01 slot
    Run.objects.filter(workflow=workflow).update(status="running")  # still in flight
    schedules_fire(T0 + timedelta(seconds=95))  # the 12:02 slot
    assert Run.objects.filter(workflow=workflow).count() == 1
    slots = list(ScheduleSlot.objects.filter(workflow=workflow).order_by("slot_at"))
    assert [s.run_id is None for s in slots] == [False, True]  # recorded, not tried again
    assert "STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER" in caplog.text


# Concurrency limits ---------------------------------------------------------------------


def run_intervals(runs):
    """(running at, ended at) of each run, from its events."""
    intervals = []
    for run in runs:
        events = {e.status: e.at for e in RunEvent.objects.filter(run=run, kind="run")}
        ended = [at for status, at in events.items() if status in RUN_TERMINAL]
        intervals.append((events["running"], ended[0]))
    return intervals


def most_at_once(intervals):
    """The largest number of intervals open at the same moment (an end before a start at
    the same instant: a slot freed, then taken)."""
    points = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals], key=lambda p: (p[0], p[1]))
    open_, most = 0, 0
    for _, change in points:
        open_ += change
        most = max(most, open_)
    return most


def test_limit_2_queue_runs_6_two_at_a_time_in_order(embedded):
    user = make_user()
    workflow = _pausing(user, 0.3, concurrency_limit=2, concurrency_policy="queue")
    runs = [run_start(workflow=workflow, user=user) for _ in range(6)]
    assert [r.status for r in runs] == ["running", "running"] + ["queued"] * 4
    detail = _client(user).get(f"/api/runs/{runs[3].pk}/").json()
    assert detail["status"] == "queued"
    assert detail["queued_reason"].startswith("Waiting for a free slot: 2 of 2 runs of this workflow are running"), detail
    assert "1 queued run will start before this one" in detail["queued_reason"]
    for run in runs:
        assert wait_for(run, timeout=30).status == "succeeded"
    intervals = run_intervals(runs)
    assert most_at_once(intervals) == 2
    starts = [start for start, _ in intervals]
    assert starts == sorted(starts)  # in order of creation
    assert all(r.limited for r in Run.objects.filter(pk__in=[r.pk for r in runs]))


def test_cancel_new_cancels_the_run_past_the_limit_with_its_reason(embedded):
    user = make_user()
    workflow = _pausing(user, 3600, concurrency_limit=1, concurrency_policy="cancel_new")
    first = run_start(workflow=workflow, user=user)
    second = run_start(workflow=workflow, user=user)
    assert first.status == "running" and second.status == "cancelled"
    assert second.error["code"] == "concurrency_limit" and "1 of 1 runs" in second.error["message"]
    assert "cancel_new" in second.error["message"]
    cancelled = RunEvent.objects.get(run=second, kind="run", status="cancelled")
    assert "concurrency limit was reached" in cancelled.data["reason"]
    assert not second.steps.exclude(node_id="start").exists()
    run_cancel(run=first)
    assert wait_for(first).status == "cancelled"
    assert run_start(workflow=workflow, user=user).status == "running"  # the slot is free again


def test_fail_new_fails_the_run_past_the_limit(embedded):
    user = make_user()
    workflow = _pausing(user, 3600, concurrency_limit=1, concurrency_policy="fail_new")
    first = run_start(workflow=workflow, user=user)
    second = run_start(workflow=workflow, user=user)
    assert first.status == "running" and second.status == "failed" and second.started_at is None
    assert second.error["code"] == "concurrency_limit"
    assert "concurrency limit was reached: 1 of 1 runs" in second.error["message"] and "fail_new" in second.error["message"]
    assert [e.status for e in RunEvent.objects.filter(run=second, kind="run").order_by("seq")] == ["queued", "failed"]


def test_a_queued_run_can_be_cancelled_and_never_starts(embedded):
    user = make_user()
    workflow = _pausing(user, 3600, concurrency_limit=1)
    first, waiting, last = (run_start(workflow=workflow, user=user) for _ in range(3))
    assert (first.status, waiting.status, last.status) == ("running", "queued", "queued")
    response = _client(user).post(f"/api/runs/{waiting.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    run_cancel(run=first)
    assert wait_for(last, statuses={"running"}).status == "running"  # the next in line, not the cancelled one
    waiting.refresh_from_db()
    assert waiting.status == "cancelled" and waiting.started_at is None


def test_the_tick_promotes_queued_runs_when_a_slot_is_free(db, collecting):
    user = make_user()
    workflow = _pausing(user, 3600, concurrency_limit=1)
    first, second, third = (run_start(workflow=workflow, user=user) for _ in range(3))
    assert (first.status, second.status, third.status) == ("running", "queued", "queued")
    # The limit raised behind the engine's back: nobody promoted; the tick does.
    Workflow.objects.filter(pk=workflow.pk).update(concurrency_limit=2)
    assert tick()["promoted"] == 1
    second.refresh_from_db(), third.refresh_from_db()
    assert (second.status, third.status) == ("running", "queued")
    assert tick()["promoted"] == 0
    Workflow.objects.filter(pk=workflow.pk).update(concurrency_limit=None)  # removed: all start
    assert tick()["promoted"] == 1
    third.refresh_from_db()
    assert third.status == "running"


def test_a_workflow_without_a_limit_is_not_held(db, collecting):
    user = make_user()
    workflow = _pausing(user, 3600)
    runs = [run_start(workflow=workflow, user=user) for _ in range(4)]
    assert {r.status for r in runs} == {"running"} and not any(r.limited for r in runs)


@pytest.mark.parametrize("policy", ["queue", "cancel_new", "fail_new"])
def test_a_map_child_of_a_limited_workflow_is_governed_by_its_map(embedded, policy):
    user = make_user()
    child = _pausing(user, 0, concurrency_limit=1, concurrency_policy=policy)
    mapper = _workflow(user, node("each", "map", {"workflow_id": child.pk, "items": [1, 2, 3]}), edges=[edge("e1", "start", "each")])
    top = wait_for(run_start(workflow=mapper, user=user), timeout=30)
    assert top.status == "succeeded" and len(top.output["each"]) == 3


def test_retry_from_failure_waits_for_a_free_slot(embedded):
    user = make_user()
    graph = {
        "nodes": [node("start", "trigger.manual"), node("pick", "condition", {"expression": "trigger.fail = true"}),
                  node("boom", "fail", {"message": "no"}), node("pause", "wait", {"mode": "duration", "duration_s": 3600})],
        "edges": [edge("e1", "start", "pick"), edge("e2", "pick", "boom", "true"), edge("e3", "pick", "pause", "false")],
    }  # fmt: skip
    workflow, problems = services.workflow_create(owner=user, name="wf", graph=graph, concurrency_limit=1)
    assert problems == []
    failed = wait_for(run_start(workflow=workflow, user=user, payload={"fail": True}))
    assert failed.status == "failed"
    busy = run_start(workflow=workflow, user=user, payload={"fail": False})
    assert busy.status == "running"
    refused = _client(user).post(f"/api/runs/{failed.pk}/retry/")
    assert refused.status_code == 409 and "1 of 1 runs of it are running" in refused.json()["detail"]
    failed.refresh_from_db()
    assert failed.status == "failed"
    run_cancel(run=busy)
    assert wait_for(busy).status == "cancelled"
    assert _client(user).post(f"/api/runs/{failed.pk}/retry/").status_code == 200
    assert wait_for(failed).status == "failed"  # it fails again (the same input), having run
    assert failed.steps.get(node_id="boom").attempt == 2 and failed.limited
