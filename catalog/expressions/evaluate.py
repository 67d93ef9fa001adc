"""Bounded evaluation of JSONata and rendering of `{{ }}` templates in config values.

jsonata-python has no limit of its own (a recursive expression ran 7 s on this machine), so
each evaluation gets a fresh frame with a time and depth bound (the parse stays cached and
shared), and its result is measured before anyone stores it."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonata
from jsonata.utils import Utils

from catalog.expressions import compile_expression, find_expressions, whole_expression

DEFAULT_TIMEOUT_MS = 1000
DEFAULT_MAX_DEPTH = 200
DEFAULT_MAX_OUTPUT_BYTES = 1_048_576


class ExpressionError(ValueError):
    """An expression failed at run time; the message names the expression."""

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(f"Expression {expression!r} failed: {reason}")
        self.expression = expression
        self.reason = reason


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


def evaluate(
    source: str,
    context: Any,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
) -> Any:
    compiled = compile_expression(source)
    # A per-call instance: jsonata keeps evaluation state (bindings, bounds) on the object.
    instance = copy.copy(compiled)
    instance.environment = instance.create_frame(jsonata.Jsonata.static_frame)
    instance.environment.set_runtime_bounds(timeout_ms, max_depth)
    jsonata.Jsonata.CURRENT.jsonata = instance
    try:
        result = _plain(instance.evaluate(context))
    except jsonata.JException as exc:
        code = getattr(exc, "error", "")
        if code == "D1012":
            raise ExpressionError(source, f"took longer than {timeout_ms} ms") from None
        if code == "D1011":
            raise ExpressionError(source, f"recursed deeper than {max_depth}") from None
        raise ExpressionError(source, str(exc)) from None
    except RecursionError:
        raise ExpressionError(source, "recursed too deeply") from None
    except (MemoryError, OverflowError, ValueError, TypeError, ZeroDivisionError) as exc:
        raise ExpressionError(source, f"{type(exc).__name__}: {exc}") from None
    size = len(json.dumps(result, default=str))
    if size > max_output_bytes:
        raise ExpressionError(source, f"result is {size} bytes; the limit is {max_output_bytes}")
    return result


def render_template(text: str, context: Any, **bounds: Any) -> Any:
    """A string's value: one whole `{{ }}` yields any JSON value; otherwise each `{{ }}` is
    replaced by its value as text (strings bare, other values as JSON)."""
    whole = whole_expression(text)
    if whole is not None:
        return evaluate(whole, context, **bounds)
    if "{{" not in text:
        return text
    parts = text.split("{{")
    out = [parts[0]]
    for part in parts[1:]:
        source, _, rest = part.partition("}}")
        value = evaluate(source.strip(), context, **bounds)
        out.append(value if isinstance(value, str) else "" if value is None else json.dumps(value))
        out.append(rest)
    return "".join(out)


def render_config(value: Any, schema: Any, context: Any, **bounds: Any) -> Any:
    """Resolve every template in a config; fields marked `x-jsonata` or `x-per-item` stay as
    source (the node evaluates them itself) and literal-only fields are left untouched."""
    schema = schema if isinstance(schema, dict) else {}
    if schema.get("x-jsonata") or schema.get("x-per-item") or schema.get("x-expression") is False:
        return value
    if isinstance(value, str):
        return render_template(value, context, **bounds)
    if isinstance(value, dict):
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        return {k: render_config(v, properties.get(k), context, **bounds) for k, v in value.items()}
    if isinstance(value, list):
        return [render_config(v, schema.get("items"), context, **bounds) for v in value]
    return value


__all__ = ["ExpressionError", "evaluate", "find_expressions", "render_config", "render_template"]
