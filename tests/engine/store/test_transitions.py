"""The transition tables walked whole, and the guarantees of the conditional writes:
claims, fencing, lease reclaim, at-most-once interruption, duplicate delivery."""

import itertools
import time

import pytest

from engine.clock import tick
from engine.orchestration.runs import run_start
from engine.store.models import StepRun
from engine.store.statuses import RUN_TRANSITIONS, STEP_TRANSITIONS, IllegalTransition, RunStatus, StepStatus
from engine.store.statuses import check_transition as _check
from engine.store.writes import step_claim, step_transition
from tests.engine.harness import step_execute
from tests.factories import edge, make_user, make_workflow, node


@pytest.mark.parametrize(("table", "states"), [(RUN_TRANSITIONS, RunStatus), (STEP_TRANSITIONS, StepStatus)])
def test_transition_table_whole(table, states):
    assert set(table) == set(states)  # every status has a row
    for source, target in itertools.product(states, states):
        if target in table[source]:
            _check(table, (source,), target)
        else:
            with pytest.raises(IllegalTransition):
                _check(table, (source,), target)


def test_terminal_statuses_have_no_way_out_but_the_documented_ones():
    assert RUN_TRANSITIONS[RunStatus.SUCCEEDED] == frozenset() and RUN_TRANSITIONS[RunStatus.CANCELLED] == frozenset()
    assert STEP_TRANSITIONS[StepStatus.SUCCEEDED] == frozenset({StepStatus.COMPENSATED})
    assert STEP_TRANSITIONS[StepStatus.SKIPPED] == frozenset()


def _queued_step(user, *, delivery="at_least_once"):
    graph = {
        "nodes": [node("start", "trigger.manual"), {**node("work", "transform", {"expression": "1"}), "delivery": delivery}],
        "edges": [edge("e1", "start", "work")],
    }
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload={})
    return run, run.steps.get(node_id="work")


@pytest.mark.django_db(transaction=True)
def test_only_one_claim_wins_and_a_duplicate_message_is_dropped(collecting):
    _run, step = _queued_step(make_user())
    assert step_claim(step.pk, worker="a", token="t1", lease_s=30)
    assert not step_claim(step.pk, worker="b", token="t2", lease_s=30)
    step.refresh_from_db()
    assert step.status == "running" and step.attempt == 1 and step.lease_owner == "a"


@pytest.mark.django_db(transaction=True)
def test_fencing_a_reclaimed_lease_cannot_write(collecting):
    run, step = _queued_step(make_user())
    assert step_claim(step.pk, worker="a", token="old", lease_s=0.01)
    time.sleep(0.05)
    assert tick()["reclaimed"] == 1
    assert step_claim(step.pk, worker="b", token="new", lease_s=30)
    # The first worker wakes up and tries to record its result: refused.
    assert not step_transition(step.pk, (StepStatus.RUNNING,), StepStatus.SUCCEEDED, lease_token="old", output="stale")
    assert step_transition(step.pk, (StepStatus.RUNNING,), StepStatus.SUCCEEDED, lease_token="new", output="fresh", ports=["out"])
    step.refresh_from_db()
    assert step.output == "fresh" and step.attempt == 2
    statuses = list(run.events.filter(node_id="work").values_list("status", flat=True))
    assert statuses == ["queued", "running", "queued", "running", "succeeded"]


@pytest.mark.django_db(transaction=True)
def test_at_most_once_step_is_interrupted_not_rerun(collecting):
    _run, step = _queued_step(make_user(), delivery="at_most_once")
    assert step_claim(step.pk, worker="dead", token="t", lease_s=0.01)
    time.sleep(0.05)
    counts = tick()
    assert counts["interrupted"] == 1 and counts["reclaimed"] == 0
    step.refresh_from_db()
    assert step.status == "interrupted"
    assert step_execute(step.pk, worker="w") == []  # nothing to claim


@pytest.mark.django_db(transaction=True)
def test_a_succeeded_step_is_never_executed_again(collecting):
    run, step = _queued_step(make_user())
    step_execute(step.pk, worker="w1")
    step.refresh_from_db()
    assert step.status == "succeeded"
    for _ in range(3):  # duplicate deliveries
        assert step_execute(step.pk, worker="w2") == []
    assert run.events.filter(node_id="work", status="succeeded").count() == 1
    run.refresh_from_db()
    assert run.status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_tick_redispatches_a_lost_message(collecting):
    from datetime import timedelta

    from django.utils import timezone

    _run, step = _queued_step(make_user())
    collecting.sent.clear()
    assert tick()["dispatched"] == 0  # just queued: its message is presumably in flight
    later = timezone.now() + timedelta(seconds=60)
    assert tick(later)["dispatched"] == 1 and collecting.sent == [step.pk]
    assert tick(later)["dispatched"] == 0  # sent again only if lost again


def test_a_node_cannot_be_created_twice_in_a_run(db, collecting):
    from django.db import IntegrityError, transaction

    from engine.store.records import StepDraft
    from engine.store.writes import step_create

    run, _step = _queued_step(make_user())
    with pytest.raises(IntegrityError), transaction.atomic():
        step_create(run.pk, StepDraft("work", StepStatus.QUEUED))
    assert StepRun.objects.filter(run=run, node_id="work").count() == 1


@pytest.mark.django_db(transaction=True)
def test_tick_advances_a_run_whose_worker_died_after_its_checkpoint(collecting):
    """The last step's success was committed, but its worker died before advancing the run."""
    from datetime import timedelta

    from django.utils import timezone

    run, step = _queued_step(make_user())
    assert step_claim(step.pk, worker="w", token="t", lease_s=30)
    assert step_transition(step.pk, (StepStatus.RUNNING,), StepStatus.SUCCEEDED, lease_token="t", output=1, ports=["out"])
    run.refresh_from_db()
    assert run.status == "running"  # stalled: nothing in flight, nobody to advance it
    assert tick()["advanced"] == 0  # too fresh to call stalled
    assert tick(timezone.now() + timedelta(seconds=10))["advanced"] == 1
    run.refresh_from_db()
    assert run.status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_every_event_keeps_its_time_and_order_on_each_database(collecting):
    """Every write path of the event log (a run's start, a claim, a batch, an inline
    chain) stores each event's time as a time: a cast on SQLite once turned it into a
    number, which the API showed as null (schemathesis found it)."""
    from datetime import timedelta

    from django.utils import timezone

    from engine.store.models import RunEvent
    from tests.engine.test_inline import chain, drain

    before = timezone.now()
    user = make_user()
    graph = chain(3)
    graph["nodes"].append(node("pause", "wait", {"mode": "duration", "duration_s": 0}))
    graph["edges"].append(edge("to-pause", "s2", "pause"))
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload={})
    drain(collecting)
    events = list(RunEvent.objects.filter(run=run).order_by("seq"))
    assert len(events) >= 8 and [e.seq for e in events] == list(range(1, len(events) + 1))
    for e in events:
        assert e.at is not None and before - timedelta(seconds=1) <= e.at <= timezone.now(), (e.seq, e.kind, e.node_id, e.at)
    for step in run.steps.all():  # and each step's times (written by the same row sources)
        assert step.created_at is not None and step.updated_at is not None, step.node_id
        if step.status == "succeeded" and step.node_id != "start":
            assert before - timedelta(seconds=1) <= step.started_at <= step.finished_at <= timezone.now(), step.node_id
