"""What the store hands to the layers above, and takes from them: plain values, no model
instances, so the planner and the expressions never touch the ORM."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StepState:
    """What the planner sees of a step: its status and the output ports it took."""

    status: str
    ports: tuple[str, ...] = ()


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
