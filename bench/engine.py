"""Engine benchmarks, each beside raw Celery on the same broker in the same run.

    .venv/bin/python bench/engine.py            # needs PostgreSQL and Redis on 127.0.0.1

This module sets up each mode and prints the table; the workloads (graphs, timed loops,
the local HTTP server) are bench/workloads.py.

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

W6  a chain of 100 transform steps whose expression is bounded by construction (paths and
    linear functions: evaluated inline, in the worker's process): time per step.
W7  a chain of 100 transform steps whose expression is not (a lambda: evaluated by the
    executor in an evaluator process, catalog.expressions.sandbox): time per step.
    Both against raw Celery's chain of 100 no-op tasks (W1's).

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

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import raw_celery as baseline  # noqa: E402
from bench.workloads import (  # noqa: E402
    CHAIN,
    FAN,
    FAN_IN_BRANCHES,
    FAN_IN_RUNS,
    HTTP_CHAIN,
    HTTP_CONCURRENCY,
    HTTP_RUN_LENGTH,
    HTTP_RUNS,
    RUNS,
    WORKER_PROCESSES,
    WORKLOADS,
    http_server,
    run_engine_benchmarks,
)
from tests.integration.celery_mode import worker_command  # noqa: E402

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")


METRICS = {
    "W1_ms_per_step": "W1 ms/step",
    "W2_ms_total": "W2 ms",
    "W3_runs_per_s": "W3 runs/s",
    "W4_ms_per_step": "W4 ms/step",
    "W4_runs_per_s": "W4 runs/s",
    "W5_runs_per_s": "W5 runs/s",
    "W6_ms_per_step": "W6 ms/step",
    "W7_ms_per_step": "W7 ms/step",
}
# Raw Celery's figure each engine figure is held against, where it is not the same metric.
RAW_OF = {"W6_ms_per_step": "W1_ms_per_step", "W7_ms_per_step": "W1_ms_per_step"}


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
    for m, of in RAW_OF.items():
        if of in raw and all(m in r for label, r in rows.items() if r is not raw):
            raw[m] = raw[of]
    metrics = [m for m in METRICS if all(m in r for r in rows.values())]  # W1 and W2 come as a pair from raw Celery
    print(f"\n{'mode':<28}" + "".join(f" {METRICS[m]:>13} {'x raw':>6}" for m in metrics))
    for label, r in rows.items():
        print(f"{label:<28}" + "".join(f" {r[m]:>13.2f} {r[m] / raw[m]:>6.2f}" for m in metrics))
    if any(m in metrics for m in RAW_OF):
        print("(raw Celery's W6 and W7: its chain of 100 no-op tasks, W1's)")
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
