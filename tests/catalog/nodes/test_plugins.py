"""The plugin loader (catalog/nodes/plugins.py) over distributions made on disk: what it
accepts, what it skips and why, and that nothing a plugin does raises out of it."""

import logging

import pytest

from catalog.nodes import registry
from catalog.nodes.base import NodeType
from catalog.nodes.plugins import discover, node_type_problems
from tests.catalog.nodes.plugin_dists import GOOD_MODULE, dists_fixture, fresh_registry_fixture  # noqa: F401 - fixtures

BUILT_IN = {cls.type: "built-in" for cls in registry.all_types()}


def errors_of(found):
    return {(e.package, e.entry_point.split(" = ")[0]): e.error for e in found.errors}


def test_a_class_and_a_callable_returning_a_list(dists, caplog):
    dists.add("acme-nodes", "2.3.1", {"upper": "acme_nodes:Upper", "both": "acme_nodes:both"}, {"acme_nodes": GOOD_MODULE})
    # `both` gives Upper again: the entry points are read in name order, so `both` comes first.
    dists.add("zeta-nodes", "0.1", {"lower": "zeta_nodes:Lower"}, {"zeta_nodes": GOOD_MODULE})
    with caplog.at_level(logging.INFO, logger="catalog.nodes.plugins"):
        found = discover(BUILT_IN, dists.entry_points())
    accepted = [(cls.type, origin.package, origin.version, origin.entry_point) for cls, origin in found.accepted]
    assert accepted == [
        ("acme.upper", "acme-nodes", "2.3.1", "both = acme_nodes:both"),
        ("acme.lower", "acme-nodes", "2.3.1", "both = acme_nodes:both"),
    ]
    assert errors_of(found) == {
        ("acme-nodes", "upper"): "node type 'acme.upper' is already defined by acme-nodes",
        ("zeta-nodes", "lower"): "node type 'acme.lower' is already defined by acme-nodes",
    }
    assert "node plugin acme-nodes 2.3.1 (entry point 'both = acme_nodes:both') loaded: acme.upper, acme.lower" in caplog.text
    assert "node plugin zeta-nodes 0.1 (entry point 'lower = zeta_nodes:Lower') skipped:" in caplog.text


BROKEN = {
    "import_error": ("import stepwise_nothing_here\n", "broken:Anything", "ModuleNotFoundError: No module named 'stepwise_nothing_here'"),
    "raises": ("raise RuntimeError('no licence key')\n", "broken:Anything", "RuntimeError: no licence key"),
    "exits": ("import sys\nsys.exit(3)\n", "broken:Anything", "SystemExit: 3"),
    "syntax": ("def (:\n", "broken:Anything", "SyntaxError: "),
    "missing_attribute": ("X = 1\n", "broken:Upper", "AttributeError: "),
    "not_a_type": ("VALUE = 42\n", "broken:VALUE", "the entry point names a int, not a NodeType subclass or a callable returning some"),
    "other_class": ("class Thing: pass\n", "broken:Thing", "not a NodeType subclass"),
    "factory_gives_junk": ("def make(): return ['x']\n", "broken:make", "the entry point gives a str, not a NodeType subclass"),
    "factory_gives_nothing": ("def make(): return []\n", "broken:make", "the entry point gives no node type"),
    "factory_raises": ("def make(): raise ValueError('bad config')\n", "broken:make", "ValueError: bad config"),
    "builtin_name": (
        GOOD_MODULE + "\nclass Noop(Upper):\n    type = 'noop'\n",
        "broken:Noop",
        "node type 'noop' is built in and cannot be overridden",
    ),
    "builtin_dotted_name": (
        GOOD_MODULE + "\nclass Http(Upper):\n    type = 'http.request'\n",
        "broken:Http",
        "node type 'http.request' is built in and cannot be overridden",
    ),
    "twice_in_one": (
        GOOD_MODULE + "\ndef make(): return [Upper, Upper]\n",
        "broken:make",
        "the entry point gives the same node type twice",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_entry_point_is_skipped_and_the_good_one_loads(dists, case, caplog):
    source, target, error = BROKEN[case]
    dists.add("broken-nodes", "1.0", {"bad": target}, {"broken": source})
    dists.add("acme-nodes", "2.0", {"lower": "acme_nodes:Lower"}, {"acme_nodes": GOOD_MODULE})
    found = discover(BUILT_IN, dists.entry_points())
    assert [cls.type for cls, _ in found.accepted] == ["acme.lower"]
    assert list(errors_of(found)) == [("broken-nodes", "bad")]
    assert error in errors_of(found)[("broken-nodes", "bad")]
    assert f"node plugin broken-nodes 1.0 (entry point 'bad = {target}') skipped: " in caplog.text


class Good(NodeType):
    type = "acme.good"
    title = "Good"
    category = "Data"
    description = "Fine."
    config_schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}

    @classmethod
    def execute(cls, ctx):
        raise NotImplementedError


def variant(**attributes):
    return type("Variant", (Good,), attributes)


@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        ({"type": "Acme.Good"}, "`type` must be a namespaced name"),
        ({"type": 7}, "`type` must be a namespaced name"),
        ({"title": ""}, "`title` must be a non-empty string"),
        ({"description": None}, "`description` must be a non-empty string"),
        ({"config_schema": {"type": "string"}}, "`config_schema` must be a JSON Schema of type object"),
        (
            {"config_schema": {"type": "object", "properties": {"n": {"type": "integr"}}}},
            "`config_schema` is not valid JSON Schema at /properties/n/type",
        ),
        ({"default_config": {"n": "seven"}}, "`default_config` does not match `config_schema` at /n: 'seven' is not of type 'integer'"),
        ({"default_config": []}, "`default_config` must be an object"),
        ({"output_schema": {"type": 3}}, "`output_schema` is not valid JSON Schema"),
        ({"output_ports": ("out", "")}, "`output_ports` must be a tuple of port names"),
        ({"dynamic_ports": {"from": 1}}, "`dynamic_ports` must be None"),
        ({"execute": NodeType.execute}, "it does not implement `execute`"),
        ({"check_config": classmethod(lambda cls, config: 1 / 0)}, "checking its default config raised ZeroDivisionError"),
    ],
)
def test_what_a_node_type_is_checked_for(attributes, problem):
    assert node_type_problems(Good) == []
    problems = node_type_problems(variant(**attributes))
    assert any(problem in p for p in problems), problems


def test_a_missing_required_default_is_left_to_the_person():
    """A required field with no sensible default (a workflow picker) is not a broken type."""
    assert node_type_problems(variant(default_config={})) == []


def test_every_built_in_type_would_pass_the_checks_but_its_name():
    for cls in registry.all_types():
        problems = [p for p in node_type_problems(cls) if "namespaced" not in p]
        assert problems == [], (cls.type, problems)


SELF_REGISTERING = """
from catalog.nodes.registry import register
from catalog.nodes.base import NodeResult, NodeType


@register
class Sneaky(NodeType):
    type = "sneaky.one"
    title = ""  # fails the checks
    category = "Data"
    description = "Registers itself on import."

    @classmethod
    def execute(cls, ctx):
        return NodeResult(output=1)
"""


def test_the_registry_serves_plugins_with_their_origin(dists, fresh_registry):
    dists.add("acme-nodes", "2.3.1", {"both": "acme_nodes:both"}, {"acme_nodes": GOOD_MODULE})
    dists.add("sneaky-nodes", "0.0.1", {"one": "sneaky:Sneaky"}, {"sneaky": SELF_REGISTERING})
    fresh_registry()
    assert registry.get("acme.upper").title == "Upper case"
    assert registry.origin("acme.upper").package == "acme-nodes" and registry.origin("noop") is None
    # Its @register put it in; the entry point's checks took it out again.
    assert registry.get("sneaky.one") is None
    assert [(e.package, e.error) for e in registry.plugin_errors()] == [
        ("sneaky-nodes", "node type 'sneaky.one': `title` must be a non-empty string")
    ]
    assert registry.get("noop").title == "No operation"
