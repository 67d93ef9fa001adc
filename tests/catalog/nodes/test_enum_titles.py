"""Every enum of every node type's config has the titles the editor shows for its values
(`x-enum-titles`, catalog/nodes/base.py), and a wrong value's message names them."""

from typing import Any

import pytest

from catalog.nodes import registry
from catalog.schemas.configs import rendered_problems


def _enums(schema: Any, pointer: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Each (sub)schema with an `enum`, with its JSON Pointer in the config schema."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(schema, dict):
        if "enum" in schema:
            found.append((pointer, schema))
        for key, value in schema.items():
            if key not in ("enum", "const", "default", "examples", "x-enum-titles"):
                found.extend(_enums(value, f"{pointer}/{key}"))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            found.extend(_enums(item, f"{pointer}/{index}"))
    return found


ENUMS = [(cls.type, pointer, schema) for cls in registry.all_types() for pointer, schema in _enums(cls.config_schema)]


def test_the_catalog_has_enums_to_title():
    assert {node_type for node_type, _, _ in ENUMS} >= {"http.request", "wait", "switch", "join", "map", "approval"}


@pytest.mark.parametrize(("node_type", "pointer", "schema"), ENUMS, ids=[f"{t}{p}" for t, p, _ in ENUMS])
def test_every_enum_has_a_title_for_each_value(node_type, pointer, schema):
    titles = schema.get("x-enum-titles")
    assert isinstance(titles, list), f"{node_type} {pointer}: no x-enum-titles"
    assert len(titles) == len(schema["enum"])
    assert all(isinstance(t, str) and t.strip() for t in titles)
    assert len(set(titles)) == len(titles)


def test_a_wrong_value_is_named_with_the_titles():
    problems = rendered_problems(registry.get("http.request"), {"url": "https://example.com", "response_format": "xml"})
    assert (
        "/response_format",
        "Parse response as: 'xml' is not one of Detect from Content-Type ('auto'), JSON ('json'), Text ('text').",
    ) in problems
