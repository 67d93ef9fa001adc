import pytest

from designer.validation import MAX_DEPTH, is_loadable
from tests.designer.validation.helpers import SMALL, base, codes, problems_of
from tests.factories import edge, node


def test_the_fixture_graph_is_valid():
    assert problems_of(base()) == []


@pytest.mark.parametrize("graph", [None, [], "graph", 3, {"nodes": "x", "edges": []}, {"nodes": []}, {"edges": []}])
def test_not_a_graph(graph):
    found = problems_of(graph)
    assert found and all(p["code"] == "invalid_graph" for p in found)
    assert not is_loadable(graph)


def test_unknown_top_level_field():
    graph = base() | {"nodez": []}
    assert problems_of(graph)[0] == {
        "code": "unknown_field",
        "message": "Unknown graph field 'nodez'.",
        "node_id": None,
        "edge_id": None,
        "field": "/nodez",
    }


def test_duplicate_node_ids_name_the_node():
    graph = base()
    graph["nodes"].append(node("fetch", "noop"))
    dup = [p for p in problems_of(graph) if p["code"] == "duplicate_id"]
    assert dup == [
        {"code": "duplicate_id", "message": "Two nodes have the id 'fetch'.", "node_id": "fetch", "edge_id": None, "field": "/id"}
    ]


def test_duplicate_edge_ids_name_the_edge():
    graph = base()
    graph["edges"].append(edge("e1", "greet", "give_up"))
    dup = [p for p in problems_of(graph) if p["code"] == "duplicate_id"]
    assert [p["edge_id"] for p in dup] == ["e1"]


@pytest.mark.parametrize("bad_id", ["has space", "1starts_with_digit", "dash-ed", "x" * 65, ""])
def test_node_id_must_be_an_expression_friendly_slug(bad_id):
    graph = base()
    graph["nodes"].append(node(bad_id, "noop"))
    graph["edges"].append(edge("e9", "greet", bad_id))
    assert "invalid_id" in codes(graph)


def test_node_envelope_fields_are_checked_with_pointers():
    graph = base()
    graph["nodes"][1]["retry"] = {"max_attempts": 0, "backoff": "sometimes"}
    graph["nodes"][1]["on_error"] = "explode"
    graph["nodes"][1]["colour"] = "red"
    fields = {p["field"] for p in problems_of(graph) if p["node_id"] == "fetch"}
    assert {"/retry/max_attempts", "/retry/backoff", "/on_error", "/colour"} <= fields


def test_node_without_type_or_id():
    graph = base()
    graph["nodes"].append({"id": "orphan"})
    graph["nodes"].append({"type": "noop"})
    found = problems_of(graph)
    assert {"code": "invalid_node", "message": "Type is required.", "node_id": "orphan", "edge_id": None, "field": "/type"} in found
    assert any(p["code"] == "invalid_node" and p["field"] == "/id" and p["node_id"] is None for p in found)


def test_non_object_node_and_edge_are_named_by_position():
    graph = base()
    graph["nodes"].append("not a node")
    graph["edges"].append(7)
    found = problems_of(graph)
    assert {"code": "invalid_node", "message": "Node #7 must be an object.", "node_id": None, "edge_id": None, "field": "/nodes/6"} in found
    assert any(p["field"] == "/edges/5" for p in found)
    assert not is_loadable(graph)


def test_size_limits_stop_validation_early():
    graph = {"nodes": [node(f"n{i}", "noop") for i in range(6)], "edges": [edge(f"e{i}", "n0", "n1") for i in range(6)]}
    assert codes(graph, limits=SMALL) == ["too_many_edges", "too_many_nodes"]


def test_nesting_past_the_limit_is_one_problem():
    deep: dict = {}
    cursor = deep
    for _ in range(MAX_DEPTH + 5):
        cursor["x"] = {}
        cursor = cursor["x"]
    graph = base()
    graph["nodes"][1]["config"]["json"] = deep
    assert codes(graph) == ["too_deep"]


@pytest.mark.parametrize("output", [None, 0, "text", [1, {"a": None}], {"user": {"id": 7}}])
def test_a_pinned_output_is_any_json_value(output):
    graph = base()
    graph["nodes"][1]["pinned"] = {"output": output}
    assert problems_of(graph) == []


@pytest.mark.parametrize(("pinned", "field"), [(5, "/pinned"), ({}, "/pinned/output"), ({"output": 1, "at": "now"}, "/pinned/at")])
def test_pinned_data_must_be_an_output_alone(pinned, field):
    graph = base()
    graph["nodes"][1]["pinned"] = pinned
    found = problems_of(graph)
    assert [(p["code"], p["node_id"], p["field"]) for p in found] == [("invalid_node", graph["nodes"][1]["id"], field)]


def test_a_graphs_pinned_data_together_is_bounded_and_the_node_past_it_named():
    from designer.validation import Limits, is_size_problem, validate_graph

    graph = base()
    first, second = graph["nodes"][1]["id"], graph["nodes"][2]["id"]
    graph["nodes"][1]["pinned"] = {"output": "x" * 60}
    limits = Limits(max_pinned_bytes=100)
    assert problems_of(graph, limits=limits) == []
    graph["nodes"][2]["pinned"] = {"output": "é" * 30}  # 60 bytes of UTF-8, 62 as JSON: 124 in all
    found = validate_graph(graph, limits=limits)
    assert [(p.code, p.node_id, p.field) for p in found] == [("pinned_too_large", second, "/pinned")]
    assert is_size_problem(found[0]) and "124 bytes" in found[0].message and first != second
