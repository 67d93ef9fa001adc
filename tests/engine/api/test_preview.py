"""POST /api/workflows/{id}/preview/: an expression evaluated as a run evaluates it, over
the data a node saw in a run, over pinned data, or over the draft's vars alone."""

import pytest
from rest_framework.test import APIClient

from designer import services
from engine.orchestration.runs import run_start
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, make_workflow, node

GRAPH = {
    "nodes": [
        node("start", "trigger.manual"),
        node("total", "transform", {"expression": "$sum(trigger.items.price)"}),
        node("greet", "transform", {"expression": "'Hello ' & trigger.name & ', you owe ' & $string(steps.total.output) & vars.currency"}),
    ],
    "edges": [edge("e1", "start", "total"), edge("e2", "total", "greet")],
    "vars": {"currency": "EUR", "rate": 2},
}


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def _preview(client, workflow_id, **body):
    response = client.post(f"/api/workflows/{workflow_id}/preview/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def _fields(response):
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "problems"} and body["detail"]
    return [p["field"] for p in body["problems"]]


@pytest.fixture
def flow(user):
    return make_workflow(user, graph=GRAPH)


def test_a_value_over_the_drafts_vars(api, flow):
    assert _preview(api, flow.pk, expression="vars.rate * 21", node_id="greet") == {"value": 42}
    assert _preview(api, flow.pk, expression="{'c': vars.currency, 't': trigger, 's': steps}", node_id="total") == {
        "value": {"c": "EUR", "t": {}, "s": {}}
    }
    # JSONata's undefined (no run: no run.id) is null, as a run stores it.
    assert _preview(api, flow.pk, expression="run.id", node_id="greet") == {"value": None}


def test_the_vars_are_the_saved_drafts(api, user, flow):
    services.workflow_update(workflow=flow, actor=user, graph={**GRAPH, "vars": {"currency": "CHF"}})
    assert _preview(api, flow.pk, expression="vars.currency", node_id="greet") == {"value": "CHF"}


def test_a_syntax_error_is_a_200_with_the_error(api, flow):
    body = _preview(api, flow.pk, expression="1 +", node_id="greet")
    assert set(body) == {"error"} and set(body["error"]) == {"message", "position", "code"}
    assert body["error"]["message"] == "Unexpected end of expression"
    # Where the parse stopped (the end of "1 +"), with JSONata's code.
    assert body["error"]["position"] == 3 and body["error"]["code"] == "S0207"
    empty = _preview(api, flow.pk, expression="   ", node_id="greet")
    assert empty["error"]["message"] == "Empty expression"


def test_the_errors_position_and_code_are_jsonatas(api, flow):
    body = _preview(api, flow.pk, expression="a.b.[", node_id="greet")
    assert body == {"error": {"message": "Expected ] before end of expression", "position": 5, "code": "S0203"}}


def test_a_hostile_expression_previews_as_its_limit_not_a_hang(api, flow):
    body = _preview(api, flow.pk, expression="$sum([1..10000000])", node_id="greet")
    assert body == {"error": {"message": "took longer than 1000 ms", "position": None, "code": "timeout"}}


def test_a_runtime_error_is_a_200_with_the_error(api, flow):
    assert _preview(api, flow.pk, expression="$error('card declined')", node_id="greet")["error"]["message"] == "card declined"
    body = _preview(api, flow.pk, expression="1 + 'a'", node_id="greet")
    assert body["error"]["message"] == "The right side of the + operator must evaluate to a number"


def test_over_a_run_the_node_sees_that_runs_data(embedded):
    user = make_user()
    client = _client(user)
    workflow = make_workflow(user, graph=GRAPH)
    run = wait_for(run_start(workflow=workflow, user=user, payload={"name": "Ada", "items": [{"price": 2}, {"price": 3}]}))
    assert run.status == "succeeded"
    greet = run.steps.get(node_id="greet")
    source = GRAPH["nodes"][2]["config"]["expression"]
    assert _preview(client, workflow.pk, expression=source, node_id="greet", run_id=run.pk) == {"value": greet.output}
    assert greet.output == "Hello Ada, you owe 5EUR"
    source = "[trigger.name, steps.total.output, steps.total.status, vars.rate]"
    assert _preview(client, workflow.pk, expression=source, node_id="greet", run_id=run.pk) == {"value": ["Ada", 5, "succeeded", 2]}
    body = _preview(client, workflow.pk, expression="run", node_id="greet", run_id=run.pk)
    assert body == {"value": {"id": run.pk, "started_at": run.started_at.isoformat(), "trigger": "manual", "attempt": 1}}
    body = _preview(client, workflow.pk, expression="$sort($keys(steps))", node_id="start", run_id=run.pk)
    assert body == {"value": ["greet", "start", "total"]}
    # The vars are those of the run's version, not of the draft saved since.
    services.workflow_update(workflow=workflow, actor=user, graph={**GRAPH, "vars": {"currency": "CHF", "rate": 2}})
    assert _preview(client, workflow.pk, expression="vars.currency", node_id="greet", run_id=run.pk) == {"value": "EUR"}
    assert _preview(client, workflow.pk, expression="vars.currency", node_id="greet") == {"value": "CHF"}


def test_a_node_of_the_runs_version_only_and_a_compensation(embedded):
    """A node renamed in the draft since is still the run's; a compensation sees the step
    it undid."""
    user = make_user()
    client = _client(user)
    graph = {
        "nodes": [
            node("start", "trigger.manual"),
            node("book", "transform", {"expression": "'hotel for ' & trigger.trip"}, compensation="unbook"),
            node("pay", "transform", {"expression": "$error('card declined')"}),
            node("unbook", "transform", {"expression": "'cancelled ' & compensating.output"}),
        ],
        "edges": [edge("e1", "start", "book"), edge("e2", "book", "pay")],
    }
    workflow = make_workflow(user, graph=graph)
    run = wait_for(run_start(workflow=workflow, user=user, payload={"trip": "T-9"}))
    assert run.status == "compensated"
    unbook = run.steps.get(node_id="unbook")
    assert unbook.compensates == "book" and unbook.output == "cancelled hotel for T-9"
    body = _preview(client, workflow.pk, expression="'cancelled ' & compensating.output", node_id="unbook", run_id=run.pk)
    assert body == {"value": unbook.output}
    assert _preview(client, workflow.pk, expression="compensating.node_id", node_id="unbook", run_id=run.pk) == {"value": "book"}
    assert _preview(client, workflow.pk, expression="compensating", node_id="book", run_id=run.pk) == {"value": None}
    renamed = {**graph, "nodes": [n if n["id"] != "pay" else {**n, "id": "charge"} for n in graph["nodes"]]}
    renamed["edges"] = [edge("e1", "start", "book"), edge("e2", "book", "charge")]
    services.workflow_update(workflow=workflow, actor=user, graph=renamed)
    assert _preview(client, workflow.pk, expression="steps.pay.status", node_id="pay", run_id=run.pk) == {"value": "failed"}
    assert _preview(client, workflow.pk, expression="steps.pay.status", node_id="charge", run_id=run.pk) == {"value": "failed"}
    response = client.post(f"/api/workflows/{workflow.pk}/preview/", {"expression": "1", "node_id": "pay"}, format="json")
    assert response.status_code == 400 and _fields(response) == ["/node_id"]
    assert response.json()["problems"][0]["code"] == "unknown_node" and "'pay'" in response.json()["problems"][0]["message"]


def test_run_attempt_is_the_nodes_steps(embedded, ledger):
    user = make_user()
    client = _client(user)
    retry = {"max_attempts": 3, "backoff": "fixed", "initial_s": 0.05, "max_s": 0.05, "jitter": False}
    graph = {
        "nodes": [
            node("start", "trigger.manual"),
            node("charge", "http.request", {"method": "POST", "url": f"{ledger.base}/flaky/2"}, retry=retry),
            node("after", "transform", {"expression": "run.attempt"}),
        ],
        "edges": [edge("e1", "start", "charge"), edge("e2", "charge", "after")],
    }
    run = wait_for(run_start(workflow=make_workflow(user, graph=graph), user=user, payload={}))
    assert run.status == "succeeded" and run.steps.get(node_id="charge").attempt == 3
    assert _preview(client, run.workflow_id, expression="run.attempt", node_id="charge", run_id=run.pk) == {"value": 3}
    after = run.steps.get(node_id="after")
    assert _preview(client, run.workflow_id, expression="run.attempt", node_id="after", run_id=run.pk) == {"value": after.output}


def test_over_pinned_data(api, flow):
    data = {"trigger": {"name": "Bo"}, "steps": {"total": {"output": 7, "status": "succeeded"}}}
    source = GRAPH["nodes"][2]["config"]["expression"]
    # The names left out are as with no run: here the draft's vars.
    assert _preview(api, flow.pk, expression=source, node_id="greet", data=data) == {"value": "Hello Bo, you owe 7EUR"}
    pinned = {"vars": {"currency": "USD"}, "run": {"id": 9}, "item": {"n": 2}, "index": 1.0, "trigger": None}
    body = _preview(api, flow.pk, expression="[vars.currency, run.id, item.n, index, steps]", node_id="greet", data=pinned)
    assert body == {"value": ["USD", 9, 2, 1, {}]}
    assert _preview(api, flow.pk, expression="trigger", node_id="greet", data={}) == {"value": {}}
    assert _preview(api, flow.pk, expression="vars.rate", node_id="greet", data=None) == {"value": 2}


@pytest.mark.parametrize(
    "body,field",
    [
        ({"node_id": "greet"}, "/expression"),
        ({"expression": None, "node_id": "greet"}, "/expression"),
        ({"expression": ["1"], "node_id": "greet"}, "/expression"),
        ({"expression": 5, "node_id": "greet"}, "/expression"),
        ({"expression": "x" * 10_001, "node_id": "greet"}, "/expression"),
        ({"expression": "1"}, "/node_id"),
        ({"expression": "1", "node_id": 5}, "/node_id"),
        ({"expression": "1", "node_id": "nobody"}, "/node_id"),
        ({"expression": "1", "node_id": "n" * 65}, "/node_id"),
        ({"expression": "1", "node_id": "greet", "run_id": "first"}, "/run_id"),
        ({"expression": "1", "node_id": "greet", "run_id": 0}, "/run_id"),
        ({"expression": "1", "node_id": "greet", "run_id": "1"}, "/run_id"),
        ({"expression": "1", "node_id": "greet", "run_id": True}, "/run_id"),
        ({"expression": "1", "node_id": "greet", "run_id": 1.5}, "/run_id"),
        ({"expression": "1", "node_id": "greet", "run_id": 2**64}, "/run_id"),
        ({"expression": "1", "node_id": "greet", "run_id": 1, "data": {}}, "/data"),
        ({"expression": "1", "node_id": "greet", "data": [1]}, "/data"),
        ({"expression": "1", "node_id": "greet", "data": {"trigger": {}, "stpes": {}}}, "/data/stpes"),
        ({"expression": "1", "node_id": "greet", "data": {"steps": []}}, "/data/steps"),
        ({"expression": "1", "node_id": "greet", "data": {"steps": {"total": 5}}}, "/data/steps/total"),
        ({"expression": "1", "node_id": "greet", "data": {"vars": "EUR"}}, "/data/vars"),
        ({"expression": "1", "node_id": "greet", "data": {"index": -1}}, "/data/index"),
        ({"expression": "1", "node_id": "greet", "data": {"index": "1"}}, "/data/index"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, flow, body, field):
    response = api.post(f"/api/workflows/{flow.pk}/preview/", body, format="json")
    assert response.status_code == 400, response.json()
    assert _fields(response) == [field]
    assert response.json()["problems"][0]["message"]


def test_a_body_that_is_not_an_object_is_a_400(api, flow):
    response = api.generic("POST", f"/api/workflows/{flow.pk}/preview/", "[1, 2]", content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]


def test_another_users_workflow_is_a_404(flow, other_api):
    theirs = other_api.post(f"/api/workflows/{flow.pk}/preview/", {"expression": "1", "node_id": "greet"}, format="json")
    missing = other_api.post("/api/workflows/987654/preview/", {"expression": "1", "node_id": "greet"}, format="json")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == {"detail": "Workflow not found.", "problems": []}


def test_another_users_run_or_another_workflows_run_is_a_404(embedded):
    alice, mallory = make_user(), make_user()
    victim = make_workflow(alice, graph=GRAPH)
    victim_run = wait_for(run_start(workflow=victim, user=alice, payload={"name": "Ada", "items": []}))
    mine = make_workflow(mallory, graph=GRAPH)
    my_other = make_workflow(mallory, name="Other", graph=GRAPH)
    my_run = wait_for(run_start(workflow=my_other, user=mallory, payload={"name": "Mo", "items": []}))
    client = _client(mallory)
    body = {"expression": "trigger.name", "node_id": "greet"}
    for run_id in (victim_run.pk, my_run.pk, 987654):
        response = client.post(f"/api/workflows/{mine.pk}/preview/", {**body, "run_id": run_id}, format="json")
        assert response.status_code == 404, (run_id, response.json())
        assert response.json() == {"detail": "Run not found.", "problems": []}
    assert _preview(client, my_other.pk, **body, run_id=my_run.pk) == {"value": "Mo"}


def test_login_is_required(anon, flow):
    response = anon.post(f"/api/workflows/{flow.pk}/preview/", {"expression": "1", "node_id": "greet"}, format="json")
    assert response.status_code in (401, 403) and response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "problems"}
