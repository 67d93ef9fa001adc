"""catalog.schemas: the validator for what users write (RE2 for patterns, no fetching)."""

import time

import pytest

from catalog.schemas import instance_problems, schema_problems, schema_validator
from tests.engine.api.test_input_patterns import EVIL, deadline


def test_patterns_run_in_linear_time():
    hostile = "a" * 5000 + "!"
    began = time.monotonic()
    with deadline(10):
        assert instance_problems({"pattern": EVIL}, hostile) == [("", f"{hostile!r} does not match {EVIL!r}")]
        assert instance_problems({"patternProperties": {EVIL: False}}, {hostile: 1}) == []
        assert instance_problems({"propertyNames": {"pattern": EVIL}}, {"aaa": 1}) == []
    assert time.monotonic() - began < 1


@pytest.mark.parametrize("keyword", ["additionalProperties", "unevaluatedProperties"])
def test_keywords_that_read_pattern_properties_run_in_linear_time(keyword):
    # Both ask which keys patternProperties covered: jsonschema answers with Python's re.
    schema = {"type": "object", "properties": {"id": {}}, "patternProperties": {EVIL: {"type": "integer"}}, keyword: False}
    hostile = "a" * 40 + "!"
    began = time.monotonic()
    with deadline(10):
        [(pointer, message)] = instance_problems(schema, {"id": 1, "aaa": 2, hostile: 3})
    assert time.monotonic() - began < 1
    assert pointer == "" and repr(hostile) in message and "'aaa'" not in message and "'id'" not in message
    nested = {"allOf": [schema], "unevaluatedProperties": False} if keyword == "unevaluatedProperties" else schema
    with deadline(10):
        assert instance_problems(nested, {"aaa": 2, "id": None}) == []


def test_regex_format_means_what_re2_can_run():
    assert schema_problems({"pattern": "^[a-z]+$"}) == []
    [(pointer, message)] = schema_problems({"properties": {"a": {"pattern": "(?<=a)b"}}})
    assert pointer == "/properties/a/pattern" and "RE2" in message
    checker = schema_validator({"format": "regex"}).FORMAT_CHECKER
    assert checker.conforms("^a+$", "regex") and not checker.conforms("(a)\\1", "regex")
