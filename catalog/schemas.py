"""JSON Schema for what users write and what expressions produce.

jsonschema runs `pattern`, `patternProperties` (and the keys it covers, for
`additionalProperties` and `unevaluatedProperties`) and `format: "regex"` with Python's `re`,
which backtracks: `"pattern": "^(a+)+$"` against `"aaaa…a!"` takes exponential time and
holds the GIL. `SchemaValidator` (draft 2020-12) runs them with RE2 instead, in time linear
in the input; a pattern RE2 cannot compile (a backreference, a lookaround) is refused when
the schema is checked (`schema_problems`) and fails validation if it is met anyway. Every
schema a user writes (a trigger's `input_schema`) and every node config is checked with it.

`ConfigValidator` reads a node's config as written, where a whole `{{ }}` stands for any
value; `rendered_problems` checks the config an expression produced, before the node uses it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any, Protocol

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from catalog.expressions import escape_pointer, whole_expression

__all__ = [
    "FORMAT_CHECKER",
    "ConfigValidator",
    "SchemaValidator",
    "compile_pattern",
    "describe_error",
    "instance_problems",
    "pointer_of",
    "problems_message",
    "rendered_problems",
    "schema_problems",
    "schema_validator",
]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the user's problem, reported to them; not a log line
_OPTIONS.max_mem = 2 << 20  # per pattern; past it RE2 stays linear, only slower
_OPTIONS.never_capture = True  # only whether it matches is asked


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why."""


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """The pattern compiled by RE2 (cached): PatternError when RE2 cannot run it."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(
            f"{pattern!r} is not a regular expression RE2 can run ({reason}); backreferences and lookaround are not supported"
        ) from None


def _search(pattern: str, text: str) -> bool | ValidationError:
    try:
        # Bytes: the wrapper maps a str's offsets back at a cost; lone surrogates (valid in
        # JSON text) pass through, as bytes RE2 matches as it can.
        return compile_pattern(pattern).search(text.encode("utf-8", "surrogatepass")) is not None
    except PatternError as exc:
        return ValidationError(str(exc))


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and isinstance(pattern, str):
        found = _search(pattern, instance)
        if isinstance(found, ValidationError):
            yield found
        elif not found:
            yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, properties: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object") or not isinstance(properties, Mapping):
        return
    for pattern, subschema in properties.items():
        for key, value in instance.items():
            found = _search(pattern, key)
            if isinstance(found, ValidationError):
                yield found
                break
            if found:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _matches_any(patterns: Any, key: str) -> bool:
    return any(_search(pattern, key) is True for pattern in patterns) if isinstance(patterns, Mapping) else False


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """As jsonschema's, with the keys patternProperties covers found by RE2."""
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = [key for key in instance if key not in properties and not _matches_any(patterns, key)]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        listed = ", ".join(repr(key) for key in sorted(extras, key=str))
        if patterns:
            verb = "does" if len(extras) == 1 else "do"
            yield ValidationError(f"{listed} {verb} not match any of the regexes: {', '.join(repr(p) for p in sorted(patterns))}")
        else:
            yield ValidationError(f"Additional properties are not allowed ({listed} {'was' if len(extras) == 1 else 'were'} unexpected)")


def _evaluated_keys(validator: Any, instance: Any, schema: Any) -> set[str]:
    """The keys of `instance` that `schema` evaluates (what unevaluatedProperties leaves
    out): jsonschema's find_evaluated_property_keys_by_schema, with RE2 for patterns."""
    if validator.is_type(schema, "boolean"):
        return set()
    keys: set[str] = set()
    for keyword in ("$ref", "$dynamicRef"):
        reference = schema.get(keyword)
        if reference is not None:
            resolved = validator._resolver.lookup(reference)
            deeper = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
            keys |= _evaluated_keys(deeper, instance, resolved.contents)
    properties = schema.get("properties")
    if validator.is_type(properties, "object"):
        keys |= properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        subschema = schema.get(keyword)
        if subschema is not None:
            keys |= {key for key, value in instance.items() if next(validator.descend(value, subschema), None) is None}
    keys |= {key for key in instance if _matches_any(schema.get("patternProperties"), key)}
    for name, subschema in (schema.get("dependentSchemas") or {}).items():
        if name in instance:
            keys |= _evaluated_keys(validator, instance, subschema)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if next(validator.descend(instance, subschema), None) is None:
                keys |= _evaluated_keys(validator, instance, subschema)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys |= _evaluated_keys(validator, instance, schema["if"])
            if "then" in schema:
                keys |= _evaluated_keys(validator, instance, schema["then"])
        elif "else" in schema:
            keys |= _evaluated_keys(validator, instance, schema["else"])
    return keys


def _unevaluated_properties(validator: Any, unevaluated: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """As jsonschema's, with the keys patternProperties covers found by RE2."""
    if not validator.is_type(instance, "object"):
        return
    evaluated = _evaluated_keys(validator, instance, schema)
    invalid = [
        key
        for key in instance
        if key not in evaluated and next(validator.descend(instance[key], unevaluated, path=key, schema_path=key), None) is not None
    ]
    if invalid:
        listed = ", ".join(repr(key) for key in (sorted(invalid, key=str) if unevaluated is False else invalid))
        verb = "was" if len(invalid) == 1 else "were"
        if unevaluated is False:
            yield ValidationError(f"Unevaluated properties are not allowed ({listed} {verb} unexpected)")
        else:
            yield ValidationError(f"Unevaluated properties are not valid under the given schema ({listed} {verb} unevaluated and invalid)")


def _is_regex(instance: object) -> bool:
    if isinstance(instance, str):
        compile_pattern(instance)
    return True


# Draft 2020-12's format checks, with `regex` meaning "RE2 can run it".
FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checkers = {**Draft202012Validator.FORMAT_CHECKER.checkers, "regex": (_is_regex, PatternError)}

# types-jsonschema leaves extend() unannotated; it returns a new validator class.
SchemaValidator: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
        "unevaluatedProperties": _unevaluated_properties,
    },
    format_checker=FORMAT_CHECKER,
)

# No retrieval: jsonschema's default registry fetches a remote `$ref` with urlopen (no
# timeout, any address), which a user's schema must never make the server do.
NO_FETCH: Registry[Any] = Registry()
_METASCHEMAS = ("https://json-schema.org/", "http://json-schema.org/")


def schema_validator(schema: Any, cls: type[Validator] | None = None) -> Validator:
    """A validator for `schema` (of class `cls`, SchemaValidator by default) that resolves
    references within the schema and to the metaschemas only: build every one this way."""
    return (cls or SchemaValidator)(schema, registry=NO_FETCH)


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
        if reference.startswith(_METASCHEMAS):
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
    label = _title(root_schema, path) or (str(path[-1]) if path else "Value")
    message = error.message
    long = repr(error.instance)
    if len(long) > 80 and message.startswith(long):  # "<the value> is not …": the value shortened
        message = _short(error.instance) + message[len(long) :]
    if len(message) > 300:
        message = message[:300] + "..."
    return pointer_of(path), f"{label}: {message}"


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


def problems_message(problems: list[tuple[str, str]]) -> str:
    """One sentence for a step's error: each problem with where it is in the config."""
    return "Invalid config " + "; ".join(f"at /config{pointer}: {message.rstrip('.')}" for pointer, message in problems) + "."
