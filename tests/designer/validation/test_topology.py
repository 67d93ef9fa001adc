from tests.designer.validation.helpers import base, codes, problems_of
from tests.factories import edge, node


def test_dangling_edge_names_the_edge_and_the_end():
    graph = base()
    graph["edges"].append(edge("e_ghost", "greet", "ghost"))
    assert {
        "code": "dangling_edge",
        "message": "The connection ends at 'ghost', which is not a node.",
        "node_id": None,
        "edge_id": "e_ghost",
        "field": "/target",
    } in problems_of(graph)


def test_port_the_type_does_not_have():
    graph = base()
    graph["edges"][2]["source_port"] = "maybe"
    found = [p for p in problems_of(graph) if p["code"] == "unknown_port"]
    assert found == [
        {
            "code": "unknown_port",
            "message": "Node 'is_ok' (Condition) has no output port 'maybe' (its ports: true, false).",
            "node_id": "is_ok",
            "edge_id": "e3",
            "field": "/source_port",
        }
    ]


def test_error_port_needs_on_error_route():
    graph = base()
    graph["nodes"][1]["on_error"] = "fail"
    found = [p for p in problems_of(graph) if p["code"] == "unknown_port"]
    assert len(found) == 1 and "Set its on_error to route" in found[0]["message"]
    assert found[0]["edge_id"] == "e5"


def test_trigger_cannot_receive_edges_and_target_port_must_be_in():
    graph = base()
    graph["edges"].append(edge("e_back", "greet", "start"))
    graph["edges"][1]["target_port"] = "side"
    found = {p["edge_id"]: p for p in problems_of(graph) if p["code"] == "unknown_port"}
    assert set(found) == {"e_back", "e2"}


def test_cycle_reports_the_closing_edge():
    graph = base()
    graph["edges"].append(edge("e_loop", "greet", "fetch"))
    cycles = [p for p in problems_of(graph) if p["code"] == "cycle"]
    assert [(p["edge_id"], p["node_id"]) for p in cycles] == [("e_loop", "greet")]
    assert "fetch -> is_ok -> greet -> fetch" in cycles[0]["message"]


def test_self_loop_is_a_cycle():
    graph = base()
    graph["edges"].append(edge("e_self", "greet", "greet"))
    assert "cycle" in codes(graph)


def test_no_trigger():
    graph = {"nodes": [node("a", "noop"), node("b", "noop")], "edges": [edge("e1", "a", "b")]}
    assert problems_of(graph) == [
        {
            "code": "no_trigger",
            "message": "The workflow has no trigger: add a Manual, Webhook or Schedule trigger.",
            "node_id": None,
            "edge_id": None,
            "field": "/nodes",
        }
    ]


def test_unreachable_nodes_are_each_named():
    graph = base()
    graph["nodes"] += [node("island", "noop"), node("island2", "noop")]
    graph["edges"].append(edge("e_i", "island", "island2"))
    assert sorted(p["node_id"] for p in problems_of(graph) if p["code"] == "unreachable") == ["island", "island2"]


def test_compensation_node_may_stand_alone_but_must_exist():
    graph = base()
    graph["nodes"].append(node("refund", "http.request", {"method": "POST", "url": "https://pay.example/refund"}))
    graph["nodes"][1]["compensation"] = "refund"
    assert problems_of(graph) == []
    graph["nodes"][1]["compensation"] = "nobody"
    assert "unknown_node" in codes(graph)
    graph["nodes"][1]["compensation"] = "fetch"
    assert "invalid_compensation" in codes(graph)


def test_duplicate_connection():
    graph = base()
    graph["edges"].append(edge("e_dup", "start", "fetch"))
    assert [p["edge_id"] for p in problems_of(graph) if p["code"] == "duplicate_edge"] == ["e_dup"]


def test_join_and_switch_graph_is_valid():
    graph = {
        "nodes": [
            node("start", "trigger.manual"),
            node("route", "switch", {"cases": [{"port": "big", "expression": "trigger.n > 10"}]}),
            node("a", "noop"),
            node("b", "noop"),
            node("both", "join", {"mode": "any"}),
        ],
        "edges": [
            edge("e1", "start", "route"),
            edge("e2", "route", "a", "big"),
            edge("e3", "route", "b", "default"),
            edge("e4", "a", "both"),
            edge("e5", "b", "both"),
        ],
    }
    assert problems_of(graph) == []
