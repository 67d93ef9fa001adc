"""Evaluating JSONata in this process, under jsonata-python's own time and depth box.

That box is checked between expression nodes, so it holds for a bounded expression
(catalog.expressions.cost) and inside an evaluator process, whose limits are hard; one
node that runs long (a backtracking match, a huge `$pad`) is not interrupted by it."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import jsonata
from jsonata.utils import Utils

from catalog.expressions import ExpressionSyntaxError, compile_expression
from catalog.expressions.bounds import DEFAULT_LIMITS, ExpressionError, Limits


def _patch_functions() -> None:
    """jsonata-python's `$number` lets Python's ValueError escape for text that is not a
    number; JSONata says D3030 there (and for text that would be NaN or infinite)."""
    native = jsonata.Jsonata.static_frame.lookup("number")
    original = native.method

    def number(arg: Any) -> Any:
        try:
            result = original(arg)
        except ValueError:
            raise jsonata.JException("D3030", -1, arg) from None
        if isinstance(result, float) and not math.isfinite(result):
            raise jsonata.JException("D3030", -1, arg)
        return result

    native.method = number


_patch_functions()


def _plain(value: Any) -> Any:
    """JSONata's sequences and undefined into plain JSON values."""
    if value is Utils.NONE:
        return None
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _position(exc: jsonata.JException) -> int | None:
    location = getattr(exc, "location", None)
    return location if isinstance(location, int) and location >= 0 else None


def evaluate_here(source: str, context: Any, limits: Limits = DEFAULT_LIMITS, timeout_ms: int | None = None) -> Any:
    """Evaluate in this process, under jsonata-python's time and depth box (checked between
    expression nodes: a bounded expression, or the evaluator process, whose limits are
    hard). The result measured before anyone stores it."""
    try:
        compiled = compile_expression(source)
    except ExpressionSyntaxError as exc:
        raise ExpressionError(source, exc.reason, code=exc.code, position=exc.position) from None
    timeout = limits.timeout_ms if timeout_ms is None else timeout_ms
    # A per-call instance: jsonata keeps evaluation state (bindings, bounds) on the object.
    instance = copy.copy(compiled)
    instance.environment = instance.create_frame(jsonata.Jsonata.static_frame)
    instance.environment.set_runtime_bounds(timeout, limits.max_depth)
    jsonata.Jsonata.CURRENT.jsonata = instance
    try:
        result = _plain(instance.evaluate(context))
    except jsonata.JException as exc:
        code = getattr(exc, "error", None)
        if code == "D1012":
            raise ExpressionError(source, f"took longer than {timeout} ms", code="timeout") from None
        if code == "D1011":
            raise ExpressionError(source, f"recursed deeper than {limits.max_depth}", code="D1011") from None
        # $eval wraps what failed inside it without its message: "...passed to Object eval: None".
        raise ExpressionError(source, str(exc).removesuffix(": None"), code=code, position=_position(exc)) from None
    except RecursionError:
        raise ExpressionError(source, "recursed too deeply", code="D1011") from None
    except MemoryError:
        raise ExpressionError(source, f"needed more than {limits.memory_mb} MB of memory", code="memory") from None
    except OverflowError:
        raise ExpressionError(source, "a number is too large", code="D1001") from None
    except ZeroDivisionError:
        raise ExpressionError(source, "division by zero", code="D1001") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        # A function of the library given a value it does not handle: JSONata would raise
        # a type error here. Python's wording names none of the user's terms: not shown.
        raise ExpressionError(source, "a function was given a value it cannot use", code="T0410") from None
    size = len(json.dumps(result, default=str))
    if size > limits.max_output_bytes:
        raise ExpressionError(source, f"result is {size} bytes; the limit is {limits.max_output_bytes}", code="output_too_large")
    return result
