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
from tests.catalog.nodes.dns_servers import SilentDNS
from tests.catalog.nodes.drip import DripServer
from tests.engine.test_inline import drain
from tests.factories import edge, make_user, make_workflow, node

STEPS = 4


def _sockets_to(port: int) -> int:
    """This process's open sockets connected to 127.0.0.1:`port`, client or server side
    (from /proc/net/tcp by inode). Counting every open file instead also counted database
    connections other threads (the lease heartbeat, the publisher) open when they will."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    wanted = f"0100007F:{port:04X}"
    count = 0
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if inode in inodes and state == "01" and wanted in (local, remote):  # 01: ESTABLISHED
                count += 1
    return count


def _counts(port: int) -> tuple[int, int]:
    return threading.active_count(), _sockets_to(port)


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
        port = drip.listener.getsockname()[1]
        before = _counts(port)
        for _ in range(STEPS):
            step = _step(collecting, user, drip.url + "/drip", 1)
            assert step.status == "failed" and step.error["code"] == "timeout", step.error
        settle = time.monotonic() + 10  # the server notices the closed socket at its next byte
        while time.monotonic() < settle and not (_counts(port)[0] <= before[0] and _counts(port)[1] <= before[1]):
            time.sleep(0.05)
        after = _counts(port)
        assert drip.requests.count("/drip") == STEPS
        assert after[0] <= before[0], f"threads: {before[0]} before, {after[0]} after {STEPS} timed-out steps"
        assert after[1] <= before[1], f"sockets to the drip server: {before[1]} before, {after[1]} after {STEPS} timed-out steps"
        assert drip.active == 0, "a timed-out call's connection is still open"


@pytest.mark.django_db(transaction=True)
def test_a_resolver_that_never_answers_does_not_hold_the_step_past_its_deadline(collecting, settings):
    """The HTTP node's name is resolved within the step's deadline: against a DNS server
    that reads every query and never answers, each step fails with the node's own connect
    timeout (not the guard's `timeout`, which would have left the call blocked behind it)
    and its guard thread is back in the pool, so the threads do not grow."""
    user = make_user()
    with SilentDNS() as silent:
        settings.STEPWISE_HTTP_NAMESERVERS = [silent.address]
        first = _step(collecting, user, "http://hang.example.test/", 1)  # warms the guard thread up
        assert first.status == "failed" and first.error["code"] == "connect_timeout", first.error
        before = threading.active_count()
        for i in range(STEPS):
            step = _step(collecting, user, f"http://hang{i}.example.test/", 1)
            assert step.status == "failed" and step.finished_at is not None
            assert step.error == {"code": "connect_timeout", "message": f"No connection within 1 s to http://hang{i}.example.test/."}
        assert threading.active_count() <= before, "a step's resolution kept a thread"
        assert {f"hang{i}.example.test A" for i in range(STEPS)} <= set(silent.queries)
