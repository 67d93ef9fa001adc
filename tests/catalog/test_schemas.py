"""catalog.schemas: the validator for what users write (RE2 for patterns, no fetching), and
the check of a rendered config against its node type's schema and bounds."""

import time

import pytest

from catalog.nodes import registry
from catalog.schemas import describe_error, instance_problems, rendered_problems, schema_problems, schema_validator
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


def _wait(config):
    return rendered_problems(registry.get("wait"), config)


def test_a_rendered_wait_until_is_a_time_utc_can_hold():
    assert _wait({"mode": "until", "until": "2030-01-01T00:00:00+14:00"}) == []
    assert _wait({"mode": "until", "until": "2030-01-01T00:00:00"}) == []  # read as UTC
    assert _wait({"mode": "until", "until": "9999-12-31T23:59:59-23:59"}) == [
        ("/until", "Until: '9999-12-31T23:59:59-23:59' is not representable in UTC (years 1 to 9999).")
    ]
    assert _wait({"mode": "until", "until": 20300101}) == [("/until", "Until (ISO 8601): 20300101 is not of type 'string'")]


def test_rendered_values_are_checked_against_the_schema_not_as_expressions():
    http = registry.get("http.request")
    base = {"method": "GET", "url": "https://x"}
    assert rendered_problems(http, {**base, "timeout_s": 5}) == []
    assert rendered_problems(http, {**base, "timeout_s": "{{ 5 }}"}) == [("/timeout_s", "Timeout (s): '{{ 5 }}' is not of type 'number'")]
    assert rendered_problems(http, {**base, "json": {"a": 1}, "body": "x"}) == [
        ("/body", "Give either a JSON body or a raw body, not both.")
    ]


def test_fields_left_as_source_pass():
    # x-jsonata stays a source (the node evaluates it); x-per-item is rendered once per item.
    assert rendered_problems(registry.get("condition"), {"expression": "steps.a.output = 1"}) == []
    each = {"workflow_id": 3, "items": [1, 2], "input": "{{ item }}"}
    assert rendered_problems(registry.get("map"), each) == []
    assert rendered_problems(registry.get("map"), {**each, "items": "1, 2"}) == [("/items", "Items: '1, 2' is not of type 'array'")]


@pytest.mark.parametrize("node_type", ["workflow.call", "map"])
def test_a_workflow_id_is_a_whole_number(node_type):
    config = {"workflow_id": 3.0, **({"items": []} if node_type == "map" else {})}
    [(pointer, message)] = rendered_problems(registry.get(node_type), config)
    assert pointer == "/workflow_id" and "3.0 is not a whole number" in message


def test_an_approval_timeout_has_a_maximum():
    [(pointer, message)] = rendered_problems(registry.get("approval"), {"message": "ok?", "timeout_s": 1e12})
    assert pointer == "/timeout_s" and message == "Timeout (s): 1000000000000.0 is greater than the maximum of 31536000"


def test_a_huge_value_is_shown_short():
    schema = {"type": "object", "properties": {"n": {"title": "N", "maximum": 1}}}
    [error] = schema_validator(schema).iter_errors({"n": 10**400})
    assert describe_error(error, schema) == ("/n", "N: 1.000e+400 is greater than the maximum of 1")


def test_a_pattern_with_its_own_message_reads_in_words():
    """A field whose pattern says what it wants in `x-message` is refused in those words,
    not as the regular expression."""
    http = registry.get("http.request")
    problems = rendered_problems(http, {"method": "GET", "url": "ftp://bad.example"})
    assert problems == [("/url", "The URL must start with http:// or https:// (or be an expression in {{ }}).")]
    # Without x-message, the plain message with the field's title.
    schema = {"type": "object", "properties": {"code": {"type": "string", "title": "Code", "pattern": "^[A-Z]+$"}}}
    error = next(schema_validator(schema).iter_errors({"code": "abc"}))
    assert describe_error(error, schema) == ("/code", "Code: 'abc' does not match '^[A-Z]+$'")
