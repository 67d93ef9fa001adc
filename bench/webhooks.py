"""Webhook throughput: signed calls accepted per second and the time from a call to its
run's end (p50/p95), at concurrency 8, for a 3-step workflow, in both modes. Beside it, the
same server's floor for an HTTP round trip (GET /healthz) at the same concurrency.

    .venv/bin/python bench/webhooks.py      # needs PostgreSQL and Redis on 127.0.0.1

Embedded: daphne with the in-process engine on SQLite. Celery: daphne on PostgreSQL, two
prefork workers (4 processes each) over Redis, one engine_tick.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import stack  # noqa: E402
from tests.integration.server import Server  # noqa: E402

CALLS = int(os.environ.get("BENCH_WEBHOOK_CALLS", "400"))
CONCURRENCY = 8
REDIS_BROKER = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
GRAPH = {
    "nodes": [
        {"id": "hook", "type": "trigger.webhook", "config": {"methods": ["POST"], "rate_limit_per_minute": 100_000}},
        {"id": "double", "type": "transform", "config": {"expression": "trigger.body.n * 2"}},
        {"id": "label", "type": "transform", "config": {"expression": "'n=' & $string(steps.double.output)"}},
    ],
    "edges": [
        {"id": "e1", "source": "hook", "target": "double"},
        {"id": "e2", "source": "double", "target": "label"},
    ],
}


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(sorted(values), n=100)[q - 1]


def all_runs(base: str, wf: int, headers: dict[str, str]) -> list[dict[str, Any]]:
    runs, page = [], f"{base}/api/runs/?workflow={wf}&page_size=100"
    while page:
        body = httpx.get(page, headers=headers).json()
        runs += body["results"]
        page = body["next"]
    return runs


def measure(server: Server) -> dict[str, float]:
    token = server.create_user_with_token(f"bench{int(time.time() * 1000)}")
    headers = {"Authorization": f"Token {token}"}
    base = server.base_url
    wf = httpx.post(f"{base}/api/workflows/", json={"name": "hooks", "graph": GRAPH}, headers=headers).json()["id"]
    httpx.post(f"{base}/api/workflows/{wf}/activate/", headers=headers).raise_for_status()
    url = httpx.get(f"{base}/api/workflows/{wf}/triggers/", headers=headers).json()[0]["url"]
    secret = httpx.get(f"{base}/api/workflows/{wf}/triggers/hook/secret/", headers=headers).json()["secret"]
    signer = Webhook(secret)
    sent: dict[int, datetime] = {}
    first = datetime.now(UTC)

    def call(i: int, client: httpx.Client) -> None:
        body = json.dumps({"n": i})
        at = datetime.now(UTC)
        signed = {
            "content-type": "application/json",
            "webhook-id": f"b{wf}-{i}",
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signer.sign(f"b{wf}-{i}", at, body),
        }
        response = client.post(url, content=body, headers=signed)
        assert response.status_code == 202, response.text
        sent[response.json()["run_id"]] = at

    def lane(lane_no: int) -> None:
        with httpx.Client(timeout=60) as client:
            for i in range(lane_no, CALLS, CONCURRENCY):
                call(i, client)

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lane, range(CONCURRENCY)))
    accept_s = time.monotonic() - started
    ends: list[float] = []
    all_done_s = float("nan")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        done = [r for r in all_runs(base, wf, headers) if r["finished_at"]]
        if len(done) >= CALLS:
            assert {r["status"] for r in done} == {"succeeded"}
            finished = [datetime.fromisoformat(r["finished_at"].replace("Z", "+00:00")) for r in done]
            ends = [(f - sent[r["id"]]).total_seconds() * 1000 for f, r in zip(finished, done, strict=True)]
            all_done_s = (max(finished) - first).total_seconds()
            break
        time.sleep(0.5)

    def ping(lane_no: int) -> None:
        with httpx.Client() as client:
            for _ in range(lane_no, CALLS, CONCURRENCY):
                client.get(f"{base}/healthz")

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(ping, range(CONCURRENCY)))
    floor = CALLS / (time.monotonic() - started)
    return {
        "accepted_per_s": CALLS / accept_s,
        "p50_end_ms": pct(ends, 50),
        "p95_end_ms": pct(ends, 95),
        "runs_per_s": CALLS / all_done_s,
        "healthz_per_s": floor,
    }


def main() -> None:
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        with stack.embedded(Path(tmp) / "embedded") as server:
            rows["embedded (SQLite, threads)"] = measure(server)
        with stack.celery(Path(tmp) / "celery", REDIS_BROKER, "hook") as server:
            rows["Celery (PostgreSQL, Redis)"] = measure(server)
    print(f"\n{CALLS} signed calls, concurrency {CONCURRENCY}, 3-step workflow")
    print(f"{'mode':<30} {'accepted/s':>11} {'runs/s':>8} {'p50 end ms':>11} {'p95 end ms':>11} {'healthz/s':>10}")
    for label, r in rows.items():
        print(
            f"{label:<30} {r['accepted_per_s']:>11.1f} {r['runs_per_s']:>8.1f} {r['p50_end_ms']:>11.1f} "
            f"{r['p95_end_ms']:>11.1f} {r['healthz_per_s']:>10.1f}"
        )


if __name__ == "__main__":
    main()
