"""What several integration tests do over HTTP: wait for a run to end, sign a webhook call."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook


def wait_run(client: httpx.Client, run_id: int, timeout: float = 60, poll_s: float = 0.05) -> dict[str, Any]:
    """The run's detail once it has ended; an AssertionError naming its steps if it did not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = client.get(f"/api/runs/{run_id}/").json()
        if detail["status"] in ("succeeded", "failed", "cancelled"):
            return detail
        time.sleep(poll_s)
    steps = [(s["node_id"], s["status"]) for s in detail["steps"]]
    raise AssertionError(f"run {run_id} did not end within {timeout} s: {detail['status']} {steps}")


def signed(secret: str, body: bytes, msg_id: str) -> dict[str, str]:
    """Standard Webhooks headers for `body`, signed now with `secret`."""
    at = datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
    }
