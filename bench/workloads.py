"""The engine's workloads (W1-W5, described in bench/engine.py), run inside a Django process
already configured for a mode: their graphs, the local HTTP server W4's and W5's steps
call, and the timed loops. bench/engine.py sets up each mode and reports."""

from __future__ import annotations

import itertools
import os
import secrets
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAIN, FAN, RUNS, ROUNDS = 100, 100, 300, 5
FAN_IN_BRANCHES, FAN_IN_RUNS, FAN_IN_ROUNDS = 8, 100, 3
HTTP_CHAIN, HTTP_RUNS, HTTP_CONCURRENCY, HTTP_ROUNDS, HTTP_RUN_LENGTH = 20, 96, 8, 3, 3
WORKLOADS = set(os.environ.get("BENCH_WORKLOADS", "W1,W2,W3,W4,W5,W6,W7").split(","))
# W6: an ordinary expression, bounded by construction (evaluated inline, in process); W7:
# one that is not (a lambda), evaluated in an evaluator process by the executor.
BOUNDED_EXPRESSION = '$string(run.id) & "-" & $string($count(trigger))'
ISOLATED_EXPRESSION = "$map([1, 2, 3], function($v){ $v * 2 })"
WORKER_PROCESSES = int(os.environ.get("BENCH_WORKERS", "2"))


def graphs() -> dict[str, dict[str, Any]]:
    def n(i: str, t: str, c: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"id": i, "type": t, "config": c or {}}

    def step_chain(node_type: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
        chain = {"nodes": [n("start", "trigger.manual")] + [n(f"s{i}", node_type, config) for i in range(CHAIN)], "edges": []}
        prev = "start"
        for i in range(CHAIN):
            chain["edges"].append({"id": f"e{i}", "source": prev, "target": f"s{i}"})
            prev = f"s{i}"
        return chain

    chain = step_chain("noop")
    fan = {
        "nodes": [n("start", "trigger.manual"), n("join", "join", {"mode": "all"})] + [n(f"p{i}", "noop") for i in range(FAN)],
        "edges": [],
    }
    for i in range(FAN):
        fan["edges"] += [{"id": f"a{i}", "source": "start", "target": f"p{i}"}, {"id": f"b{i}", "source": f"p{i}", "target": "join"}]
    three = {
        "nodes": [n("start", "trigger.manual"), n("a", "noop"), n("b", "noop"), n("c", "noop")],
        "edges": [
            {"id": "1", "source": "start", "target": "a"},
            {"id": "2", "source": "a", "target": "b"},
            {"id": "3", "source": "b", "target": "c"},
        ],
    }
    fan_in: dict[str, Any] = {
        "vars": {"base": os.environ.get("BENCH_HTTP_BASE", "http://127.0.0.1:1")},
        "nodes": [n("start", "trigger.manual"), n("join", "join", {"mode": "all"})]
        + [n(f"b{i}", "http.request", {"method": "GET", "url": "{{ vars.base }}/fan-in", "timeout_s": 10}) for i in range(FAN_IN_BRANCHES)],
        "edges": [],
    }
    for i in range(FAN_IN_BRANCHES):
        fan_in["edges"] += [{"id": f"a{i}", "source": "start", "target": f"b{i}"}, {"id": f"b{i}", "source": f"b{i}", "target": "join"}]

    def http_chain(length: int) -> dict[str, Any]:
        get = {"method": "GET", "url": "{{ vars.base }}/w4", "timeout_s": 10}
        nodes = [n("start", "trigger.manual")] + [n(f"h{i}", "http.request", get) for i in range(length)]
        ids = [node["id"] for node in nodes]
        edges = [{"id": f"e{i}", "source": a, "target": b} for i, (a, b) in enumerate(itertools.pairwise(ids))]
        return {"vars": fan_in["vars"], "nodes": nodes, "edges": edges}

    return {
        "W1": chain,
        "W2": fan,
        "W3": three,
        "W4": http_chain(HTTP_CHAIN),
        "W4c": http_chain(HTTP_RUN_LENGTH),
        "W5": fan_in,
        "W6": step_chain("transform", {"expression": BOUNDED_EXPRESSION}),
        "W7": step_chain("transform", {"expression": ISOLATED_EXPRESSION}),
    }


@contextmanager
def http_server() -> Iterator[str]:
    """The local endpoint W4's and W5's steps (and raw Celery's tasks) call: answers 200
    at once with a small JSON body, over HTTP/1.1 so that clients keep connections alive;
    counts the calls."""

    class Handler(BaseHTTPRequestHandler):
        calls = 0
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            Handler.calls += 1
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_engine_benchmarks(
    before_each_w3_round: Callable[[], None] = lambda: None,
    before_each_w5_round: Callable[[], None] = lambda: None,
    before_each_w4_round: Callable[[], None] = lambda: None,
) -> dict[str, float]:
    """Inside a configured Django process: the chosen workloads with whatever dispatcher is
    set. `before_each_w3_round` (`_w4_`, `_w5_`) runs a round of the baseline, so that the
    two alternate."""
    from django.contrib.auth import get_user_model

    from designer import services
    from engine.orchestration.runs import run_start
    from engine.store.models import Run
    from engine.store.statuses import RUN_TERMINAL

    user = get_user_model().objects.create_user(f"bench{secrets.token_hex(3)}")
    flows = {k: services.workflow_create(owner=user, name=k, graph=g)[0] for k, g in graphs().items()}

    def wait(ids: list[int], timeout: float = 600) -> None:
        """Until every run has ended, polling one narrow count over the ids' range (a cheap
        query: the bench must not take the CPU it measures)."""
        from django.db import connection

        table = connection.ops.quote_name(Run._meta.db_table)
        ended = ", ".join(f"'{status}'" for status in RUN_TERMINAL)
        sql = f"SELECT count(*) FROM {table} WHERE id BETWEEN %s AND %s AND status NOT IN ({ended})"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(sql, [min(ids), max(ids)])
                left = cursor.fetchone()[0]
            if left == 0:
                bad = Run.objects.filter(pk__in=ids).exclude(status="succeeded").count()
                assert bad == 0, f"{bad} runs did not succeed"
                return
            time.sleep(0.005)
        raise TimeoutError

    results = {}
    run_start(workflow=flows["W3"], user=user, payload={})  # warm-up: caches, connections
    time.sleep(1)

    def timed(rounds: int, before: Callable[[], None], runs: int, flow: str) -> list[float]:
        """Seconds of each round: `runs` runs of `flow` started at once, until all ended."""
        seconds = []
        for _ in range(rounds):
            before()
            t0 = time.perf_counter()
            wait([run_start(workflow=flows[flow], user=user, payload={}).pk for _ in range(runs)])
            seconds.append(time.perf_counter() - t0)
        return seconds

    def in_flight(rounds: int, before: Callable[[], None], runs: int, concurrency: int, flow: str) -> list[float]:
        """Runs per second of each round: `runs` runs of `flow`, `concurrency` of them in
        flight at a time (the next started as soon as one ends)."""
        from django.db import connection

        table = connection.ops.quote_name(Run._meta.db_table)
        ended = ", ".join(f"'{status}'" for status in RUN_TERMINAL)
        samples = []
        for _ in range(rounds):
            before()
            t0 = time.perf_counter()
            live = {run_start(workflow=flows[flow], user=user, payload={}).pk for _ in range(min(concurrency, runs))}
            started = len(live)
            deadline = time.monotonic() + 600
            while live:
                assert time.monotonic() < deadline, f"{flow}: runs did not end"
                with connection.cursor() as cursor:
                    marks = ", ".join(["%s"] * len(live))
                    cursor.execute(f"SELECT id, status FROM {table} WHERE id IN ({marks}) AND status IN ({ended})", list(live))
                    done = cursor.fetchall()
                for pk, status in done:
                    assert status == "succeeded", f"{flow}: run {pk} {status}"
                    live.discard(pk)
                    if started < runs:
                        live.add(run_start(workflow=flows[flow], user=user, payload={}).pk)
                        started += 1
                if not done:
                    time.sleep(0.002)
            samples.append(runs / (time.perf_counter() - t0))
        return samples

    nothing: Callable[[], None] = lambda: None  # noqa: E731
    if "W1" in WORKLOADS:
        results["W1_ms_per_step"] = statistics.median(t * 1000 / CHAIN for t in timed(3, nothing, 1, "W1"))
    for workload in ("W6", "W7"):
        if workload in WORKLOADS:
            results[f"{workload}_ms_per_step"] = statistics.median(t * 1000 / CHAIN for t in timed(3, nothing, 1, workload))
    if "W2" in WORKLOADS:
        results["W2_ms_total"] = statistics.median(t * 1000 for t in timed(3, nothing, 1, "W2"))
    if "W3" in WORKLOADS:
        w3 = [RUNS / t for t in timed(ROUNDS, before_each_w3_round, RUNS, "W3")]
        results["W3_runs_per_s"] = statistics.median(w3)
        results["W3_rounds"] = w3  # type: ignore[assignment]
    if "W4" in WORKLOADS:
        # Every worker process runs a chain first (its connection's prepared statements, its
        # HTTP client's pool), as raw Celery's workers have run their tasks before theirs.
        wait([run_start(workflow=flows["W4"], user=user, payload={}).pk for _ in range(2 * 4 * WORKER_PROCESSES)])
        results["W4_ms_per_step"] = statistics.median(t * 1000 / HTTP_CHAIN for t in timed(5, nothing, 1, "W4"))
        w4 = in_flight(HTTP_ROUNDS, before_each_w4_round, HTTP_RUNS, HTTP_CONCURRENCY, "W4c")
        results["W4_runs_per_s"] = statistics.median(w4)
        results["W4_rounds"] = w4  # type: ignore[assignment]
    if "W5" not in WORKLOADS:
        return results
    samples = [FAN_IN_RUNS / t for t in timed(FAN_IN_ROUNDS, before_each_w5_round, FAN_IN_RUNS, "W5")]
    from engine.store.models import StepRun

    joins = StepRun.objects.filter(run__workflow=flows["W5"], node_id="join", status="succeeded").count()
    assert joins == FAN_IN_RUNS * FAN_IN_ROUNDS, f"W5: {joins} joins succeeded for {FAN_IN_RUNS * FAN_IN_ROUNDS} runs"
    results["W5_runs_per_s"] = statistics.median(samples)
    results["W5_rounds"] = samples  # type: ignore[assignment]
    return results
