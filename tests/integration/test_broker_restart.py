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
from engine.orchestration.runs import run_start
from engine.store.models import Run, RunEvent
from engine.store.statuses import RUN_TERMINAL
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


class PrivateBroker:
    """A redis-server of this test's own on a free port, as the broker of a Celery mode
    whose dispatcher this process uses; killed and started again at will."""

    def __init__(self, tmp_path, settings, **env):
        if shutil.which("redis-server") is None:
            pytest.skip("needs the redis-server binary: the broker is a private server that the test kills")
        settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
        self.port, self.tmp_path = free_port(), tmp_path
        self.mode = CeleryMode(tmp_path, workers=2, broker=f"redis://127.0.0.1:{self.port}/0", STEPWISE_LEASE_GRACE_S="1", **env)

    def __enter__(self):
        from engine.dispatch.celery import CeleryDispatcher
        from engine.orchestration.dispatch import get_dispatcher, set_dispatcher

        self.process = self._start()
        self.previous = get_dispatcher()
        self.mode.start()
        set_dispatcher(CeleryDispatcher())
        return self

    def _start(self):
        process = _redis(self.port, self.tmp_path)
        _wait_redis(self.port)
        return process

    def kill(self):
        """SIGKILL: every message in flight is lost (nothing on disk)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def start_again(self):
        self.process = self._start()

    def __exit__(self, *exc):
        from engine.orchestration.dispatch import set_dispatcher

        set_dispatcher(self.previous)
        self.mode.stop()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(10)


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
    with Ledger() as ledger, PrivateBroker(tmp_path, settings, STEPWISE_LEASE_S="2", STEPWISE_REDISPATCH_AFTER_S="2") as broker:
        mode = broker.mode
        user = make_user()
        workflow, _ = services.workflow_create(owner=user, name="broker", graph=_graph(ledger.base))
        runs = [run_start(workflow=workflow, user=user, payload={}) for _ in range(RUNS)]
        time.sleep(1.0)
        broker.kill()  # mid-run
        done_before = RunEvent.objects.filter(run__in=runs, kind="step", status="succeeded").count()
        time.sleep(1.0)
        broker.start_again()
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


def _in_flight_graph(base):
    return {
        "vars": {"base": base},
        "nodes": [
            {"id": "start", "type": "trigger.manual", "config": {}},
            {
                "id": "call",
                "type": "http.request",
                "config": {"method": "POST", "url": "{{ vars.base }}/slow/3", "json": {"n": 1}},
                "timeout_s": 10,
                "retry": {"max_attempts": 3, "initial_s": 0.1, "max_s": 0.5},
            },
            {"id": "after", "type": "noop", "config": {}},
        ],
        "edges": [{"id": "1", "source": "start", "target": "call"}, {"id": "2", "source": "call", "target": "after"}],
    }


def _wait_run(run, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in RUN_TERMINAL:
            return
        time.sleep(0.1)


def test_broker_restart_while_a_step_is_in_flight_neither_kills_nor_repeats_it(transactional_db, tmp_path, settings):
    """The private broker is killed with SIGKILL and started again (nothing on disk) while
    the worker waits for a 3 s HTTP answer. Recording the step needs only the database, so
    the worker finishes it and stays up: one call reaches the server, the step succeeds
    once, on its first attempt, the run ends, and a second run started after the restart
    is served by the same worker (no supervisor here). Its message's ack is lost with the
    broker: a redelivery of it finds the step done and does nothing."""
    from engine.store.models import StepRun
    from engine.tasks import execute_step

    with Ledger() as ledger, PrivateBroker(tmp_path, settings, STEPWISE_REDISPATCH_AFTER_S="2") as broker:
        mode = broker.mode
        user = make_user()
        workflow, problems = services.workflow_create(owner=user, name="in flight", graph=_in_flight_graph(ledger.base))
        assert problems == []
        run = run_start(workflow=workflow, user=user, payload={})
        deadline = time.monotonic() + 30
        while not ledger.calls and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ledger.calls, "the step never called the server"
        broker.kill()  # the worker is waiting for the answer
        time.sleep(0.5)
        broker.start_again()
        _wait_run(run, 60)
        again = run_start(workflow=workflow, user=user, payload={})
        _wait_run(again, 60)
        # The redelivery the lost ack could cause, run as the worker would run it.
        step = StepRun.objects.get(run=run, node_id="call")
        events_before = RunEvent.objects.filter(run=run).count()
        execute_step.run(step.pk)
        alive = [p.pid for p in mode.workers if p.poll() is None]
        calls = Counter(call["key"] for call in ledger.calls)
    log = "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))
    terminated, crashed = log.count("Terminating it instead"), log.count("Unrecoverable error")
    step.refresh_from_db()
    successes = RunEvent.objects.filter(run=run, node_id="call", kind="step", status="succeeded").count()
    print(
        f"\nbroker restart in flight: runs {run.status}, {again.status}; calls per Idempotency-Key {dict(calls)}; "
        f"step {step.status}, attempt {step.attempt}, {len(step.attempts)} attempt(s) listed; successes recorded {successes}; "
        f"'Terminating it instead' {terminated}; 'Unrecoverable error' {crashed}; workers alive {len(alive)} of 1"
    )
    assert terminated == 0, "the worker terminated the step in flight"
    assert crashed == 0 and len(alive) == 1, "the worker did not survive the broker restart"
    assert calls == {f"{run.pk}:call:0": 1, f"{again.pk}:call:0": 1}
    assert step.status == "succeeded" and step.attempt == 1 and len(step.attempts) == 1
    assert successes == 1
    assert run.status == "succeeded" and again.status == "succeeded"
    assert RunEvent.objects.filter(run=run).count() == events_before  # the redelivery did nothing
