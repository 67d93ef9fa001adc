"""`make prod` as it starts in production: deploy/prod.sh (what the Makefile's target runs)
against a PostgreSQL database and a redis-server of the test's own. It migrates, prints the
first-account link, starts web, two workers and the tick under honcho; the link makes the
first account, a workflow with a webhook trigger is made through the API, a signed call
starts a run whose HTTP step runs on a worker, and the run succeeds. SIGTERM stops every
process cleanly (none needs honcho's SIGKILL)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.integration.http_helpers import signed as _signed
from tests.integration.prod_topology import own_database, private_redis, wait_for
from tests.integration.server import ROOT, free_port

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def _first_account(base: str, link: str) -> httpx.Client:
    browser = httpx.Client(base_url=base, timeout=30)
    form = browser.get(link)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    password = "prod-account-pass-31"
    created = browser.post(
        link,
        data={"csrfmiddlewaretoken": csrf, "username": "operator", "email": "", "password1": password, "password2": password},
        headers={"Referer": link},
    )
    assert created.status_code == 302, created.text[:500]
    browser.headers.update({"X-CSRFToken": browser.cookies["csrftoken"], "Referer": base + "/"})
    return browser


def _graph(ledger: str) -> dict:
    return {
        "nodes": [
            {"id": "hook", "type": "trigger.webhook", "position": {"x": 0, "y": 0}, "config": {"methods": ["POST"]}},
            {"id": "call", "type": "http.request", "position": {"x": 2, "y": 0}, "config": {"method": "POST", "url": f"{ledger}/orders"}},
            {"id": "echo", "type": "transform", "position": {"x": 400, "y": 0}, "config": {"expression": "trigger.body.order"}},
        ],
        "edges": [
            {"id": "e1", "source": "hook", "source_port": "out", "target": "call", "target_port": "in"},
            {"id": "e2", "source": "call", "source_port": "out", "target": "echo", "target_port": "in"},
        ],
    }


def _started(log: Path, count: int) -> dict[str, int] | None:
    """The processes honcho reports started, once there are `count` of them."""
    found = {name: int(pid) for name, pid in re.findall(r"\| (\S+) started \(pid=(\d+)\)", log.read_text())}
    return found if len(found) == count else None


def test_make_prod_runs_a_webhook_to_the_end(tmp_path, ledger):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "prod.log"
    with own_database() as database_url, private_redis(tmp_path) as redis_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKERS": "2",
            "WORKER_CONCURRENCY": "1",
            "VENV": str(Path(sys.executable).parent.parent),
            "STEPWISE_VAR_DIR": str(tmp_path / "var"),
            "STEPWISE_HTTP_ALLOWED_NETWORKS": "127.0.0.1/32",
        }
        for name in ("CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        output = log.open("w")
        prod = subprocess.Popen(["./deploy/prod.sh"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        started: dict[str, int] = {}
        try:
            # Ready: the database, the broker, the channel layer and the tick's heartbeat.
            ready = lambda: httpx.get(f"{base}/readyz", timeout=5).status_code == 200  # noqa: E731
            wait_for("/readyz answers 200", ready, seconds=240, alive=prod, log=log)
            started = wait_for("honcho reports 4 processes", lambda: _started(log, 4), alive=prod, log=log)
            assert set(started) == {"web.1", "worker.1", "worker.2", "tick.1"}
            link = re.search(rf"({re.escape(base)}/setup/[\w-]+/)", log.read_text()).group(1)

            browser = _first_account(base, link)
            made = browser.post("/api/workflows/", json={"name": "Orders", "graph": _graph(ledger.base)})
            assert made.status_code == 201, made.text
            workflow = made.json()["id"]
            assert browser.post(f"/api/workflows/{workflow}/activate/").status_code == 200
            [trigger] = browser.get(f"/api/workflows/{workflow}/triggers/").json()
            secret = browser.get(f"/api/workflows/{workflow}/triggers/hook/secret/").json()["secret"]

            body = json.dumps({"order": "A-17"}).encode()
            answer = httpx.post(f"{trigger['url']}?wait=60", content=body, headers=_signed(secret, body, "msg_prod_1"), timeout=90)
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"echo": "A-17"}
            runs = browser.get(f"/api/runs/?workflow={workflow}").json()["results"]
            assert [run["status"] for run in runs] == ["succeeded"]
            run = browser.get(f"/api/runs/{runs[0]['id']}/").json()
            statuses = {step["node_id"]: step["status"] for step in run["steps"]}
            assert statuses == {"hook": "succeeded", "call": "succeeded", "echo": "succeeded"}
            assert [call["path"] for call in ledger.calls] == ["/orders"]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(prod.pid, signal.SIGTERM)
            try:
                code = prod.wait(60)
            finally:
                for pid in [prod.pid, *started.values()]:  # whatever is left, by its own group
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(pid, signal.SIGKILL)
    output = log.read_text()
    assert code == 143, output[-3000:]  # honcho's answer to SIGTERM once every process has stopped
    assert "SIGKILL" not in output, output[-3000:]
    for name in started:
        assert re.search(rf"\| {re.escape(name)} stopped \(rc=", output), f"{name} did not stop:\n{output[-3000:]}"
    for pid in started.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
