"""History at scale: the run lists, the workflow list and prune_runs over a million runs.

    .venv/bin/python bench/history.py              # needs PostgreSQL on 127.0.0.1
    .venv/bin/python bench/history.py --no-prune   # only the lists (the seed is kept)
    .venv/bin/python bench/history.py --drop       # drop the bench database and stop

The bench has a PostgreSQL database of its own, BENCH_HISTORY_DB (default
stepwise_bench_history, on the server of BENCH_PG, default postgres://postgres@127.0.0.1:5432/postgres).
It is migrated, then seeded once with set-based SQL (bench/history_seed.py): one user,
BENCH_WORKFLOWS workflows (default 20), BENCH_RUNS runs (default 1,000,000) over 90 days with
5 steps and 12 events each (5 M steps, 12 M events; about 4 GB on disk, a few minutes), the
newest 200 still running. A later run finds the seed and reuses it.

Each list is asked BENCH_REQUESTS times (default 30, after 3 not counted) through the Django
test client, signed in as the seed's user, and its p50 and p95 printed, with the p50 of
the time its SQL statements took (less sensitive to a busy machine than the whole request;
/api/me/ is the floor, a request that reads nothing): /api/runs/, with
?status=failed, ?workflow=ID, ?trigger=webhook, ?top_level=true, ?page=500, and
/api/workflows/. Then `prune_runs --days 30` runs once (two thirds of the seed go) and its
runs per second are printed; the seed is then incomplete, so the next run seeds again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
DB = os.environ.get("BENCH_HISTORY_DB", "stepwise_bench_history")
RUNS = int(os.environ.get("BENCH_RUNS", "1000000"))
WORKFLOWS = int(os.environ.get("BENCH_WORKFLOWS", "20"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
STEPS, EVENTS, RUNNING = 5, 12, 200
USERNAME = "history-bench"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(sql)


def _exists() -> bool:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone() is not None


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = PG.rsplit("/", 1)[0] + "/" + DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("STEPWISE_VAR_DIR", str(ROOT / "var" / "bench-history"))
    import django

    django.setup()


def _seeded() -> bool:
    from engine.store.models import Run, RunEvent, StepRun

    return bool(Run.objects.count() == RUNS and StepRun.objects.count() == RUNS * STEPS and RunEvent.objects.count() == RUNS * EVENTS)


def seed() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.history_seed import seed_runs
    from designer.models import Workflow
    from designer.services import workflow_create

    if _seeded():
        print(f"seed found: {RUNS:,} runs", flush=True)
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE engine_runevent, engine_steprun, engine_run CASCADE")
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    Workflow.objects.filter(owner=user).delete()
    graph = {"nodes": [{"id": "start", "type": "trigger.manual", "position": {"x": 0, "y": 0}, "config": {}}], "edges": []}
    pairs = []
    for n in range(WORKFLOWS):
        workflow, _ = workflow_create(owner=user, name=f"Flow {n + 1}", graph=graph)
        version = workflow.versions.order_by("-number").first()
        assert version is not None, "a workflow is created with its first version"
        pairs.append((workflow.pk, version.pk))
    with connection.cursor() as cursor:
        seed_runs(
            cursor,
            owner=user.pk,
            workflows=pairs,
            total=RUNS,
            now=datetime.now(UTC),
            span_days=90,
            steps=STEPS,
            events=EVENTS,
            running=RUNNING,
            progress=lambda done: print(f"  seeded {done:,} runs ({time.perf_counter() - started:.0f} s)", flush=True),
        )
    _analyze()
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("engine_run", "engine_steprun", "engine_runevent"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def time_lists() -> dict[str, tuple[float, float]]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from designer.models import Workflow

    user = get_user_model().objects.get(username=USERNAME)
    workflow = Workflow.objects.filter(owner=user).order_by("id").first()
    assert workflow is not None
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    urls = {
        "me (the floor)": "/api/me/",
        "runs": "/api/runs/",
        "status=failed": "/api/runs/?status=failed",
        "workflow=ID": f"/api/runs/?workflow={workflow.pk}",
        "trigger=webhook": "/api/runs/?trigger=webhook",
        "top_level=true": "/api/runs/?top_level=true",
        "page=500": "/api/runs/?page=500",
        "workflow list": "/api/workflows/",
    }
    figures = {}
    for name, url in urls.items():
        times, sql = [], []
        for i in range(REQUESTS + 3):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            if i >= 3:
                times.append(elapsed)
                sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        times.sort()
        figures[name] = (statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)])
        print(
            f"  {name:<16} p50 {figures[name][0]:7.1f} ms   p95 {figures[name][1]:7.1f} ms   "
            f"(SQL p50 {statistics.median(sql):6.1f} ms, {len(queries.captured_queries)} statements)",
            flush=True,
        )
    return figures


def time_prune() -> None:
    from django.core.management import call_command

    from engine.store.models import Run

    before = Run.objects.count()
    started = time.perf_counter()
    out = StringIO()
    try:
        call_command("prune_runs", "--days", "30", "--keep-last", "0", stdout=out)
    except Exception as error:  # today's code may crash: say how
        elapsed = time.perf_counter() - started
        print(f"  prune_runs --days 30: crashed after {elapsed:.1f} s: {type(error).__name__}: {error}", flush=True)
        return
    elapsed = time.perf_counter() - started
    deleted = before - Run.objects.count()
    print(f"  prune_runs --days 30: {deleted:,} runs in {elapsed:.1f} s: {deleted / elapsed:,.0f} runs/s", flush=True)
    print("  " + out.getvalue().strip().replace("\n", "; "), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-prune", action="store_true", help="Time the lists only (keeps the seed).")
    parser.add_argument("--drop", action="store_true", help="Drop the bench database and stop.")
    args = parser.parse_args()
    if args.drop:
        _admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        print(f"dropped {DB}")
        return
    if not _exists():
        _admin(f'CREATE DATABASE "{DB}"')
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed()
    _analyze()
    print(f"lists over {RUNS:,} runs ({REQUESTS} requests each):", flush=True)
    time_lists()
    if not args.no_prune:
        time_prune()


if __name__ == "__main__":
    main()
