"""What an evaluation may spend, and how it ends when it cannot finish: shared by the
process that asks (catalog.expressions.evaluate) and the evaluator that answers
(catalog.expressions.evaluator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT_MS = 1000
DEFAULT_MAX_DEPTH = 200
DEFAULT_MAX_OUTPUT_BYTES = 1_048_576


@dataclass(frozen=True, slots=True)
class Limits:
    """What one evaluation may spend. `timeout_ms` is wall-clock time; `cpu_s` and
    `memory_mb` are enforced by the operating system on the evaluator process."""

    timeout_ms: int = DEFAULT_TIMEOUT_MS
    cpu_s: float = 1.0
    memory_mb: int = 256
    max_depth: int = DEFAULT_MAX_DEPTH
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES


DEFAULT_LIMITS = Limits()


class ExpressionError(ValueError):
    """An expression failed at run time; the message names the expression. `code` is
    JSONata's error code (or one of ours: `timeout`, `memory`, `cpu`, `output_too_large`),
    `position` the character where it failed, when JSONata says."""

    def __init__(self, expression: str, reason: str, *, code: str | None = None, position: int | None = None) -> None:
        super().__init__(f"Expression {expression!r} failed: {reason}")
        self.expression = expression
        self.reason = reason
        self.code = code
        self.position = position

    def as_dict(self) -> dict[str, Any]:
        return {"expression": self.expression, "reason": self.reason, "code": self.code, "position": self.position}


class NeedsIsolation(Exception):
    """An expression that is not bounded, met where no evaluator may be waited for (an
    inline step under its run's lock): the step is left to the executor."""


class DeadlineExceeded(Exception):
    """The step's own timeout ran out while its expressions were evaluated."""
