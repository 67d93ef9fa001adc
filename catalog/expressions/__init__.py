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

# Non-greedy: the first `}}` closes an expression (write `} }` inside one if you must).
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_WHOLE = re.compile(r"^\s*\{\{(.*?)\}\}\s*$", re.DOTALL)


class ExpressionSyntaxError(ValueError):
    def __init__(self, expression: str, message: str) -> None:
        super().__init__(f"{message} in expression {expression!r}")
        self.expression = expression
        self.reason = message


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
        return jsonata.Jsonata(source)
    except jsonata.JException as exc:
        raise ExpressionSyntaxError(source, str(exc) or "Syntax error") from None
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
