"""Draft 2020-12 with RE2: the keywords that match regular expressions (`pattern`,
`patternProperties`, the keys it covers for `additionalProperties` and
`unevaluatedProperties`, `format: "regex"`), and validators that never fetch a `$ref`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing import Registry

from catalog.expressions.regex import re2_options, re2_reason

# Only whether a pattern matches is asked (no captures); 2 MiB per pattern: past it RE2
# stays linear, only slower.
_OPTIONS = re2_options(never_capture=True, max_mem=2 << 20)


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why."""


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """The pattern compiled by RE2 (cached): PatternError when RE2 cannot run it."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise PatternError(
            f"{pattern!r} is not a regular expression RE2 can run ({re2_reason(exc)}); backreferences and lookaround are not supported"
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
METASCHEMAS = ("https://json-schema.org/", "http://json-schema.org/")


def schema_validator(schema: Any, cls: type[Validator] | None = None) -> Validator:
    """A validator for `schema` (of class `cls`, SchemaValidator by default) that resolves
    references within the schema and to the metaschemas only: build every one this way."""
    return (cls or SchemaValidator)(schema, registry=NO_FETCH)
