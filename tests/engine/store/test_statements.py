"""The store's statements (engine/store/): how many a hot path takes, that each is one
text whatever the number of rows (prepared on PostgreSQL), that the one-statement start
writes what the general path writes, and that the fast loaders return what the ORM does."""

import dataclasses

import pytest
from django.db import transaction

from engine.orchestration.chains import run_together
from engine.orchestration.runs import run_start
from engine.store.loading import step_with_run, version_latest_lean
from engine.store.models import Run, RunEvent, StepRun
from engine.store.records import StepThrough
from engine.store.statuses import IllegalTransition
from engine.store.writes import steps_run_through
from tests.engine.test_inline import chain, drain, fan
from tests.factories import edge, make_user, make_workflow, node


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
    """Rows go in as one JSON parameter (engine.store.sql): runs of fan-outs of 2, 5 and 9 pure
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
    assert len(starts) == 1 and "json_to_recordset(" in starts[0], starts
    assert len(through) == 1 and "json_to_recordset(" in through[0], through


@pytest.fixture
def punctual():
    from catalog.nodes import registry
    from tests.engine.policy_nodes import Punctual

    registry.register(Punctual)
    yield "test.punctual"
    registry.unregister(Punctual.type)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_executor_steps_claim_is_one_statement_and_its_record_one_more_on_postgresql(collecting, punctual):
    """A step that is not pure (it goes to the executor): its claim, the run's sequence and
    its event are one statement with no transaction of its own, which also reads the run
    as it leaves it; its result, its claimed successor and their events are one more: the
    step's write, the successor's INSERT (its id read back from it) and the events, the
    unlocked record (tests/engine/test_unlocked_record.py: Django's log lists a BEGIN and a
    COMMIT that are not sent). Before: seven round trips for the claim and the record,
    then four, then three, and the input's read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from engine.orchestration.execute import claim, run_claimed
    from engine.store.loading import step_with_run

    user = make_user()
    workflow = make_workflow(user, graph=chain(2, punctual))
    for _ in range(2):  # the second with warm caches
        run = run_start(workflow=workflow, user=user, payload={})
        [step_id] = collecting.sent
        collecting.sent.clear()
        step = step_with_run(step_id)
        with CaptureQueriesContext(connection) as claiming:
            claimed = claim(step, "w1")
        with CaptureQueriesContext(connection) as recording:
            after = run_claimed(claimed, chain_worker="w1")
    assert [q["sql"].split()[0] for q in claiming] == ["WITH"], [q["sql"][:60] for q in claiming]
    assert 'INSERT INTO "engine_runevent"' in claiming[0]["sql"]
    kinds = [q["sql"].split()[0] for q in recording]
    # Its input (the trigger's output), then the record.
    assert kinds == ["SELECT", "BEGIN", "WITH", "COMMIT"], kinds
    written = recording[-2]["sql"]
    assert 'UPDATE "engine_steprun"' in written and 'INSERT INTO "engine_steprun"' in written and 'INSERT INTO "engine_runevent"' in written
    assert after.claimed is not None and after.claimed.step.node_id == "s1"
    successor = StepRun.objects.get(run=run, node_id="s1")
    assert after.claimed.step.pk == successor.pk and successor.status == "running" and successor.lease_token == after.claimed.token
    events = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", "node_id", "status"))
    assert [seq for seq, _, _ in events] == list(range(1, len(events) + 1))
    assert ("s0", "running") in [e[1:] for e in events] and ("s0", "succeeded") in [e[1:] for e in events]
    assert StepRun.objects.get(run=run, node_id="s0").output["thread"]


@pytest.mark.django_db(transaction=True)
def test_a_result_whose_lease_was_taken_meanwhile_writes_nothing(collecting, punctual):
    """The worker's lease is reclaimed while its step runs: recording its result writes
    nothing at all (no output, no successor, no event), on PostgreSQL where the step's
    write goes with the events' statement, as on SQLite."""
    from engine.orchestration.execute import claim, run_claimed
    from engine.store.loading import step_with_run

    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(2, punctual)), user=user, payload={})
    [step_id] = collecting.sent
    collecting.sent.clear()
    claimed = claim(step_with_run(step_id), "w1")
    StepRun.objects.filter(pk=step_id).update(lease_token="thief", lease_owner="w2")  # reclaimed and claimed again
    events = RunEvent.objects.filter(run=run).count()
    after = run_claimed(claimed, chain_worker="w1")
    assert after.claimed is None and after.ready == []
    step = StepRun.objects.get(pk=step_id)
    assert (step.status, step.lease_token, step.output) == ("running", "thief", None)
    assert not StepRun.objects.filter(run=run, node_id="s1").exists()
    assert RunEvent.objects.filter(run=run).count() == events
    run.refresh_from_db()
    assert run.status == "running" and run.last_seq == events


@pytest.mark.django_db(transaction=True)
def test_a_step_that_succeeds_in_a_cancelling_run_ends_the_run(collecting, punctual):
    """The run is cancelled while its one running step runs: that step's success ends it,
    cancelled, at once. On PostgreSQL the success's write had been deferred to the events'
    statement, so the advance, which ends a cancelling run once no step is running, read
    the step as still running: the run stayed cancelling until the tick's stall sweep."""
    from engine.orchestration.cancel import run_cancel
    from engine.orchestration.execute import claim, run_claimed

    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(3, punctual)), user=user, payload={})
    [step_id] = collecting.sent
    claimed = claim(step_with_run(step_id), "w1")
    run_cancel(run=run)
    after = run_claimed(claimed, chain_worker="w1")
    assert after.claimed is None and after.ready == []
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert StepRun.objects.get(pk=step_id).status == "succeeded"
    assert not StepRun.objects.filter(run=run, node_id="s1").exists()
