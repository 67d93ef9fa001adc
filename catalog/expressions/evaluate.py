"""Bounded evaluation of JSONata and rendering of `{{ }}` templates in config values.

Two places evaluate an expression. A *bounded* one (catalog.expressions.cost: cheap by
construction) is evaluated here, in the calling process, in microseconds, under
jsonata-python's own time and depth box; every other one goes to an evaluator process
(catalog.expressions.sandbox) with a wall-clock, CPU and memory limit that the operating
system enforces. An `Evaluation` holds what one step may spend: its limits, the step's
deadline (its `timeout_s`) and whether it may wait for an evaluator at all (an inline step,
evaluated under its run's lock, may not: `NeedsIsolation` sends it to the executor).

Errors are JSONata's: a code (`D3030`...), the character position when known, and
JSONata's message; never a Python exception's text."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from catalog.expressions import whole_expression
from catalog.expressions.bounds import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_OUTPUT_BYTES,
    DEFAULT_TIMEOUT_MS,
    DeadlineExceeded,
    ExpressionError,
    Limits,
    NeedsIsolation,
)
from catalog.expressions.cost import bounded
from catalog.expressions.local import evaluate_here
from catalog.expressions.sandbox import sandbox


class Evaluation:
    """The evaluations of one step: its limits, its deadline (`time.monotonic()` seconds,
    or None), and whether it may use an evaluator process (`isolate`; an inline step may
    not: a bounded expression is evaluated, any other raises NeedsIsolation)."""

    __slots__ = ("deadline", "isolate", "limits")

    def __init__(self, limits: Limits = DEFAULT_LIMITS, *, deadline: float | None = None, isolate: bool = True) -> None:
        self.limits, self.deadline, self.isolate = limits, deadline, isolate

    def _timeout_ms(self) -> tuple[int, bool]:
        """The time this evaluation may take, and whether it is the step's deadline (not the
        expression limit) that sets it."""
        if self.deadline is None:
            return self.limits.timeout_ms, False
        left = int((self.deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise DeadlineExceeded
        return (left, True) if left < self.limits.timeout_ms else (self.limits.timeout_ms, False)

    def __call__(self, source: str, context: Any) -> Any:
        timeout_ms, by_deadline = self._timeout_ms()
        if bounded(source):
            return self._checked(evaluate_here, source, context, timeout_ms, by_deadline)
        if not self.isolate:
            raise NeedsIsolation(source)
        return self._checked(sandbox.evaluate, source, context, timeout_ms, by_deadline)

    def _checked(self, call: Callable[[str, Any, Limits, int], Any], source: str, context: Any, timeout_ms: int, by_deadline: bool) -> Any:
        try:
            return call(source, context, self.limits, timeout_ms)
        except ExpressionError as exc:
            if by_deadline and exc.code == "timeout":
                raise DeadlineExceeded from None
            raise

    def render(self, value: Any, schema: Any, context: Any) -> Any:
        return render_config(value, schema, context, self)


def evaluate(source: str, context: Any, *, timeout_ms: int = DEFAULT_TIMEOUT_MS, max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES) -> Any:
    """One expression with the default limits, wherever its cost says (here or isolated)."""
    return Evaluation(Limits(timeout_ms=timeout_ms, max_output_bytes=max_output_bytes))(source, context)


Evaluate = Callable[[str, Any], Any]


def render_template(text: str, context: Any, evaluate: Evaluate | None = None) -> Any:
    """A string's value: one whole `{{ }}` yields any JSON value; otherwise each `{{ }}` is
    replaced by its value as text (strings bare, other values as JSON)."""
    run = evaluate or Evaluation()
    whole = whole_expression(text)
    if whole is not None:
        return run(whole, context)
    if "{{" not in text:
        return text
    parts = text.split("{{")
    out = [parts[0]]
    for part in parts[1:]:
        source, _, rest = part.partition("}}")
        value = run(source.strip(), context)
        out.append(value if isinstance(value, str) else "" if value is None else json.dumps(value))
        out.append(rest)
    return "".join(out)


def render_config(value: Any, schema: Any, context: Any, evaluate: Evaluate | None = None) -> Any:
    """Resolve every template in a config; fields marked `x-jsonata` or `x-per-item` stay as
    source (the node evaluates them itself) and literal-only fields are left untouched."""
    schema = schema if isinstance(schema, dict) else {}
    if schema.get("x-jsonata") or schema.get("x-per-item") or schema.get("x-expression") is False:
        return value
    if isinstance(value, str):
        return render_template(value, context, evaluate)
    if isinstance(value, dict):
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        return {k: render_config(v, properties.get(k), context, evaluate) for k, v in value.items()}
    if isinstance(value, list):
        return [render_config(v, schema.get("items"), context, evaluate) for v in value]
    return value


__all__ = [
    "DeadlineExceeded",
    "Evaluation",
    "ExpressionError",
    "Limits",
    "NeedsIsolation",
    "evaluate",
    "evaluate_here",
    "render_config",
    "render_template",
]
