"""What the store hands to the layers above, and takes from them: plain values, no model
instances, so the planner and the expressions never touch the ORM."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class StepState:
    """What the planner sees of a step: its status and the output ports it took."""

    status: str
    ports: tuple[str, ...] = ()


@dataclass(slots=True)
class RunSeen:
    """A run as one statement saw it: its last sequence number (its events' count), its
    status and error, and its steps' states (iteration 0), all from the same moment."""

    last_seq: int
    status: str
    error: Any
    states: dict[str, StepState]


@dataclass(frozen=True, slots=True)
class StepRow:
    """What an evaluation sees of a step: its status, the ports it took and its output (a
    value, not the database's text)."""

    node_id: str
    status: str
    ports: tuple[str, ...]
    output: Any

    @property
    def state(self) -> StepState:
        return StepState(self.status, self.ports)


@dataclass(slots=True)
class Claim:
    """A worker's claim on a step created already running: the step a worker goes on with
    at once, in the commit that made it ready. Taken (`take`) when the step is created: its
    lease (fenced by `token`) runs from `at` to `until`; `step` is its (id, node)."""

    worker: str
    lease_s: float
    token: str = ""
    at: datetime | None = None
    until: datetime | None = None
    step: tuple[int, str] | None = None

    def take(self, now: datetime) -> None:
        self.token, self.at, self.until = secrets.token_hex(8), now, now + timedelta(seconds=self.lease_s)


@dataclass(slots=True)
class StepDraft:
    """A step about to be created, in its first status (queued, skipped; succeeded for a
    trigger, a reused output, or a pure step run inline), with what it starts with; `data`
    is its first event's."""

    node_id: str
    status: str
    iteration: int = 0
    attempt: int = 0
    input: Any = None
    output: Any = None
    error: Any = None
    ports: list[str] = field(default_factory=list)
    lease_owner: str = ""
    lease_token: str = ""
    lease_expires_at: datetime | None = None
    not_before: datetime | None = None
    attempts: list[Any] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    compensates: str = ""
    data: Any = None
    # A queued step created claimed by a worker: written running (queued -> running, both
    # events recorded), as a claim right after its creation would.
    claim: Claim | None = None

    @property
    def state(self) -> StepState:
        return StepState(self.status, tuple(self.ports))


# The columns a StepDraft fills (but its run and its times), in order.
DRAFT_COLUMNS = tuple(f for f in StepDraft.__dataclass_fields__ if f not in ("data", "claim"))


@dataclass(slots=True)
class StepThrough:
    """A queued pure step run inline, to record queued -> running -> succeeded at once:
    written only if still queued at `attempt` (the one read) and due."""

    id: int
    node_id: str
    attempt: int
    started_at: datetime
    finished_at: datetime
    input: Any
    output: Any
    ports: list[str]
    attempts: list[Any]
