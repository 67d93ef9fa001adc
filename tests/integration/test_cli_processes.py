"""The commands as an operator runs them, in processes of their own, in the production mode
(Celery workers): follow_run prints a run's events while the workers record them, and an
error is one line on stderr with a non-zero exit, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from engine.orchestration.runs import run_start
from engine.store.models import Run
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, make_workflow, node
from tests.integration.celery_mode import ROOT

pytestmark = pytest.mark.integration


def _manage(env, *args, timeout=240):  # a loaded CI machine: 3 s of CPU took 33 s
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_follow_run_in_celery_mode_and_errors_in_one_line(celery_mode):
    user = make_user("ann")
    nodes = [
        node("start", "trigger.manual"),
        node("pause", "wait", {"mode": "duration", "duration_s": 1}),
        node("double", "transform", {"expression": "trigger.n * 2"}),
    ]
    workflow = make_workflow(user, graph={"nodes": nodes, "edges": [edge("1", "start", "pause"), edge("2", "pause", "double")]})
    run = run_start(workflow=workflow, user=user, payload={"n": 21})
    follow = subprocess.Popen(
        [sys.executable, "manage.py", "follow_run", str(run.pk), "--json", "--interval", "0.05"],
        cwd=ROOT, env=celery_mode.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out, err = follow.communicate(timeout=240)
    assert follow.returncode == 0, err
    run = wait_for(Run.objects.get(pk=run.pk))
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["seq"] for e in events] == list(range(1, run.last_seq + 1))
    assert (events[-1]["kind"], events[-1]["status"]) == ("run", "succeeded")
    running = [e for e in events if e["node_id"] == "double" and e["status"] == "running"]
    assert running and running[0]["data"]["worker"].split(":")[1] != str(os.getpid())  # recorded by a worker process

    for args, message in [
        (("cancel_run", str(run.pk)), "CommandError: A succeeded run cannot be cancelled."),
        (
            ("export_workflows", "--owner", "nobody@example.com", "--out", "-"),
            "CommandError: No user with the username or email 'nobody@example.com'.",
        ),
    ]:
        result = _manage(celery_mode.env, *args)
        assert result.returncode == 1 and result.stderr == message + "\n" and result.stdout == "", (args, result)
