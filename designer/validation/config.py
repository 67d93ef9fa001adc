"""Per-node checks: known type, config against the type's JSON Schema, expressions, and
workflow references."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from jsonschema.protocols import Validator

from catalog.expressions import (
    ExpressionSyntaxError,
    compile_expression,
    escape_pointer,
    find_expressions,
    has_template,
    unclosed_template,
)
from catalog.nodes import registry
from catalog.schemas import ConfigValidator, describe_error, problem_code, schema_validator
from core.problems import Problem
from designer.validation.limits import Limits

__all__ = ["ConfigValidator", "check_node_configs", "config_expressions", "config_strings"]


@lru_cache(maxsize=64)
def _validator_for(node_type: str) -> Validator:
    cls = registry.get(node_type)
    assert cls is not None
    return schema_validator(cls.config_schema, ConfigValidator)


def check_node_configs(
    graph: dict[str, Any],
    *,
    limits: Limits,
    owned_workflow_ids: Callable[[Iterable[int]], set[int]] | None,
    credential_types: Callable[[Iterable[int]], dict[int, str]] | None = None,
) -> list[Problem]:
    problems: list[Problem] = []
    references: list[tuple[str, str, int]] = []
    credentials: list[tuple[str, str, int, tuple[str, ...]]] = []
    for node in graph["nodes"]:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str) or not isinstance(node.get("type"), str):
            continue
        node_id, node_type = node["id"], node["type"]
        cls = registry.get(node_type)
        if cls is None:
            problems.append(Problem("unknown_type", f"Unknown node type {node_type!r}.", node_id=node_id, field="/type"))
            continue
        config = node.get("config", {})
        if not isinstance(config, dict):
            continue  # reported by the envelope check
        schema_problems = [
            Problem("invalid_config", message, node_id=node_id, field="/config" + pointer)
            for pointer, message in (describe_error(error, cls.config_schema) for error in _validator_for(node_type).iter_errors(config))
        ]
        problems += schema_problems
        problems += _check_expressions(node_id, config, cls.config_schema, limits)
        if not schema_problems:
            problems += [
                Problem(problem_code(problem), problem[1], node_id=node_id, field="/config" + problem[0])
                for problem in cls.check_config(config)
            ]
            for pointer, workflow_id in cls.referenced_workflow_ids(config):
                if isinstance(workflow_id, int) and not isinstance(workflow_id, bool):
                    references.append((node_id, pointer, workflow_id))
            for pointer, credential_id, types in cls.referenced_credentials(config):
                if isinstance(credential_id, int) and not isinstance(credential_id, bool):
                    credentials.append((node_id, pointer, credential_id, types))
    if owned_workflow_ids is not None and references:
        owned = owned_workflow_ids({ref[2] for ref in references})
        for node_id, pointer, workflow_id in references:
            if workflow_id not in owned:
                # Same words whether it does not exist or belongs to someone else.
                problems.append(
                    Problem(
                        "unknown_workflow",
                        f"Workflow {workflow_id} was not found.",
                        node_id=node_id,
                        field="/config" + pointer,
                    )
                )
    if credential_types is not None and credentials:
        problems += _check_credentials(credentials, credential_types)
    return problems


def _check_credentials(
    credentials: list[tuple[str, str, int, tuple[str, ...]]], credential_types: Callable[[Iterable[int]], dict[int, str]]
) -> list[Problem]:
    problems = []
    owned = credential_types({ref[2] for ref in credentials})
    for node_id, pointer, credential_id, types in credentials:
        kind = owned.get(credential_id)
        field = "/config" + pointer
        if kind is None:  # the same words whether it does not exist or belongs to someone else
            problems.append(Problem("unknown_credential", f"Credential {credential_id} was not found.", node_id=node_id, field=field))
        elif kind not in types:
            wanted = ", ".join(types)
            message = f"Credential {credential_id} is a {kind} credential; this field takes {wanted}."
            problems.append(Problem("wrong_credential_type", message, node_id=node_id, field=field))
    return problems


def _check_expressions(node_id: str, config: dict[str, Any], schema: dict[str, Any], limits: Limits) -> list[Problem]:
    problems: list[Problem] = []
    for pointer, text, mode in config_strings(config, schema):
        field = "/config" + pointer
        if mode == "literal":
            if has_template(text):
                problems.append(
                    Problem("expression_not_allowed", "This field takes a fixed value, not an expression.", node_id=node_id, field=field)
                )
            continue
        if mode == "jsonata":
            sources = [text]
        else:
            if unclosed_template(text):
                problems.append(Problem("invalid_expression", "A `{{` has no closing `}}`.", node_id=node_id, field=field))
                continue
            sources = find_expressions(text)
        for source in sources:
            if len(source) > limits.max_expression_chars:
                problems.append(
                    Problem(
                        "invalid_expression",
                        f"Expression is {len(source)} characters long; the limit is {limits.max_expression_chars}.",
                        node_id=node_id,
                        field=field,
                    )
                )
                continue
            try:
                compile_expression(source)
            except ExpressionSyntaxError as exc:
                problems.append(
                    Problem(
                        "invalid_expression",
                        f"JSONata error: {exc.reason} in {_clip(source)!r}.",
                        node_id=node_id,
                        field=field,
                    )
                )
    return problems


def config_strings(config: Any, schema: Any) -> Iterable[tuple[str, str, str]]:
    """Every string in a config, with its JSON Pointer and how to read it (see `_walk`)."""
    return _walk(config, schema, "", "template")


def config_expressions(config: Any, schema: Any) -> Iterable[tuple[str, str]]:
    """(JSON Pointer, JSONata source) of every expression of a config: each `{{ }}` of a
    string, and the whole value of an `x-jsonata` field. Literal fields have none."""
    for pointer, text, mode in config_strings(config, schema):
        if mode == "jsonata":
            yield pointer, text
        elif mode == "template" and not unclosed_template(text):
            for source in find_expressions(text):
                yield pointer, source


def _walk(value: Any, schema: Any, pointer: str, mode: str) -> Iterable[tuple[str, str, str]]:
    """Every string in a config with how to read it: `jsonata` (the whole value is an
    expression), `literal` (no `{{ }}` allowed) or `template` (may hold `{{ }}`). The schema
    is followed as deep as it describes the value; `literal` holds for the whole subtree."""
    schema = schema if isinstance(schema, dict) else {}
    if schema.get("x-expression") is False:
        mode = "literal"
    if isinstance(value, str):
        yield pointer, value, "jsonata" if schema.get("x-jsonata") else mode
    elif isinstance(value, dict):
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        for key, item in value.items():
            yield from _walk(item, properties.get(key), f"{pointer}/{escape_pointer(str(key))}", mode)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, schema.get("items"), f"{pointer}/{index}", mode)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
