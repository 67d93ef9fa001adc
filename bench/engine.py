"""Engine benchmarks, each beside raw Celery on the same broker in the same run.

    .venv/bin/python bench/engine.py            # needs PostgreSQL and Redis on 127.0.0.1

W1  a chain of 100 no-op steps: time per step.
W2  a fan-out of 100 parallel no-op steps and a join (mode all): total time.
W3  throughput of 3-step runs (300 runs started at once, five times; the median): runs per second.
    In Celery mode its rounds alternate with raw Celery's, so that both see the same machine.
W4  HTTP steps, each an `http.request` GET to a local HTTP server in the bench process
    (HTTP/1.1, kept alive): a chain of 20 (three times; the median): time per step; and 96
    runs of a chain of 3, 8 of them in flight at a time (a new run starts as soon as one
    ends; three rounds, the median): runs per second. Raw Celery: a chain of 20 tasks making
    the same GET on a kept-alive client, and 96 chains of 3 such tasks at concurrency 8,
    its rounds alternating with the engine's in Celery mode, as W3's. These steps are not
    pure, so each is a message to a worker: W4 is the per-step cost of a real step, where
    W1 times the inline path.
W5  fan-in: 100 runs started at once of 8 parallel branches into a join (mode all), three
    times; the median: runs per second. Raw Celery: 100 chords (a group of 8 tasks with a
    callback), its rounds alternating with the engine's in Celery mode, as W3's.
    Each branch is an `http.request` GET to a local HTTP server in the bench process that
    answers at once, and each raw chord task makes the same GET (on a kept-alive client per
    worker process, as the node does). The branches must not be pure steps: noop, join, transform...
    run inline in the transaction that made them ready, one after the other, and would
    never reach the workers side by side. `wait` with 0 s is not pure either, but it parks
    the step and resumes on the timer, so W5 would time the timer, not the fan-in. An HTTP
    call is what real fan-outs do, it costs about the same in both columns, and its 8
    branches are 8 messages the workers run concurrently, whose completions race into the
    join.

Modes: embedded (in-process thread pool, SQLite file, as `make run`), embedded on
PostgreSQL, and Celery (BENCH_WORKERS prefork workers, concurrency 4 each) on PostgreSQL +
Redis. Raw Celery: a chain of 100 no-op tasks, a group of 100 with a Redis counter as its
join, 300 chains of 3, W4's chains of GETs, and 100 chords of 8 (whose join needs a result backend: Redis, the
broker's server, database BENCH_REDIS + 1), on the same broker and workers.

URLs: BENCH_PG is an administrative database where the bench creates its own database
(stepwise_bench_<random>) for each PostgreSQL mode and drops it at the end; BENCH_REDIS is
the broker, flushed at the start (default redis://127.0.0.1:6379/12: on a shared server,
point it at a Redis of your own). BENCH_WORKLOADS picks workloads (e.g. "W4,W5"; all by
default).
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import raw_celery as baseline  # noqa: E402
from tests.integration.celery_mode import worker_command  # noqa: E402

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
CHAIN, FAN, RUNS, ROUNDS = 100, 100, 300, 5
FAN_IN_BRANCHES, FAN_IN_RUNS, FAN_IN_ROUNDS = 8, 100, 3
HTTP_CHAIN, HTTP_RUNS, HTTP_CONCURRENCY, HTTP_ROUNDS, HTTP_RUN_LENGTH = 20, 96, 8, 3, 3
WORKLOADS = set(os.environ.get("BENCH_WORKLOADS", "W1,W2,W3,W4,W5").split(","))
WORKER_PROCESSES = int(os.environ.get("BENCH_WORKERS", "2"))


def graphs() -> dict[str, dict[str, Any]]:
    def n(i: str, t: str, c: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"id": i, "type": t, "config": c or {}}

    chain = {"nodes": [n("start", "trigger.manual")] + [n(f"s{i}", "noop") for i in range(CHAIN)], "edges": []}
    prev = "start"
    for i in range(CHAIN):
        chain["edges"].append({"id": f"e{i}", "source": prev, "target": f"s{i}"})
        prev = f"s{i}"
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

    return {"W1": chain, "W2": fan, "W3": three, "W4": http_chain(HTTP_CHAIN), "W4c": http_chain(HTTP_RUN_LENGTH), "W5": fan_in}


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


METRICS = {
    "W1_ms_per_step": "W1 ms/step",
    "W2_ms_total": "W2 ms",
    "W3_runs_per_s": "W3 runs/s",
    "W4_ms_per_step": "W4 ms/step",
    "W4_runs_per_s": "W4 runs/s",
    "W5_runs_per_s": "W5 runs/s",
}


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def child_embedded() -> None:
    """`bench/engine.py _embedded`: run in a fresh process configured by the environment."""
    _setup_django({})
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from engine.orchestration.dispatch import get_dispatcher

    get_dispatcher().start_ticker(0.2)  # type: ignore[attr-defined]
    print(json.dumps(run_engine_benchmarks()))
    get_dispatcher().stop()  # type: ignore[attr-defined]


def fresh_pg_database() -> str:
    import psycopg

    name = f"stepwise_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main() -> None:
    rows: dict[str, dict[str, float]] = {}
    raw_three: list[float] = []
    raw_chords: list[float] = []
    raw_http: list[float] = []
    base_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    with tempfile.TemporaryDirectory() as tmp, http_server() as http_base:
        # W4's and W5's steps call the bench's own server: the engine's HTTP node must be let through.
        base_env |= {"BENCH_HTTP_BASE": http_base, "STEPWISE_HTTP_ALLOWED_NETWORKS": "127.0.0.1/32"}
        embedded = [("embedded, SQLite", f"sqlite:///{tmp}/bench.sqlite3"), ("embedded, PostgreSQL", None)]
        for label, db in embedded if os.environ.get("BENCH_ONLY") != "celery" else []:
            url = db or fresh_pg_database()
            try:
                out = subprocess.run(
                    [sys.executable, __file__, "_embedded"],
                    env={**base_env, "DATABASE_URL": url, "STEPWISE_VAR_DIR": tmp},
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                )
                rows[label] = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"{label}: {json.dumps(rows[label])}", flush=True)  # kept if a later mode fails
            finally:
                if db is None:
                    drop_pg_database(url)
        url = fresh_pg_database()
        env = {
            **base_env,
            "DATABASE_URL": url,
            "CELERY_BROKER_URL": REDIS,
            "STEPWISE_VAR_DIR": tmp,
            "BENCH_RESULT_BACKEND": baseline.result_backend(REDIS),
        }
        _setup_django(env)
        import redis
        from django.core.management import call_command

        from bench.celery_app import app

        call_command("migrate", verbosity=0)
        redis.Redis.from_url(REDIS).flushdb()
        redis.Redis.from_url(baseline.result_backend(REDIS)).flushdb()
        workers = [
            subprocess.Popen(
                worker_command(f"bench{i}", 4, app="bench.celery_app", loglevel="ERROR"),
                cwd=ROOT,
                env=env,
            )
            for i in range(WORKER_PROCESSES)
        ]
        ticker = subprocess.Popen([sys.executable, "manage.py", "engine_tick", "--interval", "0.2"], cwd=ROOT, env=env)
        try:
            while len(app.control.ping(timeout=1) or []) < WORKER_PROCESSES:
                time.sleep(0.5)
            raw = rows["raw Celery"] = baseline.chain_and_group(REDIS, CHAIN, FAN) if WORKLOADS & {"W1", "W2"} else {}
            if "W4" in WORKLOADS:
                raw["W4_ms_per_step"] = baseline.http_chain(REDIS, HTTP_CHAIN, http_base + "/w4")
            rows["Celery, PostgreSQL + Redis"] = run_engine_benchmarks(
                lambda: raw_three.append(baseline.chains_of_three_round(REDIS, RUNS)),
                lambda: raw_chords.append(baseline.chords_round(REDIS, FAN_IN_RUNS, FAN_IN_BRANCHES, http_base + "/fan-in")),
                lambda: raw_http.append(baseline.http_chains_round(REDIS, HTTP_RUNS, HTTP_CONCURRENCY, HTTP_RUN_LENGTH, http_base + "/w4")),
            )
            for key, samples in (("W3_runs_per_s", raw_three), ("W4_runs_per_s", raw_http), ("W5_runs_per_s", raw_chords)):
                if samples:
                    raw[key] = statistics.median(samples)
        finally:
            for p in [*workers, ticker]:
                p.terminate()
            for p in [*workers, ticker]:
                p.wait(30)
            from django.db import connections

            connections.close_all()
            drop_pg_database(url)
    raw = rows["raw Celery"]
    metrics = [m for m in METRICS if m in raw]
    print(f"\n{'mode':<28}" + "".join(f" {METRICS[m]:>13} {'x raw':>6}" for m in metrics))
    for label, r in rows.items():
        print(f"{label:<28}" + "".join(f" {r[m]:>13.2f} {r[m] / raw[m]:>6.2f}" for m in metrics))
    celery = rows["Celery, PostgreSQL + Redis"]
    if raw_three:
        _rounds("W3 rounds in Celery mode, runs/s (raw Celery, engine, ratio):", raw_three, celery["W3_rounds"])
    if raw_http:
        title = f"W4 rounds in Celery mode, runs/s ({HTTP_RUNS} chains of {HTTP_RUN_LENGTH} GETs, {HTTP_CONCURRENCY} in flight):"
        _rounds(title, raw_http, celery["W4_rounds"])
    if raw_chords:
        title = f"W5 rounds in Celery mode, runs/s ({FAN_IN_RUNS} runs of {FAN_IN_BRANCHES} branches; raw Celery chords, engine, ratio):"
        _rounds(title, raw_chords, celery["W5_rounds"])
    print(
        f"\nTargets: Celery W1 <= raw chain; embedded W1 <= 1.2 ms; W2 <= 1.5x raw group; W3 >= 0.7x raw chains of 3; "
        f"W4 ms/step <= 1.5x raw chain of GETs. Celery: {WORKER_PROCESSES} prefork workers, concurrency 4 each."
    )


def _rounds(title: str, raw_rounds: list[float], engine_rounds: object) -> None:
    print(f"\n{title}")
    for r, e in zip(raw_rounds, engine_rounds, strict=True):  # type: ignore[call-overload]
        print(f"  {r:7.1f} {e:7.1f} {e / r:5.2f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["_embedded"]:
        child_embedded()
    else:
        main()
