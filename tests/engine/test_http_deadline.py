"""A step's timeout ends its HTTP call, not only the step's wait for it: against a server
that sends a byte every 0.5 s (no read ever times out), each timed-out step's call ends
with it, its socket is closed and its guard thread goes back to the pool. Before, every
such step left a thread and a socket behind for as long as the server kept dripping."""

from __future__ import annotations

import os
import threading
import time

import pytest

from engine.orchestration.runs import run_start
from engine.store.models import Run
from tests.catalog.nodes.drip import DripServer
from tests.engine.test_inline import drain
from tests.factories import edge, make_user, make_workflow, node

STEPS = 4


def _counts() -> tuple[int, int]:
    return threading.active_count(), len(os.listdir("/proc/self/fd"))


def _step(collecting, user, url: str, timeout_s: float):
    graph = {
        "nodes": [node("start", "trigger.manual"), node("fetch", "http.request", {"method": "GET", "url": url}, timeout_s=timeout_s)],
        "edges": [edge("e1", "start", "fetch")],
    }
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload={})
    drain(collecting)
    return Run.objects.get(pk=run.pk).steps.get(node_id="fetch")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc")
@pytest.mark.django_db(transaction=True)
def test_timed_out_calls_leave_no_thread_and_no_socket_behind(collecting, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    user = make_user()
    with DripServer(interval_s=0.5) as drip:
        # Warm up: the guard thread, the pooled client, the database connection exist.
        assert _step(collecting, user, drip.url + "/ok", 5).status == "succeeded"
        time.sleep(0.2)
        before = _counts()
        for _ in range(STEPS):
            step = _step(collecting, user, drip.url + "/drip", 1)
            assert step.status == "failed" and step.error["code"] == "timeout", step.error
        settle = time.monotonic() + 10  # the server notices the closed socket at its next byte
        while time.monotonic() < settle and not (_counts()[0] <= before[0] and _counts()[1] <= before[1]):
            time.sleep(0.05)
        after = _counts()
        assert drip.requests.count("/drip") == STEPS
        assert after[0] <= before[0], f"threads: {before[0]} before, {after[0]} after {STEPS} timed-out steps"
        assert after[1] <= before[1], f"open files: {before[1]} before, {after[1]} after {STEPS} timed-out steps"
        assert drip.active == 0, "a timed-out call's connection is still open"
