"""What is wrong with a schema or with a value against one, as (JSON Pointer, message) a
person understands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from catalog.expressions import escape_pointer
from catalog.schemas.keywords import FORMAT_CHECKER, METASCHEMAS, NO_FETCH, PatternError, SchemaValidator, schema_validator


def instance_problems(schema: Any, instance: Any) -> list[tuple[str, str]]:
    """(JSON Pointer into the instance, message) for each way `instance` fails `schema`; a
    schema that cannot be applied (a reference leading nowhere, one looping on itself) is
    one problem at the root, not an exception."""
    try:
        return [(pointer_of(error.absolute_path), error.message) for error in schema_validator(schema).iter_errors(instance)]
    except Unresolvable as exc:
        return [("", f"The schema cannot be applied: its reference {exc.ref!r} leads nowhere (references are never fetched).")]
    except RecursionError:
        return [("", "The schema cannot be applied: its references loop without end.")]


_META_VALIDATOR = SchemaValidator(SchemaValidator.META_SCHEMA, format_checker=FORMAT_CHECKER, registry=NO_FETCH)


def schema_problems(schema: Any) -> list[tuple[str, str]]:
    """What makes `schema` unusable as a user's JSON Schema: (JSON Pointer into the schema,
    message). Not valid draft 2020-12 (a `pattern` RE2 cannot run included), or a `$ref`
    that leads nowhere (references are never fetched)."""
    error = best_match(_META_VALIDATOR.iter_errors(schema))
    if error is not None:
        message = error.message
        if error.validator == "format" and error.validator_value == "regex" and isinstance(error.cause, PatternError):
            message = str(error.cause)
        return [(pointer_of(error.absolute_path), message)]
    return _reference_problems(schema)


def _reference_problems(schema: Any) -> list[tuple[str, str]]:
    """`$ref` and `$dynamicRef` that do not resolve within the schema (or to a metaschema).
    A schema with an `$id` below its root sets other bases: it is left to validation time."""
    if not isinstance(schema, dict):
        return []
    references: list[tuple[str, str]] = []
    nested_ids = False
    stack: list[tuple[Any, str]] = [(schema, "")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                here = f"{pointer}/{escape_pointer(str(key))}"
                if key in ("$ref", "$dynamicRef") and isinstance(item, str):
                    references.append((here, item))
                elif key == "$id" and pointer:
                    nested_ids = True
                elif key not in ("const", "enum", "default", "examples"):  # data, not subschemas
                    stack.append((item, here))
        elif isinstance(value, list):
            stack.extend((item, f"{pointer}/{index}") for index, item in enumerate(value))
    if nested_ids or not references:
        return []
    resource = DRAFT202012.create_resource(schema)
    base = resource.id() or ""
    resolver = Registry().with_resource(base, resource).resolver(base_uri=base)
    problems = []
    for pointer, reference in sorted(references):
        if reference.startswith(METASCHEMAS):
            continue  # known to every validator, never fetched
        try:
            resolver.lookup(reference)
        except Unresolvable:
            problems.append((pointer, f"{reference!r} leads nowhere (references are resolved within the schema, never fetched)"))
    return problems


def pointer_of(path: Any) -> str:
    return "".join(f"/{escape_pointer(str(part))}" for part in path)


def _title(schema: dict[str, Any], path: list[Any]) -> str | None:
    """The `title` of the property at `path` in `schema`, when the schema declares one."""
    current: Any = schema
    for part in path:
        if not isinstance(current, dict):
            return None
        if isinstance(part, int):
            current = current.get("items")
        else:
            current = (current.get("properties") or {}).get(part)
    return current.get("title") if isinstance(current, dict) else None


def _short(value: Any) -> str:
    """A value as a message shows it: a huge number in scientific notation, a long text clipped."""
    if isinstance(value, int) and not isinstance(value, bool):
        digits = str(abs(value))
        return f"{'-' if value < 0 else ''}{digits[0]}.{digits[1:4]}e+{len(digits) - 1}"
    if isinstance(value, str):
        return repr(value[:60]) + "..."
    return repr(value)[:77] + "..."


def describe_error(error: ValidationError, root_schema: dict[str, Any]) -> tuple[str, str]:
    """A jsonschema error as (JSON Pointer, message a person understands)."""
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict) and isinstance(error.validator_value, list):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            path = [*path, missing[0]]
            label = _title(root_schema, path) or missing[0]
            return pointer_of(path), f"{label} is required."
    if error.validator == "additionalProperties" and isinstance(error.instance, dict) and isinstance(error.schema, Mapping):
        allowed = set((error.schema.get("properties") or {}).keys())
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        if extra:
            return pointer_of([*path, extra[0]]), f"Unknown field {extra[0]!r}."
    if error.validator == "pattern" and isinstance(error.schema, Mapping) and isinstance(error.schema.get("x-message"), str):
        return pointer_of(path), error.schema["x-message"]  # the field's own words for what its pattern wants
    label = _title(root_schema, path) or (str(path[-1]) if path else "Value")
    titles = error.schema.get("x-enum-titles") if error.validator == "enum" and isinstance(error.schema, Mapping) else None
    if isinstance(titles, list) and isinstance(error.validator_value, list) and len(titles) == len(error.validator_value):
        # The values a person reads beside the ones the config holds: "Text ('text')".
        named = ", ".join(f"{title} ({value!r})" for title, value in zip(titles, error.validator_value, strict=True))
        shown = _short(error.instance) if len(repr(error.instance)) > 80 else repr(error.instance)
        return pointer_of(path), f"{label}: {shown} is not one of {named}."
    message = error.message
    long = repr(error.instance)
    if len(long) > 80 and message.startswith(long):  # "<the value> is not …": the value shortened
        message = _short(error.instance) + message[len(long) :]
    if len(message) > 300:
        message = message[:300] + "..."
    return pointer_of(path), f"{label}: {message}"
