"""Turn jsonschema errors into (JSON Pointer, message a person understands)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

from catalog.expressions import escape_pointer


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


def describe_error(error: ValidationError, root_schema: dict[str, Any]) -> tuple[str, str]:
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
    label = _title(root_schema, path) or (str(path[-1]) if path else "Value")
    message = error.message
    if len(message) > 300:
        message = message[:300] + "..."
    return pointer_of(path), f"{label}: {message}"
