"""The runs API in the embedded mode: start, inspect, events, and every control."""

from rest_framework.test import APIClient

from engine.store.models import Run
from tests.engine.harness import wait_for, wait_for_step
from tests.factories import edge, make_token, make_user, node


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def _workflow(client, nodes, edges, **graph_extra):
    response = client.post("/api/workflows/", {"name": "wf", "graph": {"nodes": nodes, "edges": edges, **graph_extra}}, format="json")
    assert response.status_code == 201 and response.json()["problems"] == [], response.json()
    return response.json()["id"]


def _start(client, workflow_id, payload=None):
    response = client.post(f"/api/workflows/{workflow_id}/runs/", {"input": payload or {}}, format="json")
    assert response.status_code == 201, response.json()
    return Run.objects.get(pk=response.json()["id"])


def test_start_inspect_and_events(embedded):
    client = _client(make_user())
    wf = _workflow(
        client,
        [node("start", "trigger.manual"), node("hello", "transform", {"expression": "'hi ' & trigger.name"})],
        [edge("e1", "start", "hello")],
    )
    run = wait_for(_start(client, wf, {"name": "Ada"}))
    detail = client.get(f"/api/runs/{run.pk}/").json()
    assert detail["status"] == "succeeded" and detail["trigger"] == "manual" and detail["version"] == 1
    steps = {s["node_id"]: s for s in detail["steps"]}
    assert steps["hello"]["output"] == "hi Ada" and steps["hello"]["idempotency_key"] == f"{run.pk}:hello:0"
    assert steps["hello"]["duration_ms"] is not None and steps["hello"]["attempts"][0]["error"] is None
    events = client.get(f"/api/runs/{run.pk}/events/").json()
    assert [e["seq"] for e in events] == list(range(1, detail["last_seq"] + 1))
    tail = client.get(f"/api/runs/{run.pk}/events/?after={detail['last_seq'] - 2}").json()
    assert [e["seq"] for e in tail] == [detail["last_seq"] - 1, detail["last_seq"]]
    assert tail[-1]["kind"] == "run" and tail[-1]["status"] == "succeeded"
    assert client.get(f"/api/runs/{run.pk}/events/?after=-1").status_code == 400
    listed = client.get(f"/api/runs/?workflow={wf}&status=succeeded").json()
    assert [r["id"] for r in listed["results"]] == [run.pk]
    assert client.get("/api/runs/?status=failed").json()["count"] == 0
    assert client.get("/api/runs/?status=exploded").status_code == 400


def test_token_started_runs_are_api_triggered(embedded):
    user = make_user()
    wf = _workflow(_client(user), [node("start", "trigger.manual"), node("n", "noop")], [edge("e1", "start", "n")])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    response = client.post(f"/api/workflows/{wf}/runs/", {}, format="json")
    assert response.status_code == 201 and response.json()["trigger"] == "api"


def test_invalid_workflow_or_input_is_refused_with_problems(embedded):
    client = _client(make_user())
    bad = client.post("/api/workflows/", {"name": "bad", "graph": {"nodes": [node("n", "noop")], "edges": []}}, format="json").json()
    response = client.post(f"/api/workflows/{bad['id']}/runs/", {}, format="json")
    assert response.status_code == 422 and response.json()["problems"][0]["code"] == "no_trigger"
    schema = {"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}
    wf = _workflow(client, [node("start", "trigger.manual", {"input_schema": schema}), node("n", "noop")], [edge("e1", "start", "n")])
    response = client.post(f"/api/workflows/{wf}/runs/", {"input": {"email": 5}}, format="json")
    assert response.status_code == 422
    assert response.json()["problems"][0] == {
        "code": "invalid_input",
        "message": "5 is not of type 'string'",
        "node_id": "start",
        "edge_id": None,
        "field": "/email",
    }
    assert Run.objects.count() == 0


def _approval_flow(client, **config):
    return _workflow(
        client,
        [
            node("start", "trigger.manual"),
            node("review", "approval", {"message": "Refund {{ trigger.amount }}?", **config}),
            node("pay", "transform", {"expression": "'paid ' & $string(steps.review.output.payload.amount)"}),
            node("deny", "transform", {"expression": "'denied: ' & steps.review.output.comment"}),
        ],
        [edge("e1", "start", "review"), edge("e2", "review", "pay", "approved"), edge("e3", "review", "deny", "rejected")],
    )


def test_approval_approve_and_reject(embedded):
    client = _client(make_user())
    wf = _approval_flow(client)
    run = _start(client, wf, {"amount": 30})
    wait_for_step(run, "review", "waiting")
    assert client.get(f"/api/runs/{run.pk}/").json()["steps"][1]["input"] == {"message": "Refund 30?"}
    response = client.post(f"/api/runs/{run.pk}/steps/review/approve/", {"comment": "ok", "payload": {"amount": 30}}, format="json")
    assert response.status_code == 200
    run = wait_for(run)
    assert (
        run.status == "succeeded" and run.steps.get(node_id="pay").output == "paid 30" and run.steps.get(node_id="deny").status == "skipped"
    )
    again = client.post(f"/api/runs/{run.pk}/steps/review/approve/", {}, format="json")
    assert again.status_code == 409 and "not waiting" in again.json()["detail"]
    second = _start(client, wf, {"amount": 99})
    wait_for_step(second, "review", "waiting")
    client.post(f"/api/runs/{second.pk}/steps/review/reject/", {"comment": "too much"}, format="json")
    second = wait_for(second)
    assert second.steps.get(node_id="deny").output == "denied: too much" and second.steps.get(node_id="pay").status == "skipped"
    assert client.post(f"/api/runs/{second.pk}/steps/pay/approve/", {}, format="json").status_code == 409


def test_approval_timeout_rejects(embedded):
    client = _client(make_user())
    run = wait_for(_start(client, _approval_flow(client, timeout_s=0.3, on_timeout="reject"), {"amount": 1}))
    assert run.status == "succeeded" and run.steps.get(node_id="review").ports == ["rejected"]


def test_cancel_stops_a_waiting_run(embedded):
    client = _client(make_user())
    wf = _workflow(
        client,
        [node("start", "trigger.manual"), node("pause", "wait", {"mode": "duration", "duration_s": 60}), node("after", "noop")],
        [edge("e1", "start", "pause"), edge("e2", "pause", "after")],
    )
    run = _start(client, wf)
    wait_for_step(run, "pause", "waiting")
    response = client.post(f"/api/runs/{run.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert run.steps.get(node_id="pause").status == "cancelled" and not run.steps.filter(node_id="after").exists()
    assert client.post(f"/api/runs/{run.pk}/cancel/").status_code == 409


def test_retry_from_failure_keeps_finished_outputs(embedded, ledger):
    client = _client(make_user())
    wf = _workflow(
        client,
        [
            node("start", "trigger.manual"),
            node("first", "http.request", {"method": "POST", "url": "{{ vars.base }}/ok"}),
            node("charge", "http.request", {"method": "POST", "url": "{{ vars.base }}/flaky/1"}),
            node("done", "transform", {"expression": "steps.charge.output.json.calls"}),
        ],
        [edge("e1", "start", "first"), edge("e2", "first", "charge"), edge("e3", "charge", "done")],
        vars={"base": ledger.base},
    )
    run = wait_for(_start(client, wf))
    assert run.status == "failed" and run.error["node_id"] == "charge"
    first_output = run.steps.get(node_id="first").output
    assert client.post(f"/api/runs/{run.pk}/retry/").status_code == 200
    run = wait_for(run)
    assert run.status == "succeeded" and run.steps.get(node_id="done").output == 2
    assert run.steps.get(node_id="first").output == first_output
    assert [c["key"] for c in ledger.calls].count(f"{run.pk}:first:0") == 1  # the finished step did not run again
    assert client.post(f"/api/runs/{run.pk}/retry/").status_code == 409


def _fetch_then_shape(client, ledger):
    """start -> fetch (a GET of the ledger's server) -> shape (trigger.x + 1): a workflow to
    rerun, whole or from `shape`."""
    return _workflow(
        client,
        [
            node("start", "trigger.manual"),
            node("fetch", "http.request", {"method": "GET", "url": "{{ vars.base }}/ok"}),
            node("shape", "transform", {"expression": "trigger.x + 1"}),
        ],
        [edge("e1", "start", "fetch"), edge("e2", "fetch", "shape")],
        vars={"base": ledger.base},
    )


def test_rerun_and_rerun_from_a_step(embedded, ledger):
    client = _client(make_user())
    wf = _fetch_then_shape(client, ledger)
    run = wait_for(_start(client, wf, {"x": 1}))
    rerun = client.post(f"/api/runs/{run.pk}/rerun/", {}, format="json")
    assert rerun.status_code == 201 and rerun.json()["rerun_of"] == run.pk and rerun.json()["trigger"] == "rerun"
    wait_for(Run.objects.get(pk=rerun.json()["id"]))
    assert len(ledger.calls) == 2
    partial = client.post(f"/api/runs/{run.pk}/rerun/", {"from_node": "shape"}, format="json").json()
    partial_run = wait_for(Run.objects.get(pk=partial["id"]))
    assert partial_run.status == "succeeded" and partial_run.steps.get(node_id="shape").output == 2
    assert partial_run.steps.get(node_id="fetch").output == run.steps.get(node_id="fetch").output
    assert len(ledger.calls) == 2  # fetch was reused, not called again
    assert partial_run.events.filter(node_id="fetch", data__reused_from_run=run.pk).exists()
    assert client.post(f"/api/runs/{run.pk}/rerun/", {"from_node": "ghost"}, format="json").status_code == 409


def test_step_timeout_is_enforced(embedded, ledger):
    client = _client(make_user())
    wf = _workflow(
        client,
        [
            node("start", "trigger.manual"),
            {**node("slow", "http.request", {"method": "GET", "url": "{{ vars.base }}/sleep/3"}), "timeout_s": 0.5},
        ],
        [edge("e1", "start", "slow")],
        vars={"base": ledger.base},
    )
    run = wait_for(_start(client, wf), timeout=10)
    step = run.steps.get(node_id="slow")
    assert run.status == "failed" and step.error["code"] == "timeout"
    assert (step.finished_at - step.started_at).total_seconds() < 2.5


def test_output_over_the_limit_fails_the_step_clearly(embedded, settings):
    settings.STEPWISE_MAX_OUTPUT_BYTES = 2000
    client = _client(make_user())
    wf = _workflow(
        client,
        [node("start", "trigger.manual"), node("big", "transform", {"expression": "$pad('', 5000, 'x')"})],
        [edge("e1", "start", "big")],
    )
    run = wait_for(_start(client, wf))
    step = run.steps.get(node_id="big")
    assert run.status == "failed" and step.error["code"] == "output_too_large"
    assert "the limit is 2000" in step.error["message"] and step.input == {"expression": "$pad('', 5000, 'x')"}


def test_child_runs_are_listed_under_their_parent(embedded):
    client = _client(make_user())
    sub = _workflow(
        client, [node("start", "trigger.manual"), node("sq", "transform", {"expression": "trigger * trigger"})], [edge("e1", "start", "sq")]
    )
    wf = _workflow(
        client,
        [node("start", "trigger.manual"), node("each", "map", {"workflow_id": sub, "items": [3, 1, 2], "max_concurrency": 2})],
        [edge("e1", "start", "each")],
    )
    run = wait_for(_start(client, wf))
    assert run.status == "succeeded"
    children = client.get(f"/api/runs/?parent={run.pk}&ordering=created_at").json()["results"]
    assert sorted((c["item_index"], c["status"], c["parent_run"], c["parent_node"], c["depth"]) for c in children) == [
        (0, "succeeded", run.pk, "each", 1),
        (1, "succeeded", run.pk, "each", 1),
        (2, "succeeded", run.pk, "each", 1),
    ]
    assert [r["id"] for r in client.get(f"/api/runs/?top_level=true&workflow={wf}").json()["results"]] == [run.pk]
    assert client.get("/api/runs/?top_level=true").json()["count"] == 1
    assert client.get("/api/runs/?top_level=maybe").status_code == 400
    detail = client.get(f"/api/runs/{run.pk}/").json()
    assert detail["parent_run"] is None and detail["depth"] == 0
    assert {s["node_id"]: s["output"] for s in detail["steps"]}["each"] == [{"sq": 9}, {"sq": 1}, {"sq": 4}]


def _interrupted_run(client, user):
    """A run whose at_most_once HTTP step's worker 'died' mid-call: its lease expired."""
    from datetime import timedelta

    from django.utils import timezone

    from engine.clock import tick
    from engine.store.models import StepRun

    wf = _workflow(
        client,
        [
            node("start", "trigger.manual"),
            node("charge", "wait", {"mode": "duration", "duration_s": 30}, delivery="at_most_once"),
            node("after", "transform", {"expression": "steps.charge.output.receipt"}),
        ],
        [edge("e1", "start", "charge"), edge("e2", "charge", "after")],
    )
    run = _start(client, wf)
    wait_for_step(run, "charge", "waiting")
    # Put it back to running with an expired lease, as if its worker died mid-call.
    StepRun.objects.filter(run=run, node_id="charge").update(status="running", lease_expires_at=timezone.now() - timedelta(seconds=1))
    tick()  # or the embedded mode's own tick thread, whichever takes the row first (SKIP LOCKED)
    wait_for_step(run, "charge", "interrupted")
    return run


def test_an_interrupted_step_can_be_marked_done_with_its_output(embedded):
    user = make_user()
    client = _client(user)
    run = _interrupted_run(client, user)
    assert client.post(f"/api/runs/{run.pk}/steps/after/mark-done/", {}, format="json").status_code == 409
    response = client.post(f"/api/runs/{run.pk}/steps/charge/mark-done/", {"output": {"receipt": "R-1"}}, format="json")
    assert response.status_code == 200, response.json()
    run = wait_for(run)
    assert run.status == "succeeded" and run.steps.get(node_id="after").output == "R-1"
    assert run.events.filter(node_id="charge", status="succeeded").get().data["marked_done"]["by"] == user.username
    again = client.post(f"/api/runs/{run.pk}/steps/charge/mark-done/", {}, format="json")
    assert again.status_code == 409 and "not interrupted" in again.json()["detail"]


def test_an_interrupted_step_can_be_retried_as_a_new_attempt(embedded):
    user = make_user()
    client = _client(user)
    run = _interrupted_run(client, user)
    assert client.post(f"/api/runs/{run.pk}/steps/charge/retry/").status_code == 200
    wait_for_step(run, "charge", "waiting")
    step = run.steps.get(node_id="charge")
    assert step.attempt == 2


def test_id_filters_refuse_values_outside_the_id_range(embedded):
    """Found by schemathesis: ?parent=-6.2e66 reached the database (500)."""
    client = _client(make_user())
    for query in ("parent=-6.2650162161787076e%2B66", "parent=1.5", "workflow=99999999999999", "workflow=0", "parent=abc"):
        response = client.get(f"/api/runs/?{query}")
        assert response.status_code == 400, (query, response.status_code)
        assert response.json()["problems"] or response.json()["detail"]
    assert client.get("/api/runs/?parent=1").status_code == 200


def test_find_a_run_by_id_and_know_when_its_workflow_has_changed(embedded):
    user = make_user()
    client = _client(user)
    wf = _workflow(client, [node("start", "trigger.manual"), node("n", "noop")], [edge("e1", "start", "n")])
    run = wait_for(_start(client, wf))
    other = wait_for(_start(client, wf))
    assert [r["id"] for r in client.get(f"/api/runs/?id={run.pk}").json()["results"]] == [run.pk]
    assert client.get(f"/api/runs/{run.pk}/").json()["workflow_changed"] is False
    graph = {"nodes": [node("start", "trigger.manual"), node("m", "noop")], "edges": [edge("e1", "start", "m")]}
    assert client.patch(f"/api/workflows/{wf}/", {"graph": graph}, format="json").status_code == 200
    assert client.get(f"/api/runs/{run.pk}/").json()["workflow_changed"] is True
    assert other.pk != run.pk
