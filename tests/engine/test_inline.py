"""Pure steps run inline (engine.orchestration.inline): recorded like any other step, in
causal order, each exactly once; a failure is settled by the executor as if the step had
never been inline; a transaction that dies takes its inline steps with it; the budget
bounds the work under one lock; queued siblings are taken at most once."""

import dataclasses

import pytest
from django.db import transaction

from engine.orchestration import advance as runs_module
from engine.orchestration.dispatch import Collecting
from engine.orchestration.execute import run_chain, run_together
from engine.orchestration.runs import run_start
from engine.store.loading import step_with_run, version_latest_lean
from engine.store.models import Run, RunEvent, StepRun
from engine.store.records import StepThrough
from engine.store.statuses import IllegalTransition
from engine.store.writes import steps_run_through
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


@pytest.mark.django_db(transaction=True)
def test_the_combined_write_is_conditional_and_checked_against_the_table(collecting, monkeypatch):
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(1)), user=user, payload={})
    step = run.steps.get(node_id="s0")
    from django.utils import timezone

    now = timezone.now()
    row = StepThrough(step.pk, "s0", attempt=0, started_at=now, finished_at=now, input={}, output=1, ports=["out"], attempts=[])
    with transaction.atomic():
        assert steps_run_through([dataclasses.replace(row, attempt=3)], worker="w") == []  # not at the attempt read
        assert steps_run_through([row], worker="w") == [step.pk]
        assert steps_run_through([row], worker="w") == []  # no longer queued: never twice
    step.refresh_from_db()
    assert step.status == "succeeded" and step.attempt == 1 and step.output == 1
    from engine.store import statuses as states

    monkeypatch.setitem(states.STEP_TRANSITIONS, states.StepStatus.QUEUED, frozenset({states.StepStatus.CANCELLED}))
    with pytest.raises(IllegalTransition):
        steps_run_through([row], worker="w")


@pytest.mark.django_db(transaction=True)
def test_the_fast_loaders_return_what_the_orm_returns(collecting):
    user = make_user()
    workflow = make_workflow(user, graph=chain(2))
    run = run_start(workflow=workflow, user=user, payload={"k": [1, "two", None]})
    drain(collecting)
    for step in StepRun.objects.filter(run=run).select_related("run"):
        loaded = step_with_run(step.pk)
        for field in StepRun._meta.concrete_fields:
            assert getattr(loaded, field.attname) == getattr(step, field.attname), field.name
        for field in Run._meta.concrete_fields:
            assert getattr(loaded.run, field.attname) == getattr(step.run, field.attname), field.name
    assert step_with_run(10**9) is None
    latest = workflow.versions.order_by("-number").first()
    lean = version_latest_lean(workflow.pk)
    assert (lean.pk, lean.number, lean.graph_hash, lean.workflow_id) == (latest.pk, latest.number, latest.graph_hash, latest.workflow_id)
    assert lean.graph == latest.graph  # deferred, loaded on access
    assert version_latest_lean(10**9) is None


def test_inline_chain_embedded(embedded):
    """The same in the embedded mode for real (thread pool, tick thread, committed data)."""
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=fan(20)), user=user, payload={"n": 0})
    run = wait_for(run)
    assert run.status == "succeeded"
    assert run.steps.get(node_id="join").output == {f"p{i}": i for i in range(20)}
    assert_causal(run)


def _record(run: Run) -> dict:
    """What a run's start wrote, without ids and times."""
    run = Run.objects.get(pk=run.pk)
    skip = {"id", "run", "created_at", "updated_at", "started_at", "finished_at"}
    steps = sorted(
        ({f.name: getattr(s, f.attname) for f in StepRun._meta.concrete_fields if f.name not in skip} for s in run.steps.all()),
        key=lambda s: s["node_id"],
    )
    events = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", "kind", "node_id", "status", "attempt", "data"))
    fields = {f.name: getattr(run, f.attname) for f in Run._meta.concrete_fields if f.name not in {"id", "created_at", "started_at"}}
    return {"run": fields, "steps": steps, "events": events, "times": bool(run.created_at and run.started_at)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_start_on_postgresql_is_one_statement_and_writes_what_the_general_path_writes(collecting, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user()
    graph = {
        "nodes": [
            node("start", "trigger.manual"),
            node("hook", "trigger.webhook"),
            node("pick", "condition", {"expression": "true"}),
            node("slow", "wait", {"mode": "duration", "duration_s": 60}),
            node("after_hook", "noop"),
        ],
        "edges": [edge("e1", "start", "pick"), edge("e2", "start", "slow"), edge("e3", "hook", "after_hook")],
    }
    workflow = make_workflow(user, graph=graph)
    run_start(workflow=workflow, user=user, payload={})  # the version's graph, read once per process
    collecting.sent.clear()
    with CaptureQueriesContext(connection) as queries:
        fast = run_start(workflow=workflow, user=user, payload={"a": [1, None, "x"]})
    # The start alone: the latest version this process saw is checked inside it.
    assert len(queries) == 1, [q["sql"][:80] for q in queries]
    monkeypatch.setattr("engine.orchestration.runs._start_in_one_statement", lambda *a, **k: None)
    general = run_start(workflow=workflow, user=user, payload={"a": [1, None, "x"]})
    assert _record(fast) == _record(general)
    assert next(s for s in _record(fast)["events"] if s[2] == "after_hook")[3] == "skipped"  # a skip in the first advance
    assert len(collecting.sent) == 4  # pick (pure, alone in its message) and slow, for each run


@pytest.mark.django_db(transaction=True)
def test_a_run_ends_with_its_events_in_one_write_and_a_wrong_belief_rolls_back(collecting):
    from engine.store.events import events_batched
    from engine.store.statuses import RunStatus
    from engine.store.writes import run_transition

    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(2)), user=user, payload={"z": 1})
    drain(collecting)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.finished_at and run.output == {"s1": {"z": 1}}
    last = RunEvent.objects.filter(run=run).order_by("-seq").first()
    assert (last.kind, last.status, last.seq) == ("run", "succeeded", run.last_seq)
    # A caller that believes the run is running (it is not): the deferred write is refused
    # with everything else of its transaction.
    other = run_start(workflow=make_workflow(user, graph=chain(1)), user=user, payload={})
    Run.objects.filter(pk=other.pk).update(status="cancelled")
    before = RunEvent.objects.filter(run=other).count()
    with pytest.raises(RuntimeError), transaction.atomic(), events_batched():
        assert run_transition(other.pk, (RunStatus.RUNNING,), RunStatus.SUCCEEDED, locked_status=RunStatus.RUNNING)
    other.refresh_from_db()
    assert other.status == "cancelled" and RunEvent.objects.filter(run=other).count() == before
    # Without a batch the same call is an ordinary conditional UPDATE: refused, nothing written.
    assert not run_transition(other.pk, (RunStatus.RUNNING,), RunStatus.SUCCEEDED)


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
def test_a_pure_message_reads_its_run_in_one_locked_query_and_fetches_big_outputs_on_demand(collecting):
    user = make_user()
    graph = chain(2, "transform", lambda i: {"expression": "$length(trigger.blob)" if i == 0 else "steps.s0.output + 1"})
    workflow = make_workflow(user, graph=graph)
    run = run_start(workflow=workflow, user=user, payload={"blob": "x" * 20000})  # the trigger's output is too big for the first read
    ids = list(collecting.sent)
    collecting.sent.clear()
    run_together(ids, worker="w1")
    run.refresh_from_db()
    assert run.status == "succeeded" and run.output == {"s1": 20001}
    assert all(s.attempts[-1].get("inline") for s in run.steps.exclude(node_id="start"))


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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pure_message_of_a_three_step_run_is_one_transaction_of_three_statements_on_postgresql(collecting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user()
    workflow = make_workflow(user, graph=chain(3))
    for _ in range(2):  # the second start and message run with warm caches
        run = run_start(workflow=workflow, user=user, payload={"k": 1})
        ids = list(collecting.sent)
        collecting.sent.clear()
        with CaptureQueriesContext(connection) as queries:
            run_together(ids, worker="w1")
    run.refresh_from_db()
    assert run.status == "succeeded"
    # One transaction: the locked read, the step's write, then its successors, the run's
    # end, its sequence and the events in one statement.
    kinds = [q["sql"].split()[0] for q in queries]
    assert kinds == ["BEGIN", "SELECT", "UPDATE", "WITH", "COMMIT"], kinds
    assert 'INSERT INTO "engine_steprun"' in queries[3]["sql"] and 'INSERT INTO "engine_runevent"' in queries[3]["sql"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_hot_path_statements_are_prepared_on_postgresql(collecting):
    """Parameters are bound by the server and a statement run again on a connection is
    prepared there, so PostgreSQL neither parses nor plans a pure message's statements again
    (DB_PREPARED_STATEMENTS; bench/engine.py measures what it saves)."""
    from django.db import connection

    user = make_user()
    workflow = make_workflow(user, graph=chain(3))
    for _ in range(4):
        run_start(workflow=workflow, user=user, payload={"k": 1})
        ids = list(collecting.sent)
        collecting.sent.clear()
        run_together(ids, worker="w1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FOR UPDATE" in sql for sql in prepared), prepared  # the locked read
    assert any(sql.startswith("WITH") and 'INSERT INTO "engine_runevent"' in sql for sql in prepared), prepared
    assert any(sql.startswith("UPDATE") and '"engine_steprun"' in sql for sql in prepared), prepared


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_hot_statements_have_one_text_whatever_the_number_of_rows_on_postgresql(collecting):
    """Rows go in as one array a column (engine.store.sql): runs of fan-outs of 2, 5 and 9 pure
    branches share each statement's text, so PostgreSQL prepares it once for them all
    (a VALUES list made one statement a width, each planned anew)."""
    from django.db import connection

    user = make_user()
    for width in (2, 5, 9, 2, 5, 9, 2, 5, 9):
        run = run_start(workflow=make_workflow(user, graph=fan(width)), user=user, payload={"n": 1})
        drain(collecting)
        run.refresh_from_db()
        assert run.status == "succeeded"
        assert run.steps.get(node_id="join").output == {f"p{i}": 1 + i for i in range(width)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    starts = [sql for sql in prepared if sql.startswith('WITH r AS (INSERT INTO "engine_run"')]
    through = [sql for sql in prepared if sql.startswith('UPDATE "engine_steprun" SET status')]
    assert len(starts) == 1 and "unnest(" in starts[0], starts
    assert len(through) == 1 and "unnest(" in through[0], through
