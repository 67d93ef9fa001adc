"""The unlocked record (docs/architecture.md#the-unlocked-record): a step alone in flight
in its run (claimed in its predecessor's commit, or by a claim that saw the run) records
its success in one statement outside a transaction, written only while its run is as it
was seen; when the run changed, the lease was lost or the record needs more, nothing of
it is written and it is recorded under the run's lock."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from engine.orchestration.cancel import run_cancel
from engine.orchestration.execute import Claimed, claim, run_claimed
from engine.orchestration.runs import run_start
from engine.store.events import Changed, defer_write, events_batched, record_event
from engine.store.loading import step_with_run
from engine.store.models import Run, RunEvent, StepRun
from engine.store.records import StepState
from monitoring import metrics
from tests.engine.test_inline import chain
from tests.factories import edge, make_user, make_workflow, node

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def punctual():
    from catalog.nodes import registry
    from tests.engine.policy_nodes import Punctual

    registry.register(Punctual)
    yield "test.punctual"
    registry.unregister(Punctual.type)


@pytest.fixture
def wire(monkeypatch):
    """The transaction commands psycopg sends (BEGIN, COMMIT, ROLLBACK): Django's query log
    lists its own BEGIN and COMMIT whether or not they reach the server."""
    sent: list[bytes] = []
    original = psycopg.Connection._exec_command

    def spy(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(bytes(command) if isinstance(command, bytes | bytearray) else str(command).encode())
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "_exec_command", spy)
    return sent


def relocked() -> float:
    return metrics.RECORDS_RELOCKED._value.get()


def chained(collecting, workflow, user) -> tuple[Run, Claimed]:
    """A run whose first step ran and recorded: its successor, claimed in that commit, in
    hand."""
    run = run_start(workflow=workflow, user=user, payload={})
    [step_id] = collecting.sent
    collecting.sent.clear()
    first = claim(step_with_run(step_id), "w1")
    assert first is not None
    after = run_claimed(first, chain_worker="w1")
    assert after.claimed is not None and after.claimed.seen is not None
    return run, after.claimed


def test_a_step_claimed_alone_records_in_one_statement_with_no_begin_or_commit(collecting, punctual, wire):
    """The claim's statement saw the run (its sequence number, status, steps); the step is
    the only one in flight, so its record goes unlocked."""
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(2, punctual)), user=user, payload={})
    [step_id] = collecting.sent
    collecting.sent.clear()
    first = claim(step_with_run(step_id), "w1")
    assert first is not None and first.seen is not None
    run.refresh_from_db()
    assert first.seen.last_seq == run.last_seq
    assert first.seen.states == {"start": StepState("succeeded", ("out",)), "s0": StepState("running", ())}
    before = relocked()
    wire.clear()
    after = run_claimed(first, chain_worker="w1")
    assert wire == [] and relocked() == before
    assert after.claimed is not None and after.claimed.step.node_id == "s1"
    assert StepRun.objects.get(pk=step_id).status == "succeeded"


def test_a_step_claimed_beside_parallel_branches_records_under_the_lock(collecting, punctual, wire):
    """Three branches in flight: another's transition before this record is likely, so the
    claim hands no seen state and the record takes the lock at once (no refused statement)."""
    user = make_user()
    graph = {
        "nodes": [node("start", "trigger.manual"), *(node(f"b{i}", punctual) for i in range(3)), node("join", "join", {"mode": "all"})],
        "edges": [edge(f"a{i}", "start", f"b{i}") for i in range(3)] + [edge(f"j{i}", f"b{i}", "join") for i in range(3)],
    }
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload={})
    ids = list(collecting.sent)
    collecting.sent.clear()
    assert len(ids) == 3
    claims = [claim(step_with_run(step_id), "w1") for step_id in ids]
    assert all(c is not None and c.seen is None for c in claims)
    before = relocked()
    for c in claims:
        assert c is not None
        wire.clear()
        run_claimed(c, chain_worker="w1")
        assert b"BEGIN" in wire
    assert relocked() == before
    run.refresh_from_db()
    assert run.status == "succeeded" and StepRun.objects.get(run=run, node_id="join").status == "succeeded"


def test_a_chained_steps_record_is_one_statement_with_no_begin_or_commit(collecting, punctual, wire):
    user = make_user()
    run, successor = chained(collecting, make_workflow(user, graph=chain(3, punctual)), user)
    run.refresh_from_db()
    assert successor.seen is not None and successor.seen.last_seq == run.last_seq
    before = relocked()
    wire.clear()
    after = run_claimed(successor, chain_worker="w1")
    assert wire == []  # no BEGIN, no COMMIT: the statement was the transaction
    assert relocked() == before
    assert after.claimed is not None and after.claimed.step.node_id == "s2" and after.claimed.seen is not None
    final = run_claimed(after.claimed, chain_worker="w1")
    assert final.claimed is None and wire == [] and relocked() == before
    run.refresh_from_db()
    assert run.status == "succeeded" and set(run.output) == {"s2"}
    steps = {s.node_id: s for s in StepRun.objects.filter(run=run)}
    assert all(steps[f"s{i}"].status == "succeeded" and steps[f"s{i}"].output["thread"] for i in range(3))
    seqs = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, run.last_seq + 1))


def test_a_run_cancelled_since_the_claim_is_recorded_under_the_lock_and_goes_no_further(collecting, punctual, wire):
    """Without the check of last_seq, the step's seen states (run running, s2 not yet made)
    would create s2 in a cancelled run."""
    user = make_user()
    run, successor = chained(collecting, make_workflow(user, graph=chain(3, punctual)), user)
    run_cancel(run=run)  # s1 is running: the run is cancelling until it ends
    before = relocked()
    wire.clear()
    after = run_claimed(successor, chain_worker="w1")
    assert relocked() == before + 1
    assert b"BEGIN" in wire and b"COMMIT" in wire  # recorded again, the usual way
    assert after.claimed is None and after.ready == []
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert StepRun.objects.get(run=run, node_id="s1").status == "succeeded"
    assert not StepRun.objects.filter(run=run, node_id="s2").exists()
    seqs = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, run.last_seq + 1))


def test_an_event_since_the_claim_sends_the_record_under_the_lock(collecting, punctual):
    user = make_user()
    run, successor = chained(collecting, make_workflow(user, graph=chain(2, punctual)), user)
    record_event(run_id=run.pk, kind="step", status="running", node_id="elsewhere")  # any transition moves last_seq
    before = relocked()
    after = run_claimed(successor, chain_worker="w1")
    assert relocked() == before + 1 and after.claimed is None
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert RunEvent.objects.filter(run=run, node_id="s1", status="succeeded").count() == 1


def test_a_chained_step_whose_lease_was_taken_writes_nothing(collecting, punctual):
    user = make_user()
    run, successor = chained(collecting, make_workflow(user, graph=chain(3, punctual)), user)
    step_id = successor.step.pk
    StepRun.objects.filter(pk=step_id).update(lease_token="thief", lease_owner="w2")  # reclaimed: no event
    run.refresh_from_db()
    events, before = run.last_seq, relocked()
    after = run_claimed(successor, chain_worker="w1")
    assert relocked() == before + 1
    assert after.claimed is None and after.ready == []
    step = StepRun.objects.get(pk=step_id)
    assert (step.status, step.lease_token, step.output) == ("running", "thief", None)
    assert not StepRun.objects.filter(run=run, node_id="s2").exists()
    run.refresh_from_db()
    assert run.last_seq == events and RunEvent.objects.filter(run=run).count() == events


def _mark(step_id: int) -> tuple[str, list[Any]]:
    """A deferred write that marks a step (its lease owner), RETURNING a row."""
    table = connection.ops.quote_name(StepRun._meta.db_table)
    return f"UPDATE {table} SET lease_owner = %s WHERE id = %s RETURNING id", ["marked", step_id]


def test_an_unlocked_batch_whose_run_changed_writes_none_of_its_parts(collecting):
    """The statement runs outside a transaction: its deferred writes must fail with it."""
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(2)), user=user, payload={})
    step = StepRun.objects.filter(run=run).first()
    assert step is not None
    run.refresh_from_db()
    stale = run.last_seq - 1
    with pytest.raises(Changed), transaction.atomic(), events_batched(unchanged=(run.pk, stale)):
        assert defer_write(*_mark(step.pk))
        record_event(run_id=run.pk, kind="step", status="running", node_id="x")
    step.refresh_from_db()
    assert step.lease_owner != "marked"
    assert RunEvent.objects.filter(run=run).count() == run.last_seq
    # The same batch, on the run's actual last_seq, writes it all.
    with transaction.atomic(), events_batched(unchanged=(run.pk, run.last_seq)) as written:
        assert defer_write(*_mark(step.pk))
        record_event(run_id=run.pk, kind="step", status="running", node_id="x")
    step.refresh_from_db()
    assert step.lease_owner == "marked" and written.last_seq == {run.pk: run.last_seq + 1}


def test_an_unlocked_batch_sends_no_statement_but_its_own(collecting):
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(1)), user=user, payload={})
    run.refresh_from_db()
    sent: list[str] = []

    def seen(execute: Any, sql: str, *args: Any) -> Any:
        sent.append(sql)
        return execute(sql, *args)

    with pytest.raises(Changed, match="a statement of its own"), transaction.atomic(), events_batched(unchanged=(run.pk, run.last_seq)):
        record_event(run_id=run.pk, kind="step", status="running", node_id="x")
        with connection.execute_wrapper(seen), connection.cursor() as cursor:  # inside the batch's guard
            cursor.execute("SELECT 1")
    assert sent == []  # refused before it reached the database
    assert RunEvent.objects.filter(run=run).count() == run.last_seq


def test_a_step_with_a_pure_successor_records_under_the_lock(collecting, punctual, wire):
    """Its successor runs inline in the record: never in an attempt that may be refused
    (it would run twice: two spans, two log lines)."""
    user = make_user()
    graph = chain(1, punctual)
    graph["nodes"].append(node("after", "noop"))
    graph["edges"].append(edge("e-after", "s0", "after"))
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload={})
    [step_id] = collecting.sent
    collecting.sent.clear()
    first = claim(step_with_run(step_id), "w1")
    assert first is not None and first.seen is not None
    before = relocked()
    wire.clear()
    run_claimed(first, chain_worker="w1")
    assert b"BEGIN" in wire and relocked() == before
    run.refresh_from_db()
    assert run.status == "succeeded" and StepRun.objects.get(run=run, node_id="after").status == "succeeded"


def test_an_unlocked_batch_that_meets_a_row_made_since_is_refused_and_writes_nothing(collecting):
    """Its seen states said a step was not there yet; another writer made it since: the
    INSERT's unique violation fails the statement before its guard, and is Changed too
    (not an error of the worker's: the record is made again under the lock)."""
    from engine.store.records import StepDraft
    from engine.store.writes import steps_create

    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=chain(2)), user=user, payload={})
    run.refresh_from_db()
    assert StepRun.objects.filter(run=run, node_id="s0").exists()
    with pytest.raises(Changed, match="made since"), transaction.atomic(), events_batched(unchanged=(run.pk, run.last_seq)):
        steps_create(run.pk, [StepDraft("s0", "queued")], ids=False)  # deferred to the batch's statement
    assert StepRun.objects.filter(run=run, node_id="s0").count() == 1
    assert RunEvent.objects.filter(run=run).count() == run.last_seq
    run.refresh_from_db()
    assert Run.objects.get(pk=run.pk).last_seq == run.last_seq
