"""The websocket message types, defined once on this side; frontend/src/realtime/messages.ts
mirrors them and a test checks that the two agree."""

from __future__ import annotations

from typing import Any

# Server -> client.
EVENT = "event"  # one RunEvent of a run
SNAPSHOT = "snapshot"  # the whole run (as GET /api/runs/{id}/), instead of a replay too long to send
RUNS = "runs"  # on connecting to a workflow's stream: its most recent runs
ERROR = "error"  # a client message that could not be used

# Client -> server.
RESUME = "resume"  # "send me everything after this seq" (a gap the client noticed)

SERVER_FIELDS: dict[str, tuple[str, ...]] = {
    EVENT: ("type", "run_id", "workflow_id", "seq", "kind", "node_id", "status", "attempt", "at", "data"),
    SNAPSHOT: ("type", "run_id", "seq", "run"),
    RUNS: ("type", "workflow_id", "runs"),
    ERROR: ("type", "detail"),
}
CLIENT_FIELDS: dict[str, tuple[str, ...]] = {RESUME: ("type", "after")}

# Close codes.
CLOSE_UNAUTHENTICATED = 4401  # no session or token
CLOSE_NOT_FOUND = 4404  # no such run or workflow, or another user's: the same answer


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
