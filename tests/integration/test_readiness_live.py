"""Readiness over real HTTP, from the server process (daphne) in Celery mode with a broker
and a channel layer of the test's own: 503 naming the database when PostgreSQL does not
answer, 200 while an engine_tick process beats, 503 naming the tick once it has stopped;
liveness 200 throughout."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from tests.integration.prod_topology import private_redis, wait_for
from tests.integration.server import ROOT, free_port, make_server

pytestmark = pytest.mark.integration


def _failing(base: str) -> dict[str, str]:
    answer = httpx.get(f"{base}/readyz", timeout=60)
    assert answer.status_code in (200, 503) and answer.headers["Content-Type"] == "application/json"
    return {name: check.get("error", "") for name, check in answer.json()["checks"].items() if not check["ok"]}


def test_readiness_names_the_database_when_postgresql_does_not_answer(tmp_path):
    closed = free_port()  # nothing listens there: PostgreSQL is gone
    with private_redis(tmp_path) as redis_url:
        env = {
            **os.environ,
            "STEPWISE_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://stepwise:db-secret-5150@127.0.0.1:{closed}/stepwise",
            "CELERY_BROKER_URL": redis_url,
            "REDIS_URL": redis_url,
            "STEPWISE_HEALTH_TIMEOUT_S": "20",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        port, log = free_port(), tmp_path / "daphne.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for("daphne answers /healthz", lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200, alive=process, log=log)
            answer = httpx.get(f"{base}/readyz", timeout=60)
            assert answer.status_code == 503, answer.text
            body = answer.json()
            assert body["status"] == "unavailable"
            database = body["checks"]["database"]
            assert database["ok"] is False and f"port {closed} failed: Connection refused" in database["error"], database
            assert body["checks"]["broker"] == {"ok": True, "transport": "redis"}
            assert body["checks"]["channel_layer"] == {"ok": True, "backend": "redis"}
            assert body["checks"]["tick"] == {"ok": False, "error": "unknown: the database, where the tick beats, does not answer"}
            assert "db-secret-5150" not in answer.text and "Traceback" not in answer.text
            assert httpx.get(f"{base}/healthz", timeout=10).json() == {"status": "ok"}
        finally:
            process.terminate()
            process.wait(15)


def test_readiness_follows_the_ticks_heartbeat(tmp_path):
    with private_redis(tmp_path) as redis_url:
        server = make_server(tmp_path, CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url, STEPWISE_HEALTH_TIMEOUT_S="20")
        tick = None
        try:
            base = server.start().base_url
            assert _failing(base) == {"tick": "no tick has beaten yet: start `manage.py engine_tick`"}

            log = tmp_path / "tick.log"
            command = [sys.executable, "manage.py", "engine_tick", "--interval", "0.5"]
            tick = subprocess.Popen(command, cwd=ROOT, env=server.env, stdout=log.open("w"), stderr=subprocess.STDOUT)
            wait_for("readiness is 200 while the tick beats", lambda: _failing(base) == {}, alive=tick, log=log)

            tick.terminate()
            assert tick.wait(30) == 0, "engine_tick stops cleanly on SIGTERM"
            failing = wait_for("readiness names the stopped tick", lambda: _failing(base) or None)
            assert list(failing) == ["tick"] and failing["tick"].startswith("the tick last beat "), failing
            assert "more than 3 intervals of 0.5 s" in failing["tick"]
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        finally:
            if tick is not None and tick.poll() is None:
                tick.kill()
            server.stop()
