"""JSONata expressions inside config values: `{{ expr }}`.

A value that is exactly one `{{ }}` yields the expression's JSON value; a string with
several (or with text around them) is interpolated. Parsing is cached per source text, so
each expression of a version is parsed once, not per evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import jsonata

from catalog.expressions.regex import RegexSyntaxError, re2_engine

# Non-greedy: the first `}}` closes an expression (write `} }` inside one if you must).
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_WHOLE = re.compile(r"^\s*\{\{(.*?)\}\}\s*$", re.DOTALL)


class ExpressionSyntaxError(ValueError):
    """An expression that does not parse: JSONata's message, its code (`S0202`...) and the
    character position where the parser stopped, when it says."""

    def __init__(self, expression: str, message: str, *, code: str | None = None, position: int | None = None) -> None:
        super().__init__(f"{message} in expression {expression!r}")
        self.expression = expression
        self.reason = message
        self.code = code
        self.position = position


def find_expressions(text: str) -> list[str]:
    """The JSONata sources of every `{{ }}` in a string."""
    return [match.group(1).strip() for match in _TEMPLATE.finditer(text)]


# A path into the run's own input, the graph's variables or the run's identity, and nothing
# else: `vars.base`, `trigger.items[0].id`. Such an expression reads no step's output.
_OWN_PATH = re.compile(r"^(vars|trigger|run)(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*$")


def reads_steps(source: str) -> bool:
    """Whether an expression may read the steps' outputs: False only for a plain path into
    `vars`, `trigger` or `run`; any other expression (a function, a wildcard, `$`) may
    reach anything, so True."""
    return _OWN_PATH.match(source.strip()) is None


def whole_expression(text: str) -> str | None:
    """The source when the whole string is one `{{ }}` (so it yields any JSON type)."""
    match = _WHOLE.match(text)
    if match and "{{" not in match.group(1):
        return match.group(1).strip()
    return None


def has_template(text: str) -> bool:
    return "{{" in text


def unclosed_template(text: str) -> bool:
    """True when a `{{` has no matching `}}`."""
    return "{{" in _TEMPLATE.sub("", text)


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> jsonata.Jsonata:
    if not source.strip():
        raise ExpressionSyntaxError(source, "Empty expression")
    try:
        return jsonata.Jsonata(source, re2_engine)
    except jsonata.JException as exc:
        position = exc.location if isinstance(exc.location, int) and exc.location >= 0 else None
        raise ExpressionSyntaxError(source, str(exc) or "Syntax error", code=exc.error, position=position) from None
    except RegexSyntaxError as exc:
        raise ExpressionSyntaxError(source, str(exc), code="S0302") from None
    except RecursionError:
        raise ExpressionSyntaxError(source, "Expression is nested too deeply") from None
    except Exception as exc:  # the parser is third-party: any crash is a syntax problem to report
        raise ExpressionSyntaxError(source, f"Cannot parse ({type(exc).__name__})") from None


def iter_strings(value: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside a JSON value, with its JSON Pointer."""
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_strings(item, f"{pointer}/{escape_pointer(str(key))}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_strings(item, f"{pointer}/{index}")


def escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
