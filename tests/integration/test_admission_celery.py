"""Admission in production mode: PostgreSQL, two Celery worker processes and two engine_tick
processes. A workflow limited to 2 (`queue`) given 6 runs started at once from 6 database
connections never has more than 2 running, by its events, and starts them in order of
creation; a self-calling map whose items are created by several workers at once stops at
the tree quota."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from designer import services
from engine.orchestration.runs import run_start
from engine.store.models import Run
from engine.store.statuses import RUN_TERMINAL
from tests.engine.harness import Ledger
from tests.engine.test_admission import assert_tree_quota_held, most_at_once, run_intervals, self_calling_map
from tests.factories import edge, make_user, node
from tests.integration.celery_mode import CeleryMode

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
BOUND = 20


@pytest.fixture
def production(transactional_db, tmp_path, settings):
    """Two worker processes (concurrency 2 each) and two tick processes, with a tree quota of BOUND."""
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher

    settings.STEPWISE_MAX_RUNS_PER_ROOT = BOUND
    mode = CeleryMode(tmp_path, workers=2, STEPWISE_MAX_RUNS_PER_ROOT=str(BOUND))
    previous = get_dispatcher()
    try:
        mode.start()
        mode.start_worker("w2")
        mode.start_tick("tick2")  # promotions from two ticks at once must not overshoot the limit
        set_dispatcher(CeleryDispatcher())
        yield mode
    finally:
        set_dispatcher(previous)
        mode.stop()


def _wait_ended(query, timeout):
    deadline = time.monotonic() + timeout
    while query.exclude(status__in=RUN_TERMINAL).exists():
        assert time.monotonic() < deadline, list(query.values_list("id", "status"))
        time.sleep(0.1)


def test_limit_2_queue_holds_across_workers_and_starts_in_order(production):
    with Ledger() as ledger:
        _limit_2_queue(ledger)


def _limit_2_queue(ledger):
    user = make_user()
    graph = {
        "nodes": [
            node("start", "trigger.manual"),
            node("call", "http.request", {"method": "POST", "url": f"{ledger.base}/slow/0.4", "json": {}}),
            node("after", "noop"),
        ],
        "edges": [edge("e1", "start", "call"), edge("e2", "call", "after")],
    }
    workflow, problems = services.workflow_create(owner=user, name="limited", graph=graph, concurrency_limit=2, concurrency_policy="queue")
    assert problems == []
    started: list[Run] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def start() -> None:
        try:
            barrier.wait()
            started.append(run_start(workflow=workflow, user=user))
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert sorted(r.status for r in started) == ["queued"] * 4 + ["running"] * 2
    runs = Run.objects.filter(workflow=workflow).order_by("id")
    _wait_ended(runs, 90)
    assert [r.status for r in runs] == ["succeeded"] * 6
    intervals = run_intervals(list(runs))
    assert most_at_once(intervals) == 2
    starts = [start for start, _ in intervals]
    assert starts == sorted(starts)  # in order of creation (ids)
    assert len({call["key"] for call in ledger.calls}) == 6


def test_the_tree_quota_holds_with_workers_creating_children_at_once(production):
    user = make_user()
    workflow = self_calling_map(user)
    top = run_start(workflow=workflow, user=user)
    _wait_ended(Run.objects.filter(workflow=workflow), 120)
    assert_tree_quota_held(workflow, top, BOUND)
    logs = "".join(p.read_text() for p in production.var_dir.glob("*.log"))
    assert "Traceback" not in logs and "deadlock" not in logs.lower(), logs[-3000:]
