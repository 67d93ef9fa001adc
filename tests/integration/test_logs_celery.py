"""The JSON log of the production mode: a Celery worker process and an engine_tick
process with LOG_FORMAT=json, their output in files. Each says at start what it connected
to (no password), and the worker's lines of every step of a run carry the run's ids."""

import json
import time

import pytest

from designer import services
from engine.dispatch.celery import CeleryDispatcher
from engine.orchestration.dispatch import get_dispatcher, set_dispatcher
from engine.orchestration.runs import run_start
from tests.engine.harness import wait_for
from tests.engine.test_logs import three_steps
from tests.factories import make_user
from tests.integration.celery_mode import CeleryMode

pytestmark = pytest.mark.integration


def _lines(path) -> list[dict]:
    """Every line of a process's log, each parsed as JSON."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _wait_for_line(path, found, timeout: float = 30) -> list[dict]:
    """The log once `found` holds for its lines (a process writes its lines after the
    database says the run is over)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = _lines(path)
        if found(lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_a_worker_and_a_tick_log_json_lines_with_the_runs_ids(transactional_db, tmp_path, ledger):
    mode = CeleryMode(tmp_path, workers=1, LOG_FORMAT="json", LOG_LEVEL="INFO")
    previous = get_dispatcher()
    try:
        mode.start()
        set_dispatcher(CeleryDispatcher())
        user = make_user()
        workflow, _ = services.workflow_create(owner=user, name="logged", graph=three_steps(ledger.base))
        run = wait_for(run_start(workflow=workflow, user=user, payload={}), timeout=30)
        assert run.status == "succeeded"
        executed = set(run.steps.exclude(node_id="start").values_list("node_id", flat=True))
        worker_log = tmp_path / "worker-w1.log"

        def every_step_logged(lines: list[dict]) -> bool:
            return executed <= {line.get("node_id") for line in lines if line.get("run_id") == run.pk}

        lines = _wait_for_line(worker_log, every_step_logged)
        tick = _wait_for_line(tmp_path / "tick.log", lambda lines: any(line["event"] == "tick starting" for line in lines))
    finally:
        set_dispatcher(previous)
        mode.stop()
    assert every_step_logged(lines), lines
    # Stopped (SIGTERM): what Celery says then is a JSON line too, as every line of the log.
    stopped = _lines(worker_log)
    assert any(line["event"] == "worker: Warm shutdown (MainProcess)" and line["level"] == "info" for line in stopped), stopped[-5:]
    for line in lines:
        if line.get("node_id") in executed:
            assert line["run_id"] == run.pk and line["workflow_id"] == workflow.pk
            assert line["process"] != 0 and line["timestamp"].endswith("Z")
    (ready,) = [line for line in lines if line["event"] == "worker ready"]
    assert ready["broker"] == mode.broker and ready["concurrency"] == 1  # no password in this URL to mask
    assert ready["queues"] == ["stepwise.steps"]
    assert ready["database"].split("://")[0] in ("sqlite", "postgresql")
    (start,) = [line for line in tick if line["event"] == "tick starting"]
    assert start["interval_s"] == 0.1 and start["broker"] == ready["broker"]
