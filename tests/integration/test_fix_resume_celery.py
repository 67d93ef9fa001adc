"""Fix a failed step and resume, in the production mode: the fixed step runs in a Celery
worker process with the person's input (not the graph's), and the same run goes green."""

import os

import pytest
from rest_framework.test import APIClient

from engine.store.models import Run, RunEvent
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, node

pytestmark = pytest.mark.integration


def test_a_fixed_step_resumes_in_a_worker_process(celery_mode, ledger):
    client = APIClient()
    client.force_login(make_user())
    graph = {
        "nodes": [
            node("start", "trigger.manual"),
            node("charge", "http.request", {"method": "POST", "url": f"{ledger.base}/status/404"}),
            node("shape", "transform", {"expression": "$number(steps.charge.output.json.path)"}),
        ],
        "edges": [edge("e1", "start", "charge"), edge("e2", "charge", "shape")],
    }
    wf = client.post("/api/workflows/", {"name": "wf", "graph": graph}, format="json").json()["id"]
    run = Run.objects.get(pk=client.post(f"/api/workflows/{wf}/runs/", {"input": {}}, format="json").json()["id"])
    run = wait_for(run, timeout=30)
    assert run.status == "failed" and run.error["node_id"] == "charge"

    fixed = _fix(client, run, "charge", {"input": {"method": "POST", "url": f"{ledger.base}/fixed"}})
    assert fixed.status_code == 200, fixed.json()
    run = wait_for(run, timeout=30)
    # The transform after it fails now ("/fixed" is no number): fix it in turn, a pure step.
    assert run.status == "failed" and run.error["node_id"] == "shape"
    assert [c["path"] for c in ledger.calls] == ["/status/404", "/fixed"]
    assert _fix(client, run, "shape", {"input": {"expression": "$length(steps.charge.output.json.path)"}}).status_code == 200
    run = wait_for(run, timeout=30)
    assert run.status == "succeeded" and run.steps.get(node_id="shape").output == len("/fixed")
    assert len(ledger.calls) == 2
    again = RunEvent.objects.filter(run=run, kind="step", status="running", attempt=2)
    workers = {e.data["worker"].split(":")[1] for e in again}
    assert len(again) == 2 and str(os.getpid()) not in workers  # both ran again in the worker processes


def _fix(client, run, node_id, body):
    return client.post(f"/api/runs/{run.pk}/steps/{node_id}/fix/", body, format="json")
