"""Pure steps run inline (engine.orchestration.inline): recorded like any other step, in
causal order, each exactly once; a failure is settled by the executor as if the step had
never been inline; a transaction that dies takes its inline steps with it; the budget
bounds the work under one lock; queued siblings are taken at most once."""

import pytest

from engine.orchestration import advance as runs_module
from engine.orchestration.chains import run_chain, run_together
from engine.orchestration.dispatch import Collecting
from engine.orchestration.runs import run_start
from engine.store.models import Run, RunEvent, StepRun
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, make_workflow, node


def chain(length: int, node_type: str = "noop", config=None) -> dict:
    """start -> s0 -> s1 ...; `config`: one for all, or a function of the position."""
    nodes = [node("start", "trigger.manual")]
    nodes += [node(f"s{i}", node_type, config(i) if callable(config) else config) for i in range(length)]
    edges, previous = [], "start"
    for i in range(length):
        edges.append(edge(f"e{i}", previous, f"s{i}"))
        previous = f"s{i}"
    return {"nodes": nodes, "edges": edges}


def fan(width: int) -> dict:
    nodes = [node("start", "trigger.manual"), node("join", "join", {"mode": "all"})]
    nodes += [node(f"p{i}", "transform", {"expression": f"trigger.n + {i}"}) for i in range(width)]
    edges = []
    for i in range(width):
        edges += [edge(f"a{i}", "start", f"p{i}"), edge(f"b{i}", f"p{i}", "join")]
    return {"nodes": nodes, "edges": edges}


def drain(collecting: Collecting) -> None:
    """Deliver every message sent, as a worker would, until none is left."""
    while collecting.sent:
        step_id = collecting.sent.pop(0)
        run_chain(step_id, worker="w1")


def assert_causal(run: Run) -> None:
    """Events numbered 1..n without a gap; every step succeeded once; no step started
    before the one it follows finished."""
    seqs = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    succeeded = RunEvent.objects.filter(run=run, kind="step", status="succeeded").values_list("node_id", flat=True)
    assert len(succeeded) == len(set(succeeded))
    steps = {s.node_id: s for s in run.steps.all()}
    graph = run.version.graph
    for e in graph["edges"]:
        source, target = steps.get(e["source"]), steps.get(e["target"])
        if source and target and target.started_at:
            assert source.finished_at <= target.started_at, (e, source.finished_at, target.started_at)


@pytest.mark.django_db(transaction=True)
def test_a_chain_of_pure_steps_runs_in_one_transaction_and_is_recorded_whole(collecting):
    user = make_user()

    def plus_one(i):
        return {"expression": "trigger.v + 1" if i == 0 else f"steps.s{i - 1}.output + 1"}

    run = run_start(workflow=make_workflow(user, graph=chain(30, "transform", plus_one)), user=user, payload={"v": 0})
    assert len(collecting.sent) == 1  # s0 only
    drain(collecting)
    run.refresh_from_db()
    assert run.status == "succeeded"
    steps = {s.node_id: s for s in run.steps.all()}
    # Each transform adds one to the one before, in order.
    assert [steps[f"s{i}"].output for i in range(30)] == list(range(1, 31))
    assert all(steps[f"s{i}"].attempts[0]["inline"] for i in range(30))
    assert steps["s7"].input == {"expression": "steps.s6.output + 1"}
    assert run.output == {"s29": 30}
    assert_causal(run)
    # One message for the whole run: nothing was dispatched after s0.
    assert collecting.sent == []


@pytest.mark.django_db(transaction=True)
def test_the_budget_bounds_the_work_under_one_lock_and_the_rest_still_runs(collecting, settings):
    settings.STEPWISE_INLINE_MAX_STEPS = 4
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(20)), user=user, payload={"x": 1})
    drain(collecting)
    run.refresh_from_db()
    assert run.status == "succeeded"
    inline = [s.node_id for s in run.steps.all() if s.attempts and s.attempts[-1].get("inline")]
    claimed = [s.node_id for s in run.steps.all() if s.attempts and not s.attempts[-1].get("inline")]
    assert claimed and inline  # some were claimed and run by the executor after the budget ran out
    assert all(s.output == {"x": 1} for s in run.steps.exclude(node_id="start"))
    assert_causal(run)


@pytest.mark.django_db(transaction=True)
def test_never_inline_when_switched_off(collecting, settings):
    settings.STEPWISE_INLINE_MAX_STEPS = 0
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(3)), user=user, payload={})
    drain(collecting)
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert not any(s.attempts[-1].get("inline") for s in run.steps.exclude(node_id="start"))


@pytest.mark.django_db(transaction=True)
def test_a_pure_step_that_fails_is_settled_by_the_executor_with_its_route(collecting):
    user = make_user()
    failing = {**node("bad", "transform", {"expression": "$error('boom')"}), "on_error": "route"}
    graph = {
        "nodes": [node("start", "trigger.manual"), node("before", "noop"), failing, node("handled", "noop"), node("after", "noop")],
        "edges": [
            edge("e1", "start", "before"),
            edge("e2", "before", "bad"),
            edge("e3", "bad", "handled", source_port="error"),
            edge("e4", "bad", "after"),
        ],
    }
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload={})
    drain(collecting)
    run.refresh_from_db()
    steps = {s.node_id: s for s in run.steps.all()}
    assert run.status == "succeeded", run.error
    assert steps["before"].attempts[0]["inline"]
    # Not recorded inline: queued, then claimed and settled by the executor (an expression
    # error is not retried), keeping its input and error; the error port is taken.
    assert steps["bad"].status == "failed" and steps["bad"].ports == ["error"] and steps["bad"].attempt == 1
    assert steps["bad"].error["code"] == "expression_error" and "boom" in steps["bad"].error["message"]
    assert steps["bad"].input == {"expression": "$error('boom')"}
    assert not any(a.get("inline") for a in steps["bad"].attempts)
    assert list(RunEvent.objects.filter(run=run, node_id="bad").values_list("status", flat=True)) == ["queued", "running", "failed"]
    assert steps["handled"].status == "succeeded" and steps["handled"].output == {"error": steps["bad"].error}
    assert steps["after"].status == "skipped"
    assert_causal(run)


@pytest.mark.django_db(transaction=True)
def test_queued_pure_siblings_are_taken_once_and_the_join_sees_them_all(collecting):
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=fan(12)), user=user, payload={"n": 100})
    assert len(collecting.sent) == 12  # every branch has its step...
    ids = list(collecting.sent)
    collecting.sent.clear()
    run_together(ids, worker="w1")  # ...in one message: the first runs the others inline
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert run.steps.get(node_id="join").output == {f"p{i}": 100 + i for i in range(12)}
    # Every branch ran once, two events each (running, succeeded), by one worker.
    for i in range(12):
        events = list(RunEvent.objects.filter(run=run, node_id=f"p{i}").values_list("status", flat=True))
        assert events == ["queued", "running", "succeeded"], (i, events)
    assert collecting.sent == []  # nothing left to send
    for step_id in ids:  # late duplicates of the branches' messages find nothing to do
        run_chain(step_id, worker="w2")
    assert RunEvent.objects.filter(run=run, status="succeeded", kind="step").count() == 14


@pytest.mark.django_db(transaction=True)
def test_a_sibling_waiting_for_its_retry_timer_is_not_taken_early(collecting):
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=fan(3)), user=user, payload={"n": 1})
    ids = list(collecting.sent)
    collecting.sent.clear()
    from datetime import timedelta

    from django.utils import timezone

    later = timezone.now() + timedelta(hours=1)
    StepRun.objects.filter(run=run, node_id="p2").update(attempt=1, not_before=later)
    run_chain(ids[0], worker="w1")
    p2 = run.steps.get(node_id="p2")
    assert p2.status == "queued" and p2.attempt == 1 and p2.not_before == later
    assert run.steps.get(node_id="p1").status == "succeeded"
    assert not run.steps.filter(node_id="join").exists()


@pytest.mark.django_db(transaction=True)
def test_a_crash_inside_the_inline_transaction_loses_nothing_and_repeats_nothing(collecting, monkeypatch):
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(5)), user=user, payload={"v": 7})
    first = collecting.sent.pop()
    real = runs_module.steps_create
    monkeypatch.setattr(runs_module, "steps_create", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("worker died")))
    with pytest.raises(RuntimeError):
        run_chain(first, worker="w1")
    # Rolled back whole: s0 is still queued, nothing after it exists, no event was kept.
    assert run.steps.get(node_id="s0").status == "queued"
    assert not run.steps.filter(node_id__in=["s1", "s2"]).exists()
    assert not RunEvent.objects.filter(run=run, node_id="s0", status="succeeded").exists()
    monkeypatch.setattr(runs_module, "steps_create", real)
    run_chain(first, worker="w2")  # the message redelivered
    run.refresh_from_db()
    assert run.status == "succeeded" and run.output == {"s4": {"v": 7}}
    assert_causal(run)


def test_inline_chain_embedded(embedded):
    """The same in the embedded mode for real (thread pool, tick thread, committed data)."""
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=fan(20)), user=user, payload={"n": 0})
    run = wait_for(run)
    assert run.status == "succeeded"
    assert run.steps.get(node_id="join").output == {f"p{i}": i for i in range(20)}
    assert_causal(run)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_start_after_a_new_version_pins_the_new_one_and_its_input_schema(collecting):
    from designer import services
    from engine.orchestration.creation import InputInvalid

    user = make_user()
    strict = chain(1)
    strict["nodes"][0]["config"] = {"input_schema": {"type": "object", "required": ["id"]}}
    workflow = make_workflow(user, graph=strict)
    first = run_start(workflow=workflow, user=user, payload={"id": 1})  # this process now knows v1 as the latest
    with pytest.raises(InputInvalid):
        run_start(workflow=workflow, user=user, payload={})
    loose = chain(2)  # v2: another graph, no input schema
    services.workflow_update(workflow=workflow, actor=user, graph=loose)
    second = run_start(workflow=workflow, user=user, payload={})  # refused by v1's schema; v2 accepts it
    third = run_start(workflow=workflow, user=user, payload={})
    assert first.version.number == 1 and second.version.number == 2 and third.version.number == 2
    assert sorted(second.steps.values_list("node_id", flat=True)) == ["s0", "start"]
    assert not Run.objects.filter(workflow=workflow, version__number=1).exclude(pk=first.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_pure_hint_that_is_wrong_falls_back_to_the_executor(collecting):
    user = make_user()
    graph = {
        "nodes": [node("start", "trigger.manual"), node("pause", "wait", {"mode": "duration", "duration_s": 3600})],
        "edges": [edge("e1", "start", "pause")],
    }
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload={})
    [step_id] = collecting.sent
    run_chain(step_id, worker="w1", pure=True)  # it is not pure: claimed and run as usual
    pause = run.steps.get(node_id="pause")
    assert pause.status == "waiting" and pause.attempt == 1 and not pause.attempts[-1].get("inline")
    run_chain(step_id, worker="w2", pure=True)  # a duplicate: nothing to do
    assert run.steps.get(node_id="pause").attempt == 1
