"""A run's JSON log (LOG_FORMAT=json, the embedded mode): every step of the run has its
lines, and each carries the run's ids (core/logging.py, bound by the engine)."""

from designer import services
from engine.orchestration.runs import run_start
from tests.engine.harness import wait_for
from tests.factories import make_user
from tests.logcapture import json_log


def three_steps(base: str) -> dict:
    """A trigger, then an HTTP call (run by the executor), a transform and a no-op (pure:
    run inline after it)."""
    return {
        "nodes": [
            {"id": "start", "type": "trigger.manual", "config": {}},
            {"id": "call", "type": "http.request", "config": {"method": "GET", "url": f"{base}/status/200"}},
            {"id": "shape", "type": "transform", "config": {"expression": "steps.call.output.status"}},
            {"id": "done", "type": "noop", "config": {}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "call"},
            {"id": "e2", "source": "call", "target": "shape"},
            {"id": "e3", "source": "shape", "target": "done"},
        ],
    }


def test_every_step_of_a_run_logs_json_lines_with_the_runs_ids(embedded, ledger):
    user = make_user()
    workflow, problems = services.workflow_create(owner=user, name="logged", graph=three_steps(ledger.base))
    assert problems == []
    with json_log() as log:
        run = wait_for(run_start(workflow=workflow, user=user, payload={}))
        embedded.stop()  # its threads are done: a step's last line comes after the run's end is committed
    assert run.status == "succeeded"
    lines = log.lines()  # each one parsed as JSON
    ours = [line for line in lines if line.get("run_id") == run.pk]
    assert any(line["event"] == "run started" and line["workflow_id"] == workflow.pk for line in ours)
    executed = {step.node_id: step.pk for step in run.steps.exclude(node_id="start")}
    assert set(executed) == {"call", "shape", "done"}
    for node_id in executed:
        step_lines = [line for line in ours if line.get("node_id") == node_id]
        assert step_lines, (node_id, lines)
        for line in step_lines:
            assert line["workflow_id"] == workflow.pk and line["level"] and line["timestamp"] and line["process"]
    # The HTTP step ran in the executor: its lines name its step row too.
    call = [line for line in ours if line.get("node_id") == "call" and line["event"] == "step ran"]
    assert call and all(line["step_id"] == executed["call"] for line in call)
    # No line of another step is mistaken for one of these: a node id is on lines of this run only.
    assert all(line.get("run_id") == run.pk for line in lines if line.get("node_id") in executed)
