"""Production mode (PostgreSQL, Redis, Celery worker processes): a worker killed mid-step
loses its step within the lease, not the step's timeout; timers fire on time with no tick
running at all."""

import time

import pytest

from designer import services
from engine.orchestration.runs import run_start
from engine.store.models import RunEvent, StepRun
from engine.store.statuses import StepStatus
from tests.engine.harness import Ledger, wait_for, wait_for_step
from tests.engine.test_leases_and_timers import _one_step, assert_on_time, timer_lateness, timers_graph
from tests.factories import make_user
from tests.integration.celery_mode import CeleryMode

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
S = StepStatus


@pytest.fixture
def production(transactional_db, tmp_path, settings):
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher

    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    modes: list[CeleryMode] = []
    previous = get_dispatcher()

    def start(*, tick: bool) -> CeleryMode:
        mode = CeleryMode(tmp_path, workers=2)
        modes.append(mode)
        mode.start(tick=tick)
        set_dispatcher(CeleryDispatcher())
        return mode

    with Ledger() as ledger:
        try:
            yield start, ledger
        finally:
            set_dispatcher(previous)
            for mode in modes:
                mode.stop()


def test_a_killed_workers_step_runs_again_within_the_lease_not_its_timeout(production):
    start, ledger = production
    mode = start(tick=True)  # default lease settings: the step's timeout is 300 s
    user = make_user()
    workflow, problems = services.workflow_create(owner=user, name="long", graph=_one_step(ledger.base, "/slowfirst/120", timeout_s=300))
    assert problems == []
    run = run_start(workflow=workflow, user=user)
    deadline = time.monotonic() + 30
    while not ledger.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ledger.calls, "the step never called"
    [first] = mode.workers
    mode.start_worker("w2")
    killed = time.monotonic()
    mode.kill_worker(first)
    wait_for_step(run, "work", S.SUCCEEDED, timeout=60)
    again = RunEvent.objects.get(run=run, node_id="work", status=S.RUNNING, attempt=2).at
    lost = RunEvent.objects.get(run=run, node_id="work", status=S.QUEUED, data__reason="lease expired").at
    print(f"\nkilled mid-step: running again {time.monotonic() - killed:.1f} s after the kill (taken back at {lost}, rerun at {again})")
    assert wait_for(run).status == "succeeded"
    step = StepRun.objects.get(run=run, node_id="work")
    assert [(a["attempt"], a.get("lost", False)) for a in step.attempts] == [(1, True), (2, False)]
    assert step.attempts[0]["error"]["code"] == "lease_expired"
    started = RunEvent.objects.get(run=run, node_id="work", status=S.RUNNING, attempt=1).at
    # Within 30 s of the kill (it happened after attempt 1 started): the default lease is 15 s.
    assert (again - started).total_seconds() < 30
    assert sum(ledger.per_key.values()) == 2


def test_timers_fire_on_time_with_no_tick_in_celery_mode(production):
    start, ledger = production
    start(tick=False)
    user = make_user()
    workflow, problems = services.workflow_create(owner=user, name="timers", graph=timers_graph(ledger.base))
    assert problems == []
    run = run_start(workflow=workflow, user=user)
    assert wait_for(run, timeout=30).status == "succeeded"
    late = timer_lateness(run)
    print(f"\ntimer lateness, Celery (s): {late}")
    assert_on_time(late)
