"""The websocket message types, defined once on this side; frontend/src/realtime/messages.ts
mirrors them and a test checks that the two agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

# Server -> client.
EVENT = "event"  # one RunEvent of a run
SNAPSHOT = "snapshot"  # the whole run (as GET /api/runs/{id}/), instead of a replay too long to send
SNAPSHOT_PART = "snapshot_part"  # a snapshot too big for one frame: part `part` of `parts` of its JSON text
RUNS = "runs"  # on connecting to a workflow's stream: its most recent runs
ERROR = "error"  # a client message that could not be used

# Client -> server.
RESUME = "resume"  # "send me everything after this seq" (a gap the client noticed)

SERVER_FIELDS: dict[str, tuple[str, ...]] = {
    EVENT: ("type", "run_id", "workflow_id", "seq", "kind", "node_id", "status", "attempt", "at", "data"),
    SNAPSHOT: ("type", "run_id", "seq", "run"),
    SNAPSHOT_PART: ("type", "run_id", "seq", "part", "parts", "data"),
    RUNS: ("type", "workflow_id", "runs"),
    ERROR: ("type", "detail"),
}
CLIENT_FIELDS: dict[str, tuple[str, ...]] = {RESUME: ("type", "after")}

# Close codes.
CLOSE_UNAUTHENTICATED = 4401  # no session or token
CLOSE_NOT_FOUND = 4404  # no such run or workflow, or another user's: the same answer
CLOSE_TOO_SLOW = 4408  # the client did not take what was sent to it in time (reconnect with ?after=)


def event_message(event: Any, workflow_id: int) -> dict[str, Any]:
    at = event.at
    return {
        "type": EVENT,
        "run_id": event.run_id,
        "workflow_id": workflow_id,
        "seq": event.seq,
        "kind": event.kind,
        "node_id": event.node_id,
        "status": event.status,
        "attempt": event.attempt,
        "at": at.isoformat() if hasattr(at, "isoformat") else at,
        "data": event.data,
    }


def snapshot_frames(run_id: int, seq: int, run: dict[str, Any], frame_bytes: int) -> Iterator[dict[str, Any]]:
    """One `snapshot`, or when its frame would exceed `frame_bytes`, `snapshot_part`s: the
    run's JSON text cut in pieces the client joins in order and parses. The text is ASCII
    (json.dumps escapes the rest), and framed again each character takes at most two bytes
    (a quote or a backslash is escaped), so a piece of (frame_bytes - 512) // 2 characters
    keeps every frame under `frame_bytes` (daphne refuses to send one over 1 MiB)."""
    whole = {"type": SNAPSHOT, "run_id": run_id, "seq": seq, "run": run}
    text = json.dumps(run)
    if len(text) + 128 <= frame_bytes:
        yield whole
        return
    size = max(1, (frame_bytes - 512) // 2)
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    for part, piece in enumerate(pieces):
        yield {"type": SNAPSHOT_PART, "run_id": run_id, "seq": seq, "part": part, "parts": len(pieces), "data": piece}
