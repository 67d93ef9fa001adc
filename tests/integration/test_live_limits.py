"""The live stream's limits over a real daphne (embedded mode): a snapshot
bigger than daphne's largest websocket message (1 MiB), and a client that sends `resume`
after `resume` and reads nothing."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from typing import Any

import httpx
import pytest
import websockets

from tests.integration.live_client import LiveRun
from tests.integration.server import make_server

pytestmark = pytest.mark.integration

DAPHNE_MAX_MESSAGE = 1024 * 1024


def _node(node_id: str, node_type: str, config: dict[str, Any] | None = None, x: int = 0) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "config": config or {}, "position": {"x": x, "y": 0}}


def _chain(*nodes: dict[str, Any]) -> dict[str, Any]:
    edges = [{"id": f"e{i}", "source": a["id"], "target": b["id"]} for i, (a, b) in enumerate(itertools.pairwise(nodes))]
    return {"nodes": list(nodes), "edges": edges}


def _run(client: httpx.Client, graph: dict[str, Any], run_input: dict[str, Any]) -> dict[str, Any]:
    created = client.post("/api/workflows/", json={"name": "limits", "graph": graph})
    assert created.status_code == 201, created.text
    started = client.post(f"/api/workflows/{created.json()['id']}/runs/", json={"input": run_input})
    assert started.status_code in (200, 201, 202), started.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        detail = client.get(f"/api/runs/{started.json()['id']}/").json()
        if detail["status"] in ("succeeded", "failed", "cancelled"):
            assert detail["status"] == "succeeded", detail["status"]
            return detail
        time.sleep(0.05)
    raise AssertionError("run did not end")


@pytest.fixture
def server(tmp_path):
    # Every reconnect from 0 gets a snapshot; resumes may come close together; a small bound.
    server = make_server(
        tmp_path,
        STEPWISE_LIVE_SNAPSHOT_AFTER="1",
        STEPWISE_LIVE_RESUME_MIN_S="0.05",
        STEPWISE_LIVE_PENDING_BYTES="65536",
        STEPWISE_LIVE_SLOW_CLOSE_S="2",
    )
    try:
        yield server.start()
    finally:
        server.stop()


def test_a_snapshot_over_a_mebibyte_arrives_in_parts(server):
    token = server.create_user_with_token("big")
    blob = "x" * 400_000 + '"\\é'  # escapes and non-ASCII grow when framed
    graph = _chain(
        _node("start", "trigger.manual"),
        _node("a", "transform", {"expression": "trigger.blob"}, 200),
        _node("b", "transform", {"expression": "steps.a.output"}, 400),
    )
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}, timeout=30) as client:
        detail = _run(client, graph, {"blob": blob})
    assert len(json.dumps(detail)) > DAPHNE_MAX_MESSAGE  # the run, as the snapshot carries it

    async def follow() -> tuple[LiveRun, list[int]]:
        live = LiveRun(server.base_url.replace("http", "ws"), detail["id"], token)
        sizes: list[int] = []
        async with live.connect() as ws:
            while live.seq < detail["last_seq"]:
                text = await asyncio.wait_for(ws.recv(), timeout=20)
                sizes.append(len(text))
                live.apply(json.loads(text))
        return live, sizes

    live, sizes = asyncio.run(follow())
    assert live.state() == {
        "seq": detail["last_seq"],
        "status": "succeeded",
        "steps": {s["node_id"]: (s["status"], s["attempt"]) for s in detail["steps"]},
    }
    assert live.snapshot is not None and live.snapshot["steps"][-1]["output"] == blob
    assert len(sizes) > 1 and max(sizes) < DAPHNE_MAX_MESSAGE
    assert "PayloadExceededError" not in (server.var_dir / "daphne.log").read_text()


def test_a_client_that_never_reads_is_closed_and_held_to_a_bound(server):
    """The client sends resumes for 8 s and reads nothing. Each resume asks for the whole run
    (about 180 events, 45 kB) again; then it reads what reached it. The server closed it,
    and what it could read is what the kernel's buffers and the bound hold, not 8 s of
    replays. A client that reads is unaffected (the other tests here)."""
    token = server.create_user_with_token("slow")
    graph = _chain(_node("start", "trigger.manual"), *(_node(f"n{i}", "transform", {"expression": f"{i}"}, 100 * i) for i in range(60)))
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}, timeout=30) as client:
        detail = _run(client, graph, {})

    async def flood() -> tuple[int, int, bool]:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        url = f"ws://127.0.0.1:{server.port}/ws/runs/{detail['id']}/?after={detail['last_seq']}"
        headers = {"Authorization": f"Token {token}"}
        async with websockets.connect(url, sock=sock, additional_headers=headers, max_queue=1, max_size=None) as ws:
            sent = 0
            deadline = time.monotonic() + 8
            try:
                while time.monotonic() < deadline:
                    await ws.send(json.dumps({"type": "resume", "after": 0}))
                    sent += 1
                    await asyncio.sleep(0.02)
            except websockets.ConnectionClosed:
                pass
            received, closed = 0, False
            try:
                while True:
                    received += len(await asyncio.wait_for(ws.recv(), timeout=10))
            except websockets.ConnectionClosed:
                closed = True
            except TimeoutError:
                pass
            return sent, received, closed

    sent, received, closed = asyncio.run(flood())
    replay = 45_000
    assert sent > 100
    assert closed, f"still open after {received} bytes"
    assert received < 20 * replay < sent * replay / 5, (received, sent)
