"""A corpus of malformed graphs and request bodies: every one gets a 4xx JSON answer whose
problems name the node or edge at fault (or the field, for graph-level faults); none gets
a 5xx. Hand-written cases plus Hypothesis-generated ones."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.nodes import registry
from tests.factories import valid_graph


def mutate(fn: Callable[[dict], object]) -> dict:
    graph = valid_graph()
    result = fn(graph)
    return graph if result is None else result  # type: ignore[return-value]


def node_by(graph, node_id):
    return next(n for n in graph["nodes"] if n["id"] == node_id)


def edge_by(graph, edge_id):
    return next(e for e in graph["edges"] if e["id"] == edge_id)


def _set(path: list, value):
    def apply(graph):
        target = graph
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


def _drop(path: list):
    def apply(graph):
        target = graph
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return apply


def _append(key: str, value):
    return lambda graph: graph[key].append(value)


# (label, mutation, expected code, node id or edge id the problem must name: ("node", id) / ("edge", id) / None)
GRAPH_CASES = [
    ("unknown type", _set(["nodes", 3, "type"], "quantum"), "unknown_type", ("node", "greet")),
    ("empty type", _set(["nodes", 3, "type"], ""), "invalid_node", ("node", "greet")),
    ("type is a number", _set(["nodes", 3, "type"], 7), "invalid_node", ("node", "greet")),
    ("no type", _drop(["nodes", 3, "type"]), "invalid_node", ("node", "greet")),
    ("no id", _drop(["nodes", 3, "id"]), "invalid_node", None),
    ("id is a number", _set(["nodes", 3, "id"], 12), "invalid_node", None),
    ("id with a space", _set(["nodes", 5, "id"], "no tify"), "invalid_id", ("node", "no tify")),
    ("id with a dash", _set(["nodes", 5, "id"], "no-tify"), "invalid_id", ("node", "no-tify")),
    ("id starting with a digit", _set(["nodes", 5, "id"], "9lives"), "invalid_id", ("node", "9lives")),
    ("id too long", _set(["nodes", 5, "id"], "n" * 80), "invalid_id", ("node", "n" * 80)),
    ("duplicate node id", _set(["nodes", 4, "id"], "greet"), "duplicate_id", ("node", "greet")),
    ("duplicate edge id", _set(["edges", 3, "id"], "e1"), "duplicate_id", ("edge", "e1")),
    ("unknown node field", _set(["nodes", 1, "colour"], "red"), "invalid_node", ("node", "fetch")),
    ("name too long", _set(["nodes", 1, "name"], "x" * 300), "invalid_node", ("node", "fetch")),
    ("position missing y", _set(["nodes", 1, "position"], {"x": 1}), "invalid_node", ("node", "fetch")),
    ("position is a string", _set(["nodes", 1, "position"], "top"), "invalid_node", ("node", "fetch")),
    ("config is a list", _set(["nodes", 1, "config"], []), "invalid_node", ("node", "fetch")),
    ("retry attempts zero", _set(["nodes", 1, "retry", "max_attempts"], 0), "invalid_node", ("node", "fetch")),
    ("retry attempts huge", _set(["nodes", 1, "retry", "max_attempts"], 10**6), "invalid_node", ("node", "fetch")),
    ("retry backoff unknown", _set(["nodes", 1, "retry", "backoff"], "random"), "invalid_node", ("node", "fetch")),
    ("retry unknown field", _set(["nodes", 1, "retry", "forever"], True), "invalid_node", ("node", "fetch")),
    ("timeout zero", _set(["nodes", 1, "timeout_s"], 0), "invalid_node", ("node", "fetch")),
    ("timeout string", _set(["nodes", 1, "timeout_s"], "soon"), "invalid_node", ("node", "fetch")),
    ("on_error unknown", _set(["nodes", 1, "on_error"], "ignore"), "invalid_node", ("node", "fetch")),
    ("delivery unknown", _set(["nodes", 1, "delivery"], "exactly_once"), "invalid_node", ("node", "fetch")),
    ("compensation missing node", _set(["nodes", 1, "compensation"], "ghost"), "unknown_node", ("node", "fetch")),
    ("compensation self", _set(["nodes", 1, "compensation"], "fetch"), "invalid_compensation", ("node", "fetch")),
    ("compensation trigger", _set(["nodes", 1, "compensation"], "start"), "invalid_compensation", ("node", "fetch")),
    ("http method unknown", _set(["nodes", 1, "config", "method"], "FETCH"), "invalid_config", ("node", "fetch")),
    ("http url missing", _drop(["nodes", 1, "config", "url"]), "invalid_config", ("node", "fetch")),
    ("http url not http", _set(["nodes", 1, "config", "url"], "ftp://x"), "invalid_config", ("node", "fetch")),
    ("http url number", _set(["nodes", 1, "config", "url"], 42), "invalid_config", ("node", "fetch")),
    ("http headers list", _set(["nodes", 1, "config", "headers"], ["a"]), "invalid_config", ("node", "fetch")),
    ("http header value number", _set(["nodes", 1, "config", "headers"], {"X": 1}), "invalid_config", ("node", "fetch")),
    ("http timeout negative", _set(["nodes", 1, "config", "timeout_s"], -5), "invalid_config", ("node", "fetch")),
    ("http fail_on_status bad", _set(["nodes", 1, "config", "fail_on_status"], ["6xx"]), "invalid_config", ("node", "fetch")),
    (
        "http json and body",
        _set(["nodes", 1, "config"], {"method": "POST", "url": "https://x", "json": {}, "body": "b"}),
        "invalid_config",
        ("node", "fetch"),
    ),
    ("http unknown config", _set(["nodes", 1, "config", "verb"], "GET"), "invalid_config", ("node", "fetch")),
    ("url expression syntax", _set(["nodes", 1, "config", "url"], "https://x/{{ trigger.( }}"), "invalid_expression", ("node", "fetch")),
    ("url unclosed template", _set(["nodes", 1, "config", "url"], "https://x/{{ trigger.id"), "invalid_expression", ("node", "fetch")),
    ("empty template", _set(["nodes", 1, "config", "url"], "https://x/{{ }}"), "invalid_expression", ("node", "fetch")),
    ("condition syntax", _set(["nodes", 2, "config", "expression"], "a = "), "invalid_expression", ("node", "is_ok")),
    ("condition empty", _set(["nodes", 2, "config", "expression"], ""), "invalid_config", ("node", "is_ok")),
    ("condition missing", _set(["nodes", 2, "config"], {}), "invalid_config", ("node", "is_ok")),
    ("transform syntax", _set(["nodes", 3, "config", "expression"], "{'a': }"), "invalid_expression", ("node", "greet")),
    (
        "transform unbalanced",
        _set(["nodes", 3, "config", "expression"], "$map([1,2], function($v) { $v * 2 }"),
        "invalid_expression",
        ("node", "greet"),
    ),
    ("fail without message", _set(["nodes", 4, "config"], {}), "invalid_config", ("node", "give_up")),
    ("email to not a list", _set(["nodes", 5, "config", "to"], "ops@example.com"), "invalid_config", ("node", "notify")),
    ("email bad address", _set(["nodes", 5, "config", "to"], ["not an address"]), "invalid_config", ("node", "notify")),
    ("email no subject", _drop(["nodes", 5, "config", "subject"]), "invalid_config", ("node", "notify")),
    ("email body expression", _set(["nodes", 5, "config", "body"], "{{ ) }}"), "invalid_expression", ("node", "notify")),
    ("manual trigger bad schema", _set(["nodes", 0, "config"], {"input_schema": {"type": 12}}), "invalid_config", ("node", "start")),
    ("manual trigger expression", _set(["nodes", 0, "config"], {"sample_input": "{{ x }}"}), "expression_not_allowed", ("node", "start")),
    ("dangling source", _set(["edges", 1, "source"], "ghost"), "dangling_edge", ("edge", "e2")),
    ("dangling target", _set(["edges", 1, "target"], "ghost"), "dangling_edge", ("edge", "e2")),
    ("edge without id", _drop(["edges", 1, "id"]), "invalid_edge", None),
    ("edge without source", _drop(["edges", 1, "source"]), "invalid_edge", ("edge", "e2")),
    ("edge source number", _set(["edges", 1, "source"], 5), "invalid_edge", ("edge", "e2")),
    ("edge unknown field", _set(["edges", 1, "label"], "go"), "invalid_edge", ("edge", "e2")),
    ("condition port unknown", _set(["edges", 2, "source_port"], "yes"), "unknown_port", ("edge", "e3")),
    ("noop has no true port", _set(["edges", 1, "source_port"], "true"), "unknown_port", ("edge", "e2")),
    ("error port without route", _set(["nodes", 1, "on_error"], "continue"), "unknown_port", ("edge", "e5")),
    ("target port unknown", _set(["edges", 1, "target_port"], "side"), "unknown_port", ("edge", "e2")),
    ("edge into trigger", _append("edges", {"id": "e_in", "source": "greet", "target": "start"}), "unknown_port", ("edge", "e_in")),
    ("fail has no out port", _append("edges", {"id": "e_f", "source": "give_up", "target": "notify"}), "unknown_port", ("edge", "e_f")),
    ("duplicate connection", _append("edges", {"id": "e_dup", "source": "start", "target": "fetch"}), "duplicate_edge", ("edge", "e_dup")),
    ("cycle", _append("edges", {"id": "e_loop", "source": "greet", "target": "fetch"}), "cycle", ("edge", "e_loop")),
    ("self loop", _append("edges", {"id": "e_self", "source": "greet", "target": "greet"}), "cycle", ("edge", "e_self")),
    ("unreachable node", _append("nodes", {"id": "island", "type": "noop"}), "unreachable", ("node", "island")),
    ("no trigger", lambda g: {"nodes": g["nodes"][1:], "edges": g["edges"][1:]}, "no_trigger", None),
    ("empty graph", lambda g: {"nodes": [], "edges": []}, "no_trigger", None),
    ("unknown graph field", _set(["layout"], "grid"), "unknown_field", None),
    ("vars not an object", _set(["vars"], [1]), "invalid_graph", None),
    (
        "schedule bad cron",
        _append("nodes", {"id": "tick", "type": "trigger.schedule", "config": {"cron": "every minute"}}),
        "invalid_config",
        ("node", "tick"),
    ),
    (
        "schedule bad tz",
        _append("nodes", {"id": "tick", "type": "trigger.schedule", "config": {"cron": "* * * * *", "timezone": "Nowhere/Land"}}),
        "invalid_config",
        ("node", "tick"),
    ),
    ("schedule no cron", _append("nodes", {"id": "tick", "type": "trigger.schedule", "config": {}}), "invalid_config", ("node", "tick")),
    (
        "schedule cron expression",
        _append("nodes", {"id": "tick", "type": "trigger.schedule", "config": {"cron": "{{ x }}"}}),
        "expression_not_allowed",
        ("node", "tick"),
    ),
    (
        "webhook bad method",
        _append("nodes", {"id": "hook", "type": "trigger.webhook", "config": {"methods": ["BREW"]}}),
        "invalid_config",
        ("node", "hook"),
    ),
    (
        "webhook wait too long",
        _append("nodes", {"id": "hook", "type": "trigger.webhook", "config": {"wait_timeout_s": 100000}}),
        "invalid_config",
        ("node", "hook"),
    ),
    (
        "webhook respond with ghost",
        _append("nodes", {"id": "hook", "type": "trigger.webhook", "config": {"respond_with_node": "ghost"}}),
        "unknown_node",
        ("node", "hook"),
    ),
    ("switch no cases", _append("nodes", {"id": "sw", "type": "switch", "config": {"cases": []}}), "invalid_config", ("node", "sw")),
    (
        "switch dup ports",
        _append(
            "nodes",
            {"id": "sw", "type": "switch", "config": {"cases": [{"port": "a", "expression": "1"}, {"port": "a", "expression": "2"}]}},
        ),
        "invalid_config",
        ("node", "sw"),
    ),
    (
        "switch reserved port",
        _append("nodes", {"id": "sw", "type": "switch", "config": {"cases": [{"port": "default", "expression": "1"}]}}),
        "invalid_config",
        ("node", "sw"),
    ),
    (
        "switch bad port name",
        _append("nodes", {"id": "sw", "type": "switch", "config": {"cases": [{"port": "Big Ones", "expression": "1"}]}}),
        "invalid_config",
        ("node", "sw"),
    ),
    (
        "switch case syntax",
        _append("nodes", {"id": "sw", "type": "switch", "config": {"cases": [{"port": "a", "expression": "(("}]}}),
        "invalid_expression",
        ("node", "sw"),
    ),
    ("join mode unknown", _append("nodes", {"id": "j", "type": "join", "config": {"mode": "some"}}), "invalid_config", ("node", "j")),
    (
        "join mode expression",
        _append("nodes", {"id": "j", "type": "join", "config": {"mode": "{{ 'all' }}"}}),
        "expression_not_allowed",
        ("node", "j"),
    ),
    ("map no workflow", _append("nodes", {"id": "m", "type": "map", "config": {"items": []}}), "invalid_config", ("node", "m")),
    (
        "map concurrency zero",
        _append("nodes", {"id": "m", "type": "map", "config": {"workflow_id": 1, "items": [], "max_concurrency": 0}}),
        "invalid_config",
        ("node", "m"),
    ),
    (
        "map unknown workflow",
        _append("nodes", {"id": "m", "type": "map", "config": {"workflow_id": 987654321, "items": []}}),
        "unknown_workflow",
        ("node", "m"),
    ),
    (
        "call workflow string",
        _append("nodes", {"id": "c", "type": "workflow.call", "config": {"workflow_id": "7"}}),
        "invalid_config",
        ("node", "c"),
    ),
    (
        "call unknown workflow",
        _append("nodes", {"id": "c", "type": "workflow.call", "config": {"workflow_id": 987654321}}),
        "unknown_workflow",
        ("node", "c"),
    ),
    ("wait no duration", _append("nodes", {"id": "w", "type": "wait", "config": {"mode": "duration"}}), "invalid_config", ("node", "w")),
    ("wait until no time", _append("nodes", {"id": "w", "type": "wait", "config": {"mode": "until"}}), "invalid_config", ("node", "w")),
    (
        "wait negative",
        _append("nodes", {"id": "w", "type": "wait", "config": {"mode": "duration", "duration_s": -1}}),
        "invalid_config",
        ("node", "w"),
    ),
    (
        "approval on_timeout unknown",
        _append("nodes", {"id": "a", "type": "approval", "config": {"on_timeout": "shrug"}}),
        "invalid_config",
        ("node", "a"),
    ),
    ("noop with config", _append("nodes", {"id": "n", "type": "noop", "config": {"x": 1}}), "invalid_config", ("node", "n")),
    ("node is a string", _append("nodes", "noop"), "invalid_node", None),
    ("edge is null", _append("edges", None), "invalid_edge", None),
]


def _names(problem, expected):
    kind, ident = expected
    return problem[f"{kind}_id"] == ident


@pytest.fixture
def target(api, user):
    from tests.factories import make_workflow

    return make_workflow(user)


def test_corpus_is_large_enough():
    assert len(GRAPH_CASES) + len(BODY_CASES) >= 100


@pytest.mark.parametrize("label,mutation,code,expected", GRAPH_CASES, ids=[c[0] for c in GRAPH_CASES])
def test_malformed_graph_is_refused_naming_the_culprit(api, target, label, mutation, code, expected):
    graph = mutate(mutation)
    response = api.post(f"/api/workflows/{target.pk}/validate/", {"graph": graph}, format="json")
    assert 400 <= response.status_code < 500, response.content[:300]
    problems = response.json()["problems"]
    matching = [p for p in problems if p["code"] == code]
    assert matching, problems
    if expected is None:
        assert all(p["field"] is not None or p["node_id"] or p["edge_id"] for p in matching)
    else:
        assert any(_names(p, expected) for p in matching), (expected, matching)
    assert all(p["message"] for p in problems)
    # Saving it either keeps the draft with the same problems listed, or (when it cannot be
    # opened at all) refuses it: never a 5xx.
    saved = api.patch(f"/api/workflows/{target.pk}/", {"graph": graph}, format="json")
    assert saved.status_code in (200, 400), saved.content[:300]
    assert code in {p["code"] for p in saved.json()["problems"]}


WF = "/api/workflows/{id}/"
BODY_CASES = [
    ("create: body is a list", "POST", "/api/workflows/", "[]", "application/json", None),
    ("create: body is a string", "POST", "/api/workflows/", '"name"', "application/json", None),
    ("create: no name", "POST", "/api/workflows/", "{}", "application/json", "/name"),
    ("create: name null", "POST", "/api/workflows/", '{"name": null}', "application/json", "/name"),
    ("create: name too long", "POST", "/api/workflows/", json.dumps({"name": "x" * 201}), "application/json", "/name"),
    ("create: name an object", "POST", "/api/workflows/", '{"name": {"a": 1}}', "application/json", "/name"),
    ("create: graph a string", "POST", "/api/workflows/", '{"name": "x", "graph": "nodes"}', "application/json", ""),
    (
        "create: graph nodes not list",
        "POST",
        "/api/workflows/",
        '{"name": "x", "graph": {"nodes": {}, "edges": []}}',
        "application/json",
        "/nodes",
    ),
    ("create: truncated json", "POST", "/api/workflows/", '{"name": "x"', "application/json", None),
    ("create: trailing garbage", "POST", "/api/workflows/", '{"name": "x"} xyz', "application/json", None),
    ("create: empty body", "POST", "/api/workflows/", "", "application/json", "/name"),
    ("create: form encoded", "POST", "/api/workflows/", "name=x", "application/x-www-form-urlencoded", None),
    ("create: plain text", "POST", "/api/workflows/", "hello", "text/plain", None),
    ("create: NUL in name", "POST", "/api/workflows/", '{"name": "a\\u0000"}', "application/json", None),
    ("create: lone surrogate", "POST", "/api/workflows/", '{"name": "\\udc00"}', "application/json", None),
    (
        "create: deep nesting",
        "POST",
        "/api/workflows/",
        '{"name": "x", "graph": ' + "{" * 1 + '"a":' * 0 + "[" * 3000 + "]" * 3000 + "}",
        "application/json",
        None,
    ),
    ("create: NaN", "POST", "/api/workflows/", '{"name": NaN}', "application/json", None),
    (
        "create: Infinity",
        "POST",
        "/api/workflows/",
        '{"name": "x", "graph": {"nodes": [], "edges": [], "vars": {"a": Infinity}}}',
        "application/json",
        None,
    ),
    ("create: huge int", "POST", "/api/workflows/", '{"name": "x", "message": 1' + "0" * 5000 + "}", "application/json", None),
    ("create: utf-16 body", "POST", "/api/workflows/", "{}".encode("utf-16"), "application/json", None),
    ("create: invalid utf-8", "POST", "/api/workflows/", b'{"name": "\xff\xfe"}', "application/json", None),
    ("patch: active not bool", "PATCH", WF, '{"active": "maybe"}', "application/json", "/active"),
    (
        "patch: base_version negative",
        "PATCH",
        WF,
        '{"base_version": -1, "graph": {"nodes": [], "edges": []}}',
        "application/json",
        "/base_version",
    ),
    ("patch: base_version string", "PATCH", WF, '{"base_version": "one"}', "application/json", "/base_version"),
    ("patch: base_version huge", "PATCH", WF, '{"base_version": 99999999999999999999}', "application/json", "/base_version"),
    ("patch: graph null", "PATCH", WF, '{"graph": null}', "application/json", "/graph"),
    ("patch: description list", "PATCH", WF, '{"description": ["x"]}', "application/json", "/description"),
    ("patch: message too long", "PATCH", WF, json.dumps({"message": "m" * 501}), "application/json", "/message"),
    ("put: no name", "PUT", WF, "{}", "application/json", "/name"),
    ("validate: graph number", "POST", WF + "validate/", '{"graph": 5}', "application/json", ""),
    ("validate: graph with nodes null", "POST", WF + "validate/", '{"graph": {"nodes": null, "edges": []}}', "application/json", "/nodes"),
    ("validate: body list", "POST", WF + "validate/", "[1]", "application/json", None),
    ("import: not an object", "POST", "/api/workflows/import/", "[]", "application/json", None),
    (
        "import: wrong format",
        "POST",
        "/api/workflows/import/",
        '{"format": "zapier", "graph": {"nodes": [], "edges": []}}',
        "application/json",
        None,
    ),
    (
        "import: future version",
        "POST",
        "/api/workflows/import/",
        '{"format_version": 99, "graph": {"nodes": [], "edges": []}}',
        "application/json",
        None,
    ),
    ("import: no graph", "POST", "/api/workflows/import/", '{"name": "x"}', "application/json", "/graph"),
    ("import: graph string", "POST", "/api/workflows/import/", '{"graph": "x"}', "application/json", ""),
    ("import: name number", "POST", "/api/workflows/import/", '{"name": 5, "graph": {"nodes": [], "edges": []}}', "application/json", None),
    (
        "import: multipart without file",
        "POST",
        "/api/workflows/import/",
        b"--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--\r\n",
        "multipart/form-data; boundary=b",
        None,
    ),
    ("import: multipart broken", "POST", "/api/workflows/import/", b"--b\r\ngarbage", "multipart/form-data; boundary=b", None),
    ("restore: version zero", "POST", WF + "versions/0/restore/", "", "application/json", None),
    ("version: unknown", "GET", WF + "versions/424242/", "", "application/json", None),
    ("list: bad active filter", "GET", "/api/workflows/?active=perhaps", "", "application/json", None),
    ("list: bad date filter", "GET", "/api/workflows/?updated_before=tuesday", "", "application/json", None),
    ("list: page zero", "GET", "/api/workflows/?page=0", "", "application/json", None),
    ("list: page text", "GET", "/api/workflows/?page=minus-one", "", "application/json", None),
    ("list: page negative", "GET", "/api/workflows/?page=-1", "", "application/json", None),
    ("list: page_size text", "GET", "/api/workflows/?page_size=lots", "", "application/json", "/page_size"),
    ("list: page_size zero", "GET", "/api/workflows/?page_size=0", "", "application/json", "/page_size"),
    ("list: page_size huge", "GET", "/api/workflows/?page_size=100000", "", "application/json", "/page_size"),
    ("list: bad ordering", "GET", "/api/workflows/?ordering=password", "", "application/json", None),
]


@pytest.mark.parametrize("label,method,path,body,content_type,field", BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_malformed_request_is_a_clear_4xx(api, target, label, method, path, body, content_type, field):
    response = api.generic(method, path.format(id=target.pk), body, content_type=content_type)
    if label == "list: bad ordering":  # unknown ordering fields are ignored, as DRF documents
        assert response.status_code == 200
        return
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    payload = response.json()
    assert isinstance(payload["detail"], str) and payload["detail"]
    if field is not None:
        assert field in {p["field"] or "" for p in payload["problems"]} or any(
            (p["field"] or "").startswith(field) for p in payload["problems"]
        ), payload


# ---- generated ----------------------------------------------------------------------

# Text the database can store (no NUL, no lone surrogates: those are a 400 at parse time,
# tested above), so the generated cases reach the validator.
safe_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False) | safe_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(safe_text, children, max_size=4),
    max_leaves=12,
)
NODE_TYPES = sorted(cls.type for cls in registry.all_types())
node_ids = st.sampled_from(["a", "b", "c", "start", "x y", "", "1"]) | st.text(max_size=6)
random_nodes = st.fixed_dictionaries(
    {"id": node_ids, "type": st.sampled_from(NODE_TYPES) | st.text(max_size=8)},
    optional={
        "config": st.dictionaries(st.text(max_size=10), json_values, max_size=4) | json_values,
        "on_error": json_values,
        "retry": json_values,
    },
)
random_edges = st.fixed_dictionaries(
    {"id": st.text(max_size=4), "source": node_ids, "target": node_ids},
    optional={"source_port": st.sampled_from(["out", "true", "false", "error", "zzz"]) | json_values},
)
random_graphs = (
    st.fixed_dictionaries({"nodes": st.lists(random_nodes, max_size=6), "edges": st.lists(random_edges, max_size=6)}) | json_values
)

COUNTS = {"4xx": 0, "2xx": 0, "5xx": 0}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(graph=random_graphs)
def test_generated_graphs_never_5xx_and_problems_name_their_place(api, target, graph):
    response = api.post(f"/api/workflows/{target.pk}/validate/", {"graph": graph}, format="json")
    assert response.status_code < 500, response.content[:300]
    body = response.json()
    if response.status_code == 200:
        assert body == {"valid": True, "problems": []}
        return
    assert response.status_code in (400, 413, 422)
    for problem in body["problems"]:
        assert problem["message"]
        assert problem["node_id"] is not None or problem["edge_id"] is not None or problem["field"] is not None, problem


@st.composite
def broken_valid_graphs(draw):
    """The fixture graph with one node's config field replaced by something its schema refuses."""
    graph = valid_graph()
    index = draw(st.sampled_from([1, 2, 3, 4, 5]))
    node = graph["nodes"][index]
    choice = draw(st.sampled_from(["unknown_key", "wrong_type", "bad_expression"]))
    if choice == "unknown_key":
        node["config"][draw(st.sampled_from(["zz", "Foo", "extra_field"]))] = draw(json_values)
    elif choice == "wrong_type":
        key = {1: "url", 2: "expression", 3: "expression", 4: "message", 5: "subject"}[index]
        node["config"][key] = draw(st.integers() | st.booleans() | st.lists(st.integers(), max_size=2) | st.none())
    else:
        key = {1: "url", 2: "expression", 3: "expression", 4: "message", 5: "body"}[index]
        junk = draw(st.sampled_from(["(", "[1,", "a.(", "$f(", "{'a':", "1 +", "a ~>"]))
        node["config"][key] = junk if key == "expression" else "{{ " + junk + " }}"
    return copy.deepcopy(graph), node["id"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=broken_valid_graphs())
def test_generated_breakage_is_422_naming_the_node(api, target, case):
    graph, node_id = case
    response = api.post(f"/api/workflows/{target.pk}/validate/", {"graph": graph}, format="json")
    assert response.status_code == 422, response.content[:300]
    assert node_id in {p["node_id"] for p in response.json()["problems"]}
