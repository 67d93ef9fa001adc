"""Live-status latency: from a step transition's commit to the websocket frame a client
receives, p50/p95/p99, in both modes, beside the raw channel layer in the same run.

    .venv/bin/python bench/live.py          # needs PostgreSQL and Redis on 127.0.0.1

A client follows ws/workflows/<id>/ (every event of every run) while RUNS runs of a 6-step
workflow go by; latency = receive time - the event's `at` (stamped just before its
commit). Modes: embedded (daphne with the in-process engine, SQLite, in-memory layer) and
Celery (2 prefork workers over Redis, PostgreSQL, channels-redis; daphne relays). Raw:
messages group_sent straight into the same channels-redis group, relayed by the same
consumer, without the engine.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import stack  # noqa: E402
from tests.integration.server import Server  # noqa: E402

RUNS = int(os.environ.get("BENCH_LIVE_RUNS", "40"))
REDIS_CHANNELS = os.environ.get("BENCH_REDIS_CHANNELS", "redis://127.0.0.1:6379/10")
REDIS_BROKER = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")

GRAPH: dict[str, list[dict[str, Any]]] = {
    "nodes": [{"id": "start", "type": "trigger.manual", "config": {}}]
    + [{"id": f"s{i}", "type": "transform", "config": {"expression": f"{i}"}} for i in range(5)],
    "edges": [{"id": f"e{i}", "source": "start" if i == 0 else f"s{i - 1}", "target": f"s{i}"} for i in range(5)],
}


def percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    q = statistics.quantiles(values, n=100)
    return {"n": len(values), "p50": q[49], "p95": q[94], "p99": q[98]}


async def follow(
    server: Server, token: str, workflow_id: int, ends: int, start_runs: Callable[[], Coroutine[Any, Any, None]]
) -> list[float]:
    """Every event frame's latency until `ends` frames have ended a run (a run's
    succeeded event; for the raw layer, its last message)."""
    url = server.base_url.replace("http", "ws") + f"/ws/workflows/{workflow_id}/"
    latencies: list[float] = []
    ended = 0
    async with websockets.connect(url, additional_headers={"Authorization": f"Token {token}"}) as socket:
        json.loads(await socket.recv())  # the recent runs
        starter = asyncio.create_task(start_runs())
        while ended < ends:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 30))
            received = datetime.now(UTC)
            if frame.get("type") == "event":
                latencies.append((received - datetime.fromisoformat(frame["at"])).total_seconds() * 1000)
                ended += frame.get("kind", "run") == "run" and frame.get("status", "succeeded") == "succeeded"
        await starter
    return latencies


def measure(server: Server, raw_layer: bool = False) -> list[float]:
    token = server.create_user_with_token(f"bench{int(time.time() * 1000)}")
    headers = {"Authorization": f"Token {token}"}
    workflow = httpx.post(f"{server.base_url}/api/workflows/", json={"name": "live", "graph": GRAPH}, headers=headers).json()
    per_run = len(GRAPH["nodes"]) * 3 + 1  # as many messages as a run's events when no step runs inline
    if raw_layer:
        count = RUNS * per_run
        return asyncio.run(follow(server, token, workflow["id"], count, lambda: send_raw(workflow["id"], count)))

    async def start_runs() -> None:
        async with httpx.AsyncClient(headers=headers) as client:
            for _ in range(RUNS):
                await client.post(f"{server.base_url}/api/workflows/{workflow['id']}/runs/", json={"input": {}})
                await asyncio.sleep(0.02)

    return asyncio.run(follow(server, token, workflow["id"], RUNS, start_runs))


async def send_raw(workflow_id: int, count: int) -> None:
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[REDIS_CHANNELS])
    for i in range(count):
        at = datetime.now(UTC).isoformat()
        await layer.group_send(f"workflow.{workflow_id}", {"type": "run.events", "events": [{"type": "event", "seq": i + 1, "at": at}]})
        await asyncio.sleep(0.002)


def main() -> None:
    import redis

    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        with stack.embedded(Path(tmp) / "embedded") as server:
            rows["embedded (in-memory layer)"] = percentiles(measure(server))
        redis.Redis.from_url(REDIS_CHANNELS).flushdb()
        with stack.celery(Path(tmp) / "celery", REDIS_BROKER, "live", REDIS_URL=REDIS_CHANNELS) as server:
            rows["Celery + channels-redis"] = percentiles(measure(server))
            rows["raw channels-redis (no engine)"] = percentiles(measure(server, raw_layer=True))
    print(f"\n{'mode':<32} {'frames':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label, r in rows.items():
        print(f"{label:<32} {r['n']:>7} {r['p50']:>8.2f} {r['p95']:>8.2f} {r['p99']:>8.2f}")


if __name__ == "__main__":
    main()
