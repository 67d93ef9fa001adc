"""A private redis-server (the broker) is killed mid-run and started again with nothing on
disk: every message in flight is lost. The database still knows every step, so the tick
sends them again and every run succeeds; no step has two recorded successes."""

import shutil
import signal
import subprocess
import time
from collections import Counter

import pytest

from designer import services
from engine.models import Run, RunEvent
from engine.orchestration.runs import run_start
from engine.states import RUN_TERMINAL
from tests.engine.harness import Ledger
from tests.factories import make_user
from tests.integration.celery_mode import CeleryMode
from tests.integration.server import free_port
from tests.integration.test_crash import _graph

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
RUNS = 10


def _redis(port, tmp_path):
    return subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_redis(port):
    import redis

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port).ping():
                return
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("private redis-server did not start")


def test_broker_restart_mid_run_loses_no_run(transactional_db, tmp_path, settings):
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher

    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    port = free_port()
    broker = _redis(port, tmp_path)
    _wait_redis(port)
    mode = CeleryMode(
        tmp_path,
        workers=2,
        broker=f"redis://127.0.0.1:{port}/0",
        STEPWISE_LEASE_GRACE_S="1",
        STEPWISE_LEASE_S="2",
        STEPWISE_REDISPATCH_AFTER_S="2",
    )
    previous = get_dispatcher()
    with Ledger() as ledger:
        try:
            mode.start()
            set_dispatcher(CeleryDispatcher())
            user = make_user()
            workflow, _ = services.workflow_create(owner=user, name="broker", graph=_graph(ledger.base))
            runs = [run_start(workflow=workflow, user=user, payload={}) for _ in range(RUNS)]
            time.sleep(1.0)
            broker.send_signal(signal.SIGKILL)  # mid-run, nothing persisted
            broker.wait(10)
            done_before = RunEvent.objects.filter(run__in=runs, kind="step", status="succeeded").count()
            time.sleep(1.0)
            broker = _redis(port, tmp_path)
            _wait_redis(port)
            deadline = time.monotonic() + 180
            restarted = 0
            while time.monotonic() < deadline:
                if Run.objects.filter(pk__in=[r.pk for r in runs]).exclude(status__in=RUN_TERMINAL).count() == 0:
                    break
                # As a process supervisor does: Celery 5.7's worker can exit on a lost Redis
                # connection ("Unrecoverable error" in kombu's reconnect path).
                for process in [p for p in mode.workers if p.poll() is not None]:
                    mode.workers.remove(process)
                    restarted += 1
                    mode.start_worker(f"again{restarted}")
                time.sleep(0.2)
        finally:
            set_dispatcher(previous)
            mode.stop()
            broker.send_signal(signal.SIGTERM)
            broker.wait(10)
    statuses = Counter(Run.objects.filter(pk__in=[r.pk for r in runs]).values_list("status", flat=True))
    successes = Counter(
        RunEvent.objects.filter(run__in=runs, kind="step", status="succeeded").exclude(node_id="start").values_list("run_id", "node_id")
    )
    print(
        f"\nbroker restart: {RUNS} runs; step successes before the kill {done_before}; runs {dict(statuses)}; "
        f"ledger calls {len(ledger.calls)}; workers restarted by the supervisor loop {restarted}"
    )
    assert 0 < done_before < RUNS * 11  # the kill really happened mid-run
    assert statuses == {"succeeded": RUNS}
    assert len(successes) == RUNS * 10 and max(successes.values()) == 1
