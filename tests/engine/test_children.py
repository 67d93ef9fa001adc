"""Child runs (workflow.call, map) beyond the golden fixtures: the depth limit, cancel
cascading to children, retry from failure after the sub-workflow was fixed, the tick
resuming a parent whose resumption was lost, and the checks made before any child starts."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from designer import services
from engine.clock import tick
from engine.orchestration import children as children_module
from engine.orchestration.cancel import run_cancel
from engine.orchestration.control import run_retry
from engine.orchestration.runs import run_start
from engine.store.models import Run
from tests.engine.harness import wait_for, wait_for_step
from tests.factories import edge, make_user, node


def _graph(*nodes, edges=()):
    return {"nodes": [node("start", "trigger.manual"), *nodes], "edges": list(edges)}


def _workflow(user, name, *nodes, edges=()):
    workflow, problems = services.workflow_create(owner=user, name=name, graph=_graph(*nodes, edges=edges))
    assert problems == [], problems
    return workflow


def _caller(user, target_id, **extra):
    return _workflow(
        user, "caller", node("call", "workflow.call", {"workflow_id": target_id, "input": {}}, **extra), edges=[edge("e1", "start", "call")]
    )


def test_a_workflow_calling_itself_stops_at_the_depth_limit(embedded, settings):
    settings.STEPWISE_MAX_RUN_DEPTH = 3
    user = make_user()
    workflow = _workflow(user, "recursive", node("call", "noop"), edges=[edge("e1", "start", "call")])
    graph = _graph(node("call", "workflow.call", {"workflow_id": workflow.pk, "input": {}}), edges=[edge("e1", "start", "call")])
    with transaction.atomic():
        services.workflow_update(workflow=workflow, actor=user, graph=graph)
    top = wait_for(run_start(workflow=workflow, user=user))
    assert top.status == "failed"
    chain = [top]
    while True:
        child = Run.objects.filter(parent_step__run=chain[-1]).first()
        if child is None:
            break
        chain.append(wait_for(child))
    assert [r.depth for r in chain] == [0, 1, 2, 3]
    assert all(r.status == "failed" for r in chain)
    deepest = chain[-1].steps.get(node_id="call")
    assert deepest.error["code"] == "depth_limit" and "STEPWISE_MAX_RUN_DEPTH" in deepest.error["message"]
    assert top.steps.get(node_id="call").error["code"] == "child_failed"


def test_cancelling_the_parent_cancels_its_running_child(embedded):
    user = make_user()
    slow = _workflow(user, "slow", node("pause", "wait", {"mode": "duration", "duration_s": 3600}), edges=[edge("e1", "start", "pause")])
    parent = wait_for(run_start(workflow=_caller(user, slow.pk), user=user), statuses={"running"})
    wait_for_step(parent, "call", "waiting")
    child = Run.objects.get(parent_step__run=parent)
    wait_for_step(child, "pause", "waiting")
    run_cancel(run=parent)
    assert wait_for(parent).status == "cancelled"
    assert wait_for(child).status == "cancelled"
    assert child.steps.get(node_id="pause").status == "cancelled"


def test_retry_from_failure_runs_the_fixed_sub_workflow(embedded):
    user = make_user()
    sub = _workflow(user, "sub", node("boom", "fail", {"message": "not yet"}), edges=[edge("e1", "start", "boom")])
    parent_workflow = _workflow(
        user,
        "parent",
        node("each", "map", {"workflow_id": sub.pk, "items": [1, 2], "max_concurrency": 2}),
        edges=[edge("e1", "start", "each")],
    )
    run = wait_for(run_start(workflow=parent_workflow, user=user))
    assert run.status == "failed"
    fixed = _graph(node("ok", "transform", {"expression": "trigger * 10"}), edges=[edge("e1", "start", "ok")])
    with transaction.atomic():
        services.workflow_update(workflow=sub, actor=user, graph=fixed)
    run_retry(run=run)
    run = wait_for(run)
    step = run.steps.get(node_id="each")
    assert run.status == "succeeded", run.error
    assert step.output == [{"ok": 10}, {"ok": 20}]
    assert step.attempt == 2 and [a["attempt"] for a in step.attempts] == [1, 2]
    assert step.attempts[0]["error"]["code"] == "child_failed" and step.attempts[1]["error"] is None
    # The first attempt's children are kept (one failed; the other failed too or was
    # cancelled when the first failed, whichever came first), the second attempt's succeeded.
    # A child being cancelled settles on its own (its worker ends it): wait for it to, first.
    first = sorted(wait_for(child).status for child in Run.objects.filter(parent_step=step, parent_attempt=1))
    second = list(Run.objects.filter(parent_step=step, parent_attempt=2).values_list("status", flat=True))
    assert first in (["failed", "failed"], ["cancelled", "failed"]) and second == ["succeeded", "succeeded"]


def test_the_tick_resumes_a_parent_whose_resumption_was_lost(embedded, monkeypatch):
    user = make_user()
    sub = _workflow(user, "sub", node("ok", "transform", {"expression": "'done'"}), edges=[edge("e1", "start", "ok")])
    real = children_module.children_resume
    monkeypatch.setattr(children_module, "children_resume", lambda step_id: None)  # the process "dies" after the child's commit
    run = wait_for(run_start(workflow=_caller(user, sub.pk), user=user), statuses={"running"})
    wait_for_step(run, "call", "waiting")
    child = wait_for(Run.objects.get(parent_step__run=run))
    assert child.status == "succeeded"
    assert run.steps.get(node_id="call").status == "waiting"
    monkeypatch.setattr(children_module, "children_resume", real)
    import engine.orchestration.recovery as tick_module

    monkeypatch.setattr(tick_module, "children_resume", real)
    assert tick()["resumed"] == 0  # too fresh: the normal path may still be on its way
    assert tick(timezone.now() + timedelta(seconds=10))["resumed"] == 1
    assert wait_for(run).status == "succeeded"
    assert run.steps.get(node_id="call").output == {"ok": "done"}


def test_an_empty_map_succeeds_with_an_empty_list(embedded):
    user = make_user()
    sub = _workflow(user, "sub", node("ok", "noop"), edges=[edge("e1", "start", "ok")])
    parent = _workflow(user, "parent", node("each", "map", {"workflow_id": sub.pk, "items": []}), edges=[edge("e1", "start", "each")])
    run = wait_for(run_start(workflow=parent, user=user))
    assert run.status == "succeeded" and run.steps.get(node_id="each").output == []


@pytest.mark.parametrize(
    ("config", "code", "fragment"),
    [
        ({"items": "{{ 'not a list' }}"}, "invalid_config", "at /config/items: Items: 'not a list' is not of type 'array'"),
        ({"items": [{"n": 1}, {"n": "two"}]}, "child_invalid", "Item 1"),
    ],
)
def test_map_checks_its_items_before_starting_any_child(embedded, config, code, fragment):
    user = make_user()
    typed = {"input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}
    sub = _workflow(user, "sub", node("ok", "noop"), edges=[edge("e1", "start", "ok")])
    graph = _graph(node("ok", "noop"), edges=[edge("e1", "start", "ok")])
    graph["nodes"][0]["config"] = typed
    with transaction.atomic():
        services.workflow_update(workflow=sub, actor=user, graph=graph)
    parent = _workflow(user, "parent", node("each", "map", {"workflow_id": sub.pk, **config}), edges=[edge("e1", "start", "each")])
    run = wait_for(run_start(workflow=parent, user=user))
    step = run.steps.get(node_id="each")
    assert run.status == "failed" and step.error["code"] == code and fragment in step.error["message"], step.error
    assert not Run.objects.filter(parent_step=step).exists()  # nothing started
    if code == "child_invalid":
        assert step.error["details"][0]["field"] == "/n"


def test_a_sub_workflow_deleted_during_the_run_fails_the_step_clearly(embedded):
    user = make_user()
    sub = _workflow(user, "sub", node("ok", "noop"), edges=[edge("e1", "start", "ok")])
    parent = _workflow(
        user,
        "parent",
        node("pause", "wait", {"mode": "duration", "duration_s": 0.5}),
        node("call", "workflow.call", {"workflow_id": sub.pk, "input": {}}),
        edges=[edge("e1", "start", "pause"), edge("e2", "pause", "call")],
    )
    run = run_start(workflow=parent, user=user)
    wait_for_step(run, "pause", "waiting")
    sub_id = sub.pk
    sub.delete()
    run = wait_for(run)
    assert run.status == "failed"
    step = run.steps.get(node_id="call")
    assert step.error["code"] == "workflow_not_found" and str(sub_id) in step.error["message"]
