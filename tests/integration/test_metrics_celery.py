"""Production mode (a Celery worker with 2 pool processes over Redis): the metrics of the
steps the pool processes executed add up in one scrape of METRICS_PORT, served by the
worker's parent process from the directory all of them share (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import socket
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from designer import services
from engine.orchestration.runs import run_start
from tests.engine.harness import wait_for
from tests.factories import make_user
from tests.integration.celery_mode import CeleryMode
from tests.monitoring.scrape import parse, value

pytestmark = pytest.mark.integration

RUNS = 6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scrape(port: int, deadline_s: float = 60) -> str:
    """The metrics port's answer, once the worker's parent process has started serving it."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _graph(base: str) -> dict:
    return {
        "nodes": [
            {"id": "start", "type": "trigger.manual", "config": {}},
            # Slow enough that both pool processes are busy at once.
            {"id": "fetch", "type": "http.request", "config": {"method": "GET", "url": f"{base}/slow/0.2"}},
            {"id": "done", "type": "noop", "config": {}},
        ],
        "edges": [{"id": "e1", "source": "start", "target": "fetch"}, {"id": "e2", "source": "fetch", "target": "done"}],
    }


def _per_process(directory: Path, name: str, **labels: str) -> dict[str, float]:
    """One series' value in each process's own file, by pid."""
    found = {}
    for path in sorted(directory.glob("counter_*.db")):
        pid = path.stem.removeprefix("counter_")
        for family in MultiProcessCollector.merge([str(path)], accumulate=True):
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    found[pid] = sample.value
    return found


@pytest.fixture
def production(transactional_db, tmp_path, settings):
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher

    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    shared, port = tmp_path / "metrics", _free_port()
    shared.mkdir()
    # The operator's setting: one directory for the worker and its pool (STEPWISE_METRICS_DIR_OF
    # emptied, so the worker does not take it for a directory this test process chose for itself).
    mode = CeleryMode(tmp_path, workers=2, PROMETHEUS_MULTIPROC_DIR=str(shared), STEPWISE_METRICS_DIR_OF="", METRICS_PORT=str(port))
    previous = get_dispatcher()
    try:
        mode.start(tick=False)
        set_dispatcher(CeleryDispatcher())
        yield mode, shared, port
    finally:
        set_dispatcher(previous)
        mode.stop()


def test_step_counts_add_up_across_the_pool_processes(production, ledger):
    mode, shared, port = production
    user = make_user()
    workflow, problems = services.workflow_create(owner=user, name="metrics", graph=_graph(ledger.base))
    assert problems == []
    runs = [run_start(workflow=workflow, user=user, payload={}) for _ in range(RUNS)]
    for run in runs:
        assert wait_for(run, timeout=60).status == "succeeded"

    scraped = parse(_scrape(port))
    assert value(scraped, "stepwise_steps_finished_total", node_type="http.request", outcome="succeeded") == RUNS
    assert value(scraped, "stepwise_steps_finished_total", node_type="noop", outcome="succeeded") == RUNS
    assert value(scraped, "stepwise_step_duration_seconds_count", node_type="http.request") == RUNS
    assert value(scraped, "stepwise_step_duration_seconds_sum", node_type="http.request") >= 0.2 * RUNS
    assert value(scraped, "stepwise_runs_finished_total", status="succeeded", trigger="manual") == RUNS
    assert value(scraped, "stepwise_step_queue_wait_seconds_count") == RUNS  # each fetch claimed once

    # Each pool process wrote its own file; the scrape is their sum.
    by_pid = _per_process(shared, "stepwise_steps_finished_total", node_type="http.request", outcome="succeeded")
    assert len([n for n in by_pid.values() if n > 0]) == 2, by_pid
    assert sum(by_pid.values()) == RUNS
    assert str(mode.workers[0].pid) not in by_pid  # the parent serves, the pool executes
