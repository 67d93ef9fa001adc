"""Fan-in under concurrency on PostgreSQL: two sibling branches complete at the same moment
from two database connections. The second waits for the run's row lock while the first
holds it and commits; it must then plan on what the first committed (a join created once,
never lost, never twice). Deterministic: the first is held inside its locked transaction
until PostgreSQL shows the second waiting for the lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from engine.orchestration import chains, execute
from engine.orchestration.runs import run_start
from engine.store.models import Run, StepRun
from engine.store.statuses import StepStatus
from tests.factories import edge, make_user, make_workflow, node

pytestmark = pytest.mark.postgres
S = StepStatus


def fan(width: int, join: dict[str, Any], branch: str = "noop") -> dict[str, Any]:
    nodes = [node("start", "trigger.manual"), node("j", "join", join)]
    nodes += [node(f"b{i}", branch, {"expression": f"{i}"} if branch == "transform" else {}) for i in range(width)]
    edges = []
    for i in range(width):
        edges += [edge(f"a{i}", "start", f"b{i}"), edge(f"c{i}", f"b{i}", "j")]
    return {"nodes": nodes, "edges": edges}


def _backend_waits_for_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def race(monkeypatch, locker_name: str, first: Callable[[], Any], second: Callable[[], Any], module: Any = execute) -> list[BaseException]:
    """Run `first` and `second` on two threads (two connections). `first` is held right
    after `locker_name` (the function of `module` that locks the run and reads its
    steps) returned, until `second` is seen waiting for the run's lock; then both go on."""
    original = getattr(module, locker_name)
    holding, release = threading.Event(), threading.Event()
    first_thread: list[threading.Thread] = []

    def held(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if threading.current_thread() is first_thread[0]:
            holding.set()
            assert release.wait(20), "the second completion never waited for the lock"
        return result

    monkeypatch.setattr(module, locker_name, held)
    errors: list[BaseException] = []
    pids: list[int] = []

    def body(work: Callable[[], Any], record_pid: bool) -> None:
        try:
            if record_pid:
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    pids.append(cursor.fetchone()[0])
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    one = threading.Thread(target=body, args=(first, False))
    two = threading.Thread(target=body, args=(second, True))
    first_thread.append(one)
    one.start()
    assert holding.wait(20), "the first completion never took the lock"
    two.start()
    deadline = time.monotonic() + 20
    waited = False
    while time.monotonic() < deadline and not waited:
        waited = bool(pids) and _backend_waits_for_lock(pids[0])
        time.sleep(0.01)
    release.set()
    one.join(30)
    two.join(30)
    assert waited, "the second completion was never seen waiting for the run's lock"
    return errors


def _claimed(run: Run, node_id: str, worker: str) -> execute.Claimed:
    step = StepRun.objects.select_related("run").get(run=run, node_id=node_id)
    claimed = execute.claim(step, worker)
    assert claimed is not None
    return claimed


@pytest.mark.parametrize("mode", ["all", "any"])
def test_two_branches_completing_at_once_create_the_join_once(transactional_db, collecting, settings, monkeypatch, mode):
    settings.STEPWISE_INLINE_MAX_STEPS = 0  # every branch is a step of its own, claimed by a worker
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=fan(2, {"mode": mode})), user=user)
    first, second = _claimed(run, "b0", "w1"), _claimed(run, "b1", "w2")

    errors = race(monkeypatch, "run_lock_states", lambda: execute.run_claimed(first), lambda: execute.run_claimed(second))

    assert errors == []
    assert StepRun.objects.filter(run=run, node_id="j").count() == 1, list(run.steps.values_list("node_id", "status"))
    assert set(run.steps.filter(node_id__in=["b0", "b1"]).values_list("status", flat=True)) == {S.SUCCEEDED}


def test_two_pure_siblings_run_at_once_from_their_messages_create_the_join_once(transactional_db, collecting, settings, monkeypatch):
    settings.STEPWISE_INLINE_MAX_STEPS = 1  # each message runs its own step inline, no sibling, no join
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=fan(2, {"mode": "all"}, branch="transform")), user=user)
    ids = dict(run.steps.values_list("node_id", "id"))

    errors = race(
        monkeypatch,
        "step_with_run_rows",
        lambda: chains.run_inline(ids["b0"], "w1"),
        lambda: chains.run_inline(ids["b1"], "w2"),
        module=chains,
    )

    assert errors == []
    assert set(run.steps.filter(node_id__in=["b0", "b1"]).values_list("status", flat=True)) == {S.SUCCEEDED}
    assert StepRun.objects.filter(run=run, node_id="j").count() == 1, list(run.steps.values_list("node_id", "status"))


def test_a_claim_waits_for_a_cancel_holding_the_run_instead_of_deadlocking(transactional_db, collecting, settings):
    """A cancel locks the run, then cancels its queued steps; a claim of one of them at the
    same moment must not hold the step's row while it waits for the run's (its event needs
    the run's row): PostgreSQL would end one of the two as a deadlock."""
    from django.db import transaction

    from engine.store.writes import step_claim, step_transition

    settings.STEPWISE_INLINE_MAX_STEPS = 0
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=fan(1, {"mode": "all"})), user=user)
    step = StepRun.objects.get(run=run, node_id="b0")
    locked, errors, claimed, pids = threading.Event(), [], [], []

    def claim() -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])
            assert locked.wait(20)
            claimed.append(step_claim(step.pk, worker="w", token="t", lease_s=30))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    claimer = threading.Thread(target=claim)
    claimer.start()
    with transaction.atomic():
        Run.objects.select_for_update().get(pk=run.pk)
        locked.set()
        deadline = time.monotonic() + 20
        while not (pids and _backend_waits_for_lock(pids[0])):
            assert time.monotonic() < deadline, "the claim never waited"
            time.sleep(0.01)
        time.sleep(0.2)  # the claim is inside its statement, waiting
        assert step_transition(step.pk, (S.QUEUED,), S.CANCELLED, data={"reason": "run cancelled"})
    claimer.join(30)
    assert errors == [] and claimed == [None]
    step.refresh_from_db()
    assert step.status == S.CANCELLED
