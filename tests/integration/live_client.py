"""A websocket client for the integration tests that behaves like the canvas's
(frontend/src/realtime/socket.ts): it keeps the last seq it applied, reconnects with
?after=SEQ, ignores duplicates, asks again on a gap and takes snapshots."""

from __future__ import annotations

import json
from typing import Any

import websockets


class LiveRun:
    def __init__(self, base_ws: str, run_id: int, token: str) -> None:
        self.url = f"{base_ws}/ws/runs/{run_id}/"
        self.headers = {"Authorization": f"Token {token}"}
        self.seq = 0
        self.status: str | None = None
        self.steps: dict[str, tuple[str, int]] = {}
        self.frames = 0
        self.connections = 0
        self.snapshot: dict[str, Any] | None = None  # the last one, whole
        self._parts: list[str] = []

    def apply(self, frame: dict[str, Any]) -> bool:
        """False on a gap (the caller asks again)."""
        self.frames += 1
        if frame["type"] == "snapshot_part":  # a snapshot too big for one frame: its JSON, in order
            # Part 0 starts one; a part out of order drops it (the snapshot is asked for again).
            if frame["part"] == 0:
                self._parts = [frame["data"]]
            else:
                self._parts = [*self._parts, frame["data"]] if frame["part"] == len(self._parts) else []
            if len(self._parts) != frame["parts"]:
                return True
            frame = {"type": "snapshot", "seq": frame["seq"], "run": json.loads("".join(self._parts))}
            self._parts = []
        if frame["type"] == "snapshot":
            self.snapshot = frame["run"]
            self.seq, self.status = frame["seq"], frame["run"]["status"]
            self.steps = {s["node_id"]: (s["status"], s["attempt"]) for s in frame["run"]["steps"]}
            return True
        if frame["type"] != "event" or frame["seq"] <= self.seq:
            return True
        if frame["seq"] != self.seq + 1:
            return False
        self.seq = frame["seq"]
        if frame["kind"] == "run":
            self.status = frame["status"]
        else:
            self.steps[frame["node_id"]] = (frame["status"], frame["attempt"])
        return True

    def connect(self) -> Any:
        self.connections += 1
        return websockets.connect(f"{self.url}?after={self.seq}", additional_headers=self.headers, open_timeout=10)

    async def read(self, socket: Any, timeout: float) -> bool:
        """Apply frames for up to `timeout` s; False if the server closed."""
        import asyncio

        try:
            async with asyncio.timeout(timeout):
                while True:
                    frame = json.loads(await socket.recv())
                    if not self.apply(frame):
                        await socket.send(json.dumps({"type": "resume", "after": self.seq}))
        except TimeoutError:
            return True
        except websockets.ConnectionClosed:
            return False

    def state(self) -> dict[str, Any]:
        return {"seq": self.seq, "status": self.status, "steps": self.steps}
