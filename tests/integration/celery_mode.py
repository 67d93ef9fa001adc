"""The production mode for tests: real Celery worker processes and an engine_tick process
over Redis, on the test's own database (committed data), with the Celery dispatcher in the
test process."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from tests.redis_server import delete_prefixed, new_prefix, session_redis

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def worker_command(name: str, concurrency: int, *, app: str = "config", loglevel: str = "WARNING") -> list[str]:
    """A Celery worker on the steps queue, as production runs it (prefetch 1)."""
    return [
        sys.executable, "-m", "celery", "-A", app, "worker", "-Q", "stepwise.steps", "-c", str(concurrency),
        "--prefetch-multiplier", "1", "-n", f"{name}@%h", "--loglevel", loglevel, "--without-gossip", "--without-mingle",
    ]  # fmt: skip


def use_broker(url: str, prefix: str) -> None:
    """Point this process's Celery app at a broker and the key prefix of its Celery mode,
    dropping pooled connections to the last one."""
    from django.conf import settings
    from kombu import pools

    from config.celery import app

    pools.reset()  # kombu keeps producer pools per connection, process-wide
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.broker_transport_options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": prefix}


class CeleryMode:
    """Its keys in Redis (the broker's queues, and the channel layer's in its processes)
    all start with a prefix of its own: it never reads another test's messages, nor a
    leftover of its own earlier tests, and it clears only those keys when it stops."""

    def __init__(self, var_dir: Path, workers: int = 2, broker: str | None = None, **extra_env: str) -> None:
        self.broker = broker or session_redis()
        self.prefix = new_prefix("celery")
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker,
            "REDIS_KEY_PREFIX": self.prefix,
            "STEPWISE_HTTP_ALLOWED_NETWORKS": "127.0.0.1/32",
            "STEPWISE_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **extra_env,
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.var_dir = var_dir
        self.workers: list[subprocess.Popen[bytes]] = []
        self.ticker: subprocess.Popen[bytes] | None = None
        self.ticks: list[subprocess.Popen[bytes]] = []
        self.concurrency = workers

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        log = open(self.var_dir / f"worker-{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(
            worker_command(name, self.concurrency),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes its pool children too
        )
        self.workers.append(process)
        return process

    def start_tick(self, name: str) -> subprocess.Popen[bytes]:
        """An engine_tick process (its log in `<name>.log`); any number may run at once."""
        log = open(self.var_dir / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(
            [sys.executable, "manage.py", "engine_tick", "--interval", "0.1"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.ticks.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen[bytes]) -> None:
        """kill -9 a worker and its pool processes, mid-whatever they are doing."""
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            import pathlib

            state = pathlib.Path(f"/proc/{process.pid}/status").read_text().splitlines()[:3]
            raise RuntimeError(f"pid {process.pid} pgid {os.getpgid(process.pid)} state {state}") from None
        self.workers.remove(process)

    def start(self, *, tick: bool = True) -> CeleryMode:
        """Start a worker and (unless not `tick`) an engine_tick process; wait for the worker."""
        from config.celery import app

        use_broker(self.broker, self.prefix)
        self.start_worker("w1")
        if tick:
            self.ticker = self.start_tick("tick")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.ping(timeout=0.5):
                return self
            for process in self.workers:
                if process.poll() is not None:
                    raise RuntimeError((self.var_dir / "worker-w1.log").read_text())
        raise RuntimeError("no Celery worker answered ping within 60 s")

    def stop(self) -> None:
        for process in [*self.workers, *self.ticks]:
            if process.poll() is None:
                process.terminate()
        for process in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
        for process in [*self.workers, *self.ticks]:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.clear()

    def clear(self) -> None:
        """Delete this mode's own keys (and only those) from the broker and the channel layer."""
        import redis

        for url in {self.broker, self.env.get("REDIS_URL") or self.broker}:
            with contextlib.suppress(redis.ConnectionError):  # a test that stopped its broker for good
                delete_prefixed(url, self.prefix)
