"""The two ways the benches serve Stepwise, as `make run` and production do: daphne with
the in-process engine on SQLite, and daphne on PostgreSQL with two Celery workers (4
processes each) over Redis and one engine_tick."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.integration.celery_mode import worker_command  # noqa: E402
from tests.integration.server import Server, make_server  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432/postgres"
INTEGRATION_VARS = {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}


def embedded_environment() -> None:
    """This process's environment without the integrations: the embedded default."""
    kept = {k: v for k, v in os.environ.items() if k not in INTEGRATION_VARS}
    os.environ.clear()
    os.environ.update(kept)


@contextmanager
def embedded(var_dir: Path) -> Iterator[Server]:
    embedded_environment()
    var_dir.mkdir()
    server = make_server(var_dir).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def celery(var_dir: Path, broker: str, name: str, **extra_env: str) -> Iterator[Server]:
    """A fresh PostgreSQL database, an emptied Redis broker database, workers and a tick."""
    import redis

    os.environ["DATABASE_URL"] = PG
    var_dir.mkdir()
    server = make_server(var_dir, CELERY_BROKER_URL=broker, **extra_env)
    redis.Redis.from_url(broker).flushdb()
    server.manage("migrate", "--no-input", "-v", "0")
    workers = [subprocess.Popen(worker_command(f"{name}{i}", 4, loglevel="ERROR"), cwd=ROOT, env=server.env) for i in range(2)]
    ticker = subprocess.Popen([sys.executable, "manage.py", "engine_tick", "--interval", "0.2"], cwd=ROOT, env=server.env)
    try:
        server.start()
        time.sleep(3)  # workers up
        yield server
    finally:
        for p in [*workers, ticker]:
            p.terminate()
        for p in [*workers, ticker]:
            p.wait(30)
        server.stop()  # drops its database, after everything using it has stopped
