"""Webhooks over real HTTP (daphne, PostgreSQL when DATABASE_URL is set): 50 concurrent
calls with one webhook-id start exactly one run; a caller waiting for its result does not
hold up the rest of the server."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.integration.http_helpers import signed as _signed

pytestmark = pytest.mark.integration


def _setup(server, username, config):
    token = server.create_user_with_token(username)
    headers = {"Authorization": f"Token {token}"}
    graph = {
        "nodes": [
            {"id": "hook", "type": "trigger.webhook", "position": {"x": 0, "y": 0}, "config": {"methods": ["POST"], **config}},
            {"id": "nap", "type": "wait", "position": {"x": 0, "y": 0}, "config": {"mode": "duration", "duration_s": 1}},
            {"id": "echo", "type": "transform", "position": {"x": 0, "y": 0}, "config": {"expression": "trigger.body"}},
        ],
        "edges": [
            {"id": "e1", "source": "hook", "source_port": "out", "target": "nap", "target_port": "in"},
            {"id": "e2", "source": "nap", "source_port": "out", "target": "echo", "target_port": "in"},
        ],
    }
    base = server.base_url
    wf = httpx.post(f"{base}/api/workflows/", json={"name": "Hooked", "graph": graph}, headers=headers).json()["id"]
    assert httpx.post(f"{base}/api/workflows/{wf}/activate/", headers=headers).status_code == 200
    [trigger] = httpx.get(f"{base}/api/workflows/{wf}/triggers/", headers=headers).json()
    secret = httpx.get(f"{base}/api/workflows/{wf}/triggers/hook/secret/", headers=headers).json()["secret"]
    return headers, wf, trigger["url"], secret


def test_fifty_concurrent_calls_with_one_webhook_id_start_one_run(live_server_process):
    server = live_server_process
    headers, wf, url, secret = _setup(server, "sam", {})
    body = json.dumps({"order": "A-1"}).encode()
    signed = _signed(secret, body, "msg_concurrent")
    barrier = threading.Barrier(50)

    def call(_):
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            return client.post(url, content=body, headers=signed)

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(call, range(50)))
    assert [a.status_code for a in answers] == [202] * 50, [a.text for a in answers if a.status_code != 202][:3]
    run_ids = {a.json()["run_id"] for a in answers}
    assert len(run_ids) == 1
    assert sum(not a.json()["duplicate"] for a in answers) == 1
    runs = httpx.get(f"{server.base_url}/api/runs/?workflow={wf}", headers=headers).json()
    assert runs["count"] == 1 and runs["results"][0]["id"] in run_ids


def test_a_waiting_caller_holds_no_thread_the_rest_of_the_server_needs(live_server_process):
    server = live_server_process
    headers, wf, url, secret = _setup(server, "tia", {"response_mode": "wait", "wait_timeout_s": 20})
    body = json.dumps({"order": "A-2"}).encode()
    with ThreadPoolExecutor(4) as pool:
        waiting = [pool.submit(httpx.post, url, content=body, headers=_signed(secret, body, f"w{i}"), timeout=30) for i in range(4)]
        time.sleep(0.3)
        # While four callers wait on one-second runs, the API answers at once.
        started = time.monotonic()
        assert httpx.get(f"{server.base_url}/api/workflows/{wf}/", headers=headers).status_code == 200
        api_s = time.monotonic() - started
        answers = [f.result() for f in waiting]
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.json() for a in answers] == [{"echo": {"order": "A-2"}}] * 4
    assert api_s < 0.5, f"the API took {api_s:.2f} s while webhooks waited"
