"""Crash test: real Celery worker processes on PostgreSQL and Redis, killed with SIGKILL at
random moments while 30 runs of a 10-step workflow call a local HTTP ledger, with
replacements started at once. Every run succeeds; no step has two recorded successes; a
key that reached the ledger twice belongs to a step whose worker died while running it."""

import random
import time
from collections import Counter

import pytest

from designer import services
from engine.orchestration.runs import run_start
from engine.store.models import Run, RunEvent
from engine.store.statuses import RUN_TERMINAL
from tests.engine.harness import Ledger
from tests.factories import make_user
from tests.integration.celery_mode import CeleryMode

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

RUNS, STEPS, KILLS = 30, 10, 20


def _graph(base):
    nodes = [{"id": "start", "type": "trigger.manual", "config": {}}]
    edges = []
    for i in range(STEPS):
        nodes.append(
            {
                "id": f"s{i}",
                "type": "http.request",
                "config": {"method": "POST", "url": "{{ vars.base }}/slow/0.05", "json": {"step": i}},
                "timeout_s": 2,
                "retry": {"max_attempts": 5, "initial_s": 0.1, "max_s": 0.5},
            }
        )
        edges.append({"id": f"e{i}", "source": "start" if i == 0 else f"s{i - 1}", "target": f"s{i}"})
    return {"vars": {"base": base}, "nodes": nodes, "edges": edges}


def test_kill_workers_at_random_never_repeats_a_finished_step(transactional_db, tmp_path, settings):
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher

    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    rng = random.Random()
    mode = CeleryMode(tmp_path, workers=2, STEPWISE_LEASE_GRACE_S="1", STEPWISE_LEASE_S="2")
    previous = get_dispatcher()
    with Ledger() as ledger:
        try:
            mode.start()
            mode.start_worker("w2")
            mode.start_worker("w3")
            set_dispatcher(CeleryDispatcher())
            user = make_user()
            workflow, problems = services.workflow_create(owner=user, name="crash", graph=_graph(ledger.base))
            assert problems == []
            runs = [run_start(workflow=workflow, user=user, payload={"n": i}) for i in range(RUNS)]
            kills = 0
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                if kills < KILLS:
                    time.sleep(rng.uniform(0.2, 0.6))
                    mode.kill_worker(rng.choice(mode.workers))
                    kills += 1
                    mode.start_worker(f"r{kills}")
                else:
                    time.sleep(0.2)
                if Run.objects.filter(pk__in=[r.pk for r in runs]).exclude(status__in=RUN_TERMINAL).count() == 0:
                    break
        finally:
            set_dispatcher(previous)
            mode.stop()
        statuses = Counter(Run.objects.filter(pk__in=[r.pk for r in runs]).values_list("status", flat=True))
        successes = Counter(
            RunEvent.objects.filter(run__in=runs, kind="step", status="succeeded").exclude(node_id="start").values_list("run_id", "node_id")
        )
        per_key = Counter(call["key"] for call in ledger.calls)
        repeated = {key: n for key, n in per_key.items() if n > 1}
        reclaimed = {
            f"{e.run_id}:{e.node_id}:0"
            for e in RunEvent.objects.filter(run__in=runs, kind="step", status="queued", data__reason="lease expired")
        }
        retried = {
            f"{e.run_id}:{e.node_id}:0"
            for e in RunEvent.objects.filter(run__in=runs, kind="step", status="queued").exclude(data__retry_in_s=None)
        }
        print(
            f"\ncrash test: {RUNS} runs x {STEPS} steps, {kills} kills; runs {dict(statuses)}; "
            f"ledger calls {len(ledger.calls)} for {len(per_key)} keys; keys called twice or more {len(repeated)}; "
            f"steps reclaimed after a lost lease {len(reclaimed)}; retried after an error {len(retried)}"
        )
    assert kills >= KILLS
    from engine.store.models import StepRun

    stuck = list(
        StepRun.objects.filter(run__in=runs)
        .exclude(status__in=["succeeded", "skipped"])
        .values_list("run_id", "node_id", "status", "attempt", "not_before", "updated_at", "lease_expires_at")
    )
    tick_log = (tmp_path / "tick.log").read_text()[-2000:]
    assert statuses == {"succeeded": RUNS}, (stuck, tick_log)
    assert len(successes) == RUNS * STEPS and max(successes.values()) == 1
    # Every step's work reached the ledger; a repeat only where a worker died mid-step (or a retry after an error).
    assert len(per_key) == RUNS * STEPS
    assert set(repeated) <= reclaimed | retried, set(repeated) - reclaimed - retried
