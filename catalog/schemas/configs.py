"""Node configs against their node type's schema: as written (`{{ }}` anywhere), at
validation; as rendered (what the expressions produced), before the node uses it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from jsonschema import validators
from jsonschema.protocols import Validator

from catalog.expressions import whole_expression
from catalog.schemas.keywords import SchemaValidator, schema_validator
from catalog.schemas.problems import describe_error


def _keywords(wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    return {name: wrap(check) for name, check in SchemaValidator.VALIDATORS.items()}


def _expression_aware(check: Callable[..., Any]) -> Callable[..., Any]:
    """A value that is one whole `{{ }}` stands for any JSON value: its type is known only
    at run time, so schema keywords don't apply to it (unless the field is literal-only)."""

    def wrapped(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        if (
            isinstance(instance, str)
            and isinstance(schema, dict)
            and schema.get("x-expression", True) is not False
            and whole_expression(instance) is not None
        ):
            return iter(())
        return check(validator, value, instance, schema)

    return wrapped


def _per_item_left_out(check: Callable[..., Any]) -> Callable[..., Any]:
    """A field marked `x-per-item` is still source after rendering: its node renders it once
    per item, so it is not checked with the rest of the config."""

    def wrapped(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        if isinstance(schema, dict) and schema.get("x-per-item"):
            return iter(())
        return check(validator, value, instance, schema)

    return wrapped


# A config as written ({{ }} anywhere), at validation.
ConfigValidator: type[Validator] = validators.extend(SchemaValidator, _keywords(_expression_aware))  # type: ignore[no-untyped-call]

# A config as rendered (the values its expressions produced), before the node uses it.
_RenderedValidator: type[Validator] = validators.extend(SchemaValidator, _keywords(_per_item_left_out))  # type: ignore[no-untyped-call]


class NodeTypeSchema(Protocol):
    """What a node type (catalog.nodes.base.NodeType, the class) offers the config checks."""

    config_schema: dict[str, Any]

    def check_config(self, config: dict[str, Any], /) -> list[tuple[str, str]]: ...


_rendered_validators: dict[Any, Validator] = {}


def _rendered_validator(cls: NodeTypeSchema) -> Validator:
    validator = _rendered_validators.get(cls)
    if validator is None:  # built once per node type (a race builds it twice, harmlessly)
        per_item = '"x-per-item"' in json.dumps(cls.config_schema)  # else the plain class: no wrapper per keyword
        validator = _rendered_validators[cls] = schema_validator(cls.config_schema, _RenderedValidator if per_item else None)
    return validator


def rendered_problems(cls: NodeTypeSchema, config: Any) -> list[tuple[str, str]]:
    """What is wrong with a rendered config: (JSON Pointer within the config, message),
    against the node type's schema (its `x-` keywords are the editor's and are ignored;
    fields rendered per item are left out), then its own bounds (`check_config`)."""
    problems = [describe_error(error, cls.config_schema) for error in _rendered_validator(cls).iter_errors(config)]
    if problems or not isinstance(config, dict):
        return problems
    return list(cls.check_config(config))


def problem_code(problem: tuple[str, str]) -> str:
    """The code of a check_config problem: the one its node type named (a ConfigProblem of
    catalog.nodes.base), else `invalid_config`."""
    return str(getattr(problem, "code", "invalid_config"))


def problems_code(problems: list[tuple[str, str]]) -> str:
    """The code a step failed by these problems records: theirs when they share one."""
    codes = {problem_code(problem) for problem in problems}
    return codes.pop() if len(codes) == 1 else "invalid_config"


def problems_message(problems: list[tuple[str, str]]) -> str:
    """One sentence for a step's error: each problem with where it is in the config."""
    return "Invalid config " + "; ".join(f"at /config{pointer}: {message.rstrip('.')}" for pointer, message in problems) + "."
