from designer.validation import Limits
from tests.designer.validation.helpers import base, problems_of
from tests.factories import edge, node


def _with(config_node, *, port="out"):
    graph = base()
    graph["nodes"].append(config_node)
    graph["edges"].append(edge("e_new", "greet", config_node["id"], port))
    return graph


def test_unknown_type():
    found = problems_of(_with(node("mystery", "quantum.entangle")))
    assert {
        "code": "unknown_type",
        "message": "Unknown node type 'quantum.entangle'.",
        "node_id": "mystery",
        "edge_id": None,
        "field": "/type",
    } in found


def test_config_schema_errors_point_at_the_field():
    graph = base()
    graph["nodes"][1]["config"] = {"method": "FETCH", "timeout_s": -1, "surprise": True}
    found = [p for p in problems_of(graph) if p["node_id"] == "fetch"]
    fields = {p["field"]: p["message"] for p in found}
    assert fields["/config/url"] == "URL is required."
    assert fields["/config/method"].startswith("Method: 'FETCH' is not one of")
    assert fields["/config/timeout_s"].startswith("Timeout (s):")
    assert fields["/config/surprise"] == "Unknown field 'surprise'."


def test_whole_expression_stands_for_any_type():
    graph = base()
    graph["nodes"][1]["config"]["timeout_s"] = "{{ trigger.timeout }}"
    assert problems_of(graph) == []


def test_literal_fields_refuse_expressions():
    graph = _with(node("j", "join", {"mode": "{{ 'all' }}"}))
    found = [p for p in problems_of(graph) if p["node_id"] == "j"]
    assert {
        "code": "expression_not_allowed",
        "message": "This field takes a fixed value, not an expression.",
        "node_id": "j",
        "edge_id": None,
        "field": "/config/mode",
    } in found


def test_jsonata_syntax_errors_in_templates_and_expression_fields():
    graph = base()
    graph["nodes"][1]["config"]["url"] = "https://x/{{ trigger.( }}"
    graph["nodes"][2]["config"]["expression"] = "steps.fetch.output.status = "
    found = {(p["node_id"], p["field"]): p for p in problems_of(graph) if p["code"] == "invalid_expression"}
    assert set(found) == {("fetch", "/config/url"), ("is_ok", "/config/expression")}
    assert "trigger.(" in found[("fetch", "/config/url")]["message"]
    assert found[("is_ok", "/config/expression")]["message"].startswith("JSONata error: ")


def test_expressions_nested_in_free_form_values_are_checked():
    graph = base()
    graph["nodes"][1]["config"]["json"] = {"items": [{"name": "{{ $uppercase( }}"}]}
    found = [p for p in problems_of(graph) if p["code"] == "invalid_expression"]
    assert [p["field"] for p in found] == ["/config/json/items/0/name"]


def test_unclosed_template():
    graph = base()
    graph["nodes"][4]["config"]["message"] = "User {{ trigger.user_id"
    assert [p["message"] for p in problems_of(graph)] == ["A `{{` has no closing `}}`."]


def test_expression_length_limit():
    graph = base()
    graph["nodes"][3]["config"]["expression"] = "1 + " * 20 + "1"
    found = problems_of(graph, limits=Limits(max_expression_chars=50))
    assert [(p["node_id"], p["message"]) for p in found] == [("greet", "Expression is 81 characters long; the limit is 50.")]


def test_switch_expressions_and_duplicate_ports():
    graph = _with(node("route", "switch", {"cases": [{"port": "a", "expression": "x >"}, {"port": "a", "expression": "y"}]}))
    found = {p["field"]: p["message"] for p in problems_of(graph) if p["node_id"] == "route"}
    assert found["/config/cases/0/expression"].startswith("JSONata error")
    assert found["/config/cases/1/port"] == "Port 'a' is used by two cases."


def test_schedule_checks_cron_and_timezone():
    graph = base()
    graph["nodes"].append(node("tick", "trigger.schedule", {"cron": "61 * * * *", "timezone": "Mars/Olympus"}))
    graph["edges"].append(edge("e_tick", "tick", "fetch"))
    fields = {p["field"] for p in problems_of(graph) if p["node_id"] == "tick"}
    assert fields == {"/config/cron", "/config/timezone"}


def test_manual_trigger_input_schema_must_be_json_schema():
    graph = base()
    graph["nodes"][0]["config"] = {"input_schema": {"type": "banana"}}
    assert [p["field"] for p in problems_of(graph)] == ["/config/input_schema"]


def test_workflow_references_are_checked_against_what_the_owner_has():
    graph = _with(node("child", "workflow.call", {"workflow_id": 41}))
    graph = _with(node("each", "map", {"workflow_id": 42, "items": "{{ trigger.items }}"})) | {
        "nodes": graph["nodes"] + [node("each", "map", {"workflow_id": 42, "items": "{{ trigger.items }}"})],
        "edges": graph["edges"] + [edge("e_each", "greet", "each")],
    }
    found = [p for p in problems_of(graph, owned_workflow_ids=lambda ids: {41} & set(ids)) if p["code"] == "unknown_workflow"]
    assert found == [
        {
            "code": "unknown_workflow",
            "message": "Workflow 42 was not found.",
            "node_id": "each",
            "edge_id": None,
            "field": "/config/workflow_id",
        }
    ]


def _input_schema_problems(schema):
    graph = base()
    graph["nodes"][0]["config"] = {"input_schema": schema}
    return [p for p in problems_of(graph) if p["node_id"] == "start"]


def test_an_input_schema_pattern_the_linear_engine_cannot_run_names_the_field():
    # Backreferences and lookaround need backtracking: RE2 (linear time) has neither. The
    # field is the input schema (the editor shows it whole); the message says where in it.
    found = _input_schema_problems({"type": "object", "properties": {"code": {"type": "string", "pattern": "^(a)\\1$"}}})
    assert [(p["code"], p["field"]) for p in found] == [("invalid_config", "/config/input_schema")]
    assert found[0]["message"].startswith("Input schema is not valid JSON Schema at /properties/code/pattern: '^(a)\\\\1$' is not")
    assert "RE2" in found[0]["message"] and "backreferences" in found[0]["message"]
    found = _input_schema_problems({"type": "object", "patternProperties": {"^(?=x)": {"type": "integer"}}})
    assert [p["field"] for p in found] == ["/config/input_schema"]
    assert "at /patternProperties: '^(?=x)' is not a regular expression RE2 can run" in found[0]["message"]


def test_an_input_schema_pattern_is_read_as_re2_not_python():
    # \p{L} (any letter) is ECMA 262 and RE2; Python's re refuses it.
    assert _input_schema_problems({"type": "object", "properties": {"name": {"type": "string", "pattern": "^\\p{L}+$"}}}) == []


def test_an_input_schema_reference_that_leads_nowhere_names_the_field():
    found = _input_schema_problems({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}})
    assert [p["field"] for p in found] == ["/config/input_schema"]
    assert found[0]["message"].startswith("Input schema is not valid JSON Schema at /properties/a/$ref: '#/$defs/missing' leads nowhere")
    # Never fetched: a user's schema must not make the server call an address.
    remote = _input_schema_problems({"$ref": "https://example.com/schema.json"})
    assert [p["message"] for p in remote] == [
        "Input schema is not valid JSON Schema at /$ref: 'https://example.com/schema.json' leads nowhere "
        "(references are resolved within the schema, never fetched)"
    ]
    assert _input_schema_problems({"$defs": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/n"}}}) == []
    assert _input_schema_problems({"$ref": "https://json-schema.org/draft/2020-12/schema"}) == []
