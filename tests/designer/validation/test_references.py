"""An expression that reads `steps.<id>` names a node of the graph that runs before this
one: validation reports a step that does not exist, and one that is not upstream (its
output cannot exist yet), with the node, the field and the step id."""

import json

import pytest

from tests.designer.validation.helpers import base, problems_of
from tests.engine.harness import golden_names, load_golden
from tests.factories import edge, node


def _references(graph):
    return [p for p in problems_of(graph) if p["code"] in ("unknown_step", "step_not_upstream")]


def _after_greet(*nodes):
    """The base graph (start -> fetch -> is_ok -> greet | give_up; fetch -error-> notify)
    with `nodes` after greet."""
    graph = base()
    for extra in nodes:
        graph["nodes"].append(extra)
        graph["edges"].append(edge(f"e_{extra['id']}", "greet", extra["id"]))
    return graph


def test_the_base_graph_reads_only_steps_upstream():
    assert _references(base()) == []


def test_a_step_that_does_not_exist_in_a_template():
    graph = _after_greet(node("say", "fail", {"message": "Failed: {{ steps.zzz.output }}"}))
    assert _references(graph) == [
        {
            "code": "unknown_step",
            "message": "Node 'say', field /config/message: steps.zzz names no node of this workflow.",
            "node_id": "say",
            "edge_id": None,
            "field": "/config/message",
        }
    ]


def test_a_step_that_is_not_upstream_in_an_expression_field():
    # give_up is on the other branch of is_ok: when greet runs, give_up never ran.
    graph = base()
    graph["nodes"][3]["config"]["expression"] = "steps.give_up.output & steps.fetch.output.json.name"
    assert _references(graph) == [
        {
            "code": "step_not_upstream",
            "message": (
                "Node 'greet', field /config/expression: steps.give_up is not upstream of 'greet', "
                "so its output cannot exist when 'greet' runs."
            ),
            "node_id": "greet",
            "edge_id": None,
            "field": "/config/expression",
        }
    ]


def test_a_node_reading_its_own_step():
    graph = base()
    graph["nodes"][3]["config"]["expression"] = "steps.greet.output"
    [problem] = _references(graph)
    assert problem["code"] == "step_not_upstream" and problem["node_id"] == "greet" and "steps.greet" in problem["message"]


def test_nested_expression_fields_are_read():
    cases = [{"port": "a", "expression": "steps.fetch.output.status = 200"}, {"port": "b", "expression": "$exists(steps.nope)"}]
    graph = _after_greet(node("route", "switch", {"cases": cases}))
    assert [(p["code"], p["node_id"], p["field"]) for p in _references(graph)] == [("unknown_step", "route", "/config/cases/1/expression")]


def test_templates_nested_in_free_form_values_are_read():
    graph = _after_greet(node("post", "http.request", {"method": "POST", "url": "https://x", "json": {"a": [{"b": "{{ steps.gone }}"}]}}))
    assert [(p["node_id"], p["field"]) for p in _references(graph)] == [("post", "/config/json/a/0/b")]


@pytest.mark.parametrize(
    "expression",
    [
        "$$.steps.zzz.output",  # the root, named
        "$.steps.zzz",  # the root, at the top
        "$string(steps.zzz.output)",  # a function's argument
        "$map([1, 2], function($v) { steps.zzz.output })",  # a lambda's body
        "trigger.ok ? steps.zzz : 1",  # a branch
        "{'k': [steps.zzz]}",  # constructors
        "($s := steps.zzz; $s)",  # a binding
        "steps.zzz.output ~> $count()",  # a chain
        "steps.`zzz`.output",  # a quoted name
        "steps.zzz[0].output",  # a predicate on the step
        "-steps.zzz.n + 1",
    ],
)
def test_every_place_an_expression_can_read_from_the_root_is_read(expression):
    graph = _after_greet(node("t", "transform", {"expression": expression}))
    assert [(p["code"], p["node_id"]) for p in _references(graph)] == [("unknown_step", "t")], expression


@pytest.mark.parametrize(
    "expression",
    [
        "trigger.items[steps.zzz = 1]",  # inside a path's predicate, `steps` is the item's field
        "[1, 2][steps.zzz = 1]",  # likewise in an array's predicate
        "trigger.(steps.zzz)",  # a later step of a path reads the previous step's value
        "trigger.items^(steps.zzz)",  # sort terms read each item
        "trigger.items{steps.zzz: 1}",  # group-by reads each item
        "$lookup(trigger, 'steps')",  # not a path into steps
        "'steps.zzz'",  # a string
    ],
)
def test_fields_named_steps_below_the_root_are_not_steps(expression):
    graph = _after_greet(node("t", "transform", {"expression": expression}))
    assert _references(graph) == [], expression


def test_an_error_route_reads_the_step_that_failed():
    # notify hangs off fetch's error port and reads steps.fetch.output.error (base graph).
    graph = base()
    assert graph["nodes"][5]["config"]["body"] == "{{ steps.fetch.output.error }}"
    assert _references(graph) == []


def test_a_compensation_sees_every_step_but_only_real_ones():
    # A compensation runs after the failure, with every step's output (evaluation.input_rows).
    graph = base()
    graph["nodes"][1]["compensation"] = "undo"
    graph["nodes"].append(node("undo", "transform", {"expression": "[steps.greet.output, steps.give_up.output, steps.ghost]"}))
    assert [(p["code"], p["node_id"], p["message"]) for p in _references(graph)] == [
        ("unknown_step", "undo", "Node 'undo', field /config/expression: steps.ghost names no node of this workflow.")
    ]


def test_a_map_input_per_item_is_read():
    graph = _after_greet(node("each", "map", {"workflow_id": 1, "items": "{{ trigger.items }}", "input": {"x": "{{ steps.zzz }}"}}))
    assert [(p["node_id"], p["field"]) for p in _references(graph)] == [("each", "/config/input/x")]


def test_an_expression_that_does_not_parse_is_reported_once():
    graph = _after_greet(node("t", "transform", {"expression": "steps.zzz +"}))
    assert [p["code"] for p in problems_of(graph) if p["node_id"] == "t"] == ["invalid_expression"]


@pytest.mark.parametrize("name", golden_names())
def test_every_golden_workflow_still_validates_cleanly(name):
    fixture = load_golden(name)
    graphs = [fixture["graph"], *fixture.get("subworkflows", {}).values()]
    for graph in graphs:
        text = json.dumps(graph)
        for sub in fixture.get("subworkflows", {}):
            text = text.replace(f'"$WF:{sub}"', "1")
        assert problems_of(json.loads(text)) == [], name
