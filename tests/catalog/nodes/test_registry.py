import pytest
from jsonschema import Draft202012Validator

from catalog.nodes import registry
from catalog.nodes.base import NodeType

CORE = {
    "trigger.manual",
    "trigger.webhook",
    "trigger.schedule",
    "http.request",
    "transform",
    "condition",
    "switch",
    "join",
    "map",
    "workflow.call",
    "wait",
    "approval",
    "email.send",
    "fail",
    "noop",
}


def test_core_catalog_is_complete():
    assert {cls.type for cls in registry.all_types()} == CORE


@pytest.mark.parametrize("node_type", sorted(CORE))
def test_each_type_honours_the_contract(node_type):
    cls = registry.get(node_type)
    Draft202012Validator.check_schema(cls.config_schema)
    described = cls.describe()
    for key in ("type", "title", "category", "description", "config_schema", "default_config", "output_ports", "is_trigger"):
        assert key in described
    assert cls.title and cls.description and cls.category


@pytest.mark.parametrize("node_type", sorted(CORE - {"map", "workflow.call", "email.send"}))
def test_default_config_is_valid(node_type):
    """Dropping a node from the palette gives a config that needs no fixing (except the
    workflow pickers and the recipients, which have no sensible default)."""
    from designer.validation.config import ConfigValidator

    cls = registry.get(node_type)
    errors = list(ConfigValidator(cls.config_schema).iter_errors(cls.default_config))
    assert errors == []
    assert cls.check_config(cls.default_config) == []


def test_triggers_are_flagged():
    assert {cls.type for cls in registry.all_types() if cls.is_trigger} == {"trigger.manual", "trigger.webhook", "trigger.schedule"}


def test_switch_ports_follow_its_cases():
    switch = registry.get("switch")
    config = {"cases": [{"port": "gold", "expression": "x"}, {"port": "silver", "expression": "y"}]}
    assert switch.ports(config) == ["gold", "silver", "default"]
    assert registry.get("condition").ports({}) == ["true", "false"]


def test_duplicate_type_is_refused():
    class Impostor(NodeType):
        type = "noop"
        title = "Impostor"
        category = "Flow"
        description = "Same type string as the core noop."

    with pytest.raises(registry.DuplicateNodeType, match="'noop'"):
        registry.register(Impostor)
    assert registry.get("noop").title == "No operation"
