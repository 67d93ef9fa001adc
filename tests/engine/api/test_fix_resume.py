"""Fix a failed step and resume the same run (POST /api/runs/{id}/steps/{node}/fix/): a new
input the step then runs with (not rendered again from the graph), or the output of a step
whose effect happened (it counts as its success, nothing is called again); the run keeps
every finished output, and the step's history says who changed what."""

from audit.models import AuditEntry
from tests.engine.api.test_runs import _client, _start, _workflow
from tests.engine.harness import wait_for, wait_for_step
from tests.factories import edge, make_user, node


def _failed_at_charge(client, ledger):
    """first (ok) -> charge (answers 404: fails, not retried) -> done."""
    wf = _workflow(
        client,
        [
            node("start", "trigger.manual"),
            node("first", "http.request", {"method": "POST", "url": "{{ vars.base }}/ok"}),
            node("charge", "http.request", {"method": "POST", "url": "{{ vars.base }}/status/404"}),
            node("done", "transform", {"expression": "steps.charge.output.json.path"}),
        ],
        [edge("e1", "start", "first"), edge("e2", "first", "charge"), edge("e3", "charge", "done")],
        vars={"base": ledger.base},
    )
    run = wait_for(_start(client, wf))
    assert run.status == "failed" and run.error["node_id"] == "charge"
    return run


def _fix(client, run, node_id, body):
    return client.post(f"/api/runs/{run.pk}/steps/{node_id}/fix/", body, format="json")


def test_a_fixed_input_resumes_the_same_run_and_is_recorded(embedded, ledger):
    user = make_user()
    client = _client(user)
    run = _failed_at_charge(client, ledger)
    old_input = run.steps.get(node_id="charge").input
    first_output = run.steps.get(node_id="first").output
    new_input = {**old_input, "url": f"{ledger.base}/fixed"}
    response = _fix(client, run, "charge", {"input": new_input, "comment": "wrong path"})
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == run.pk  # the same run, not a new one
    run = wait_for(run)
    assert run.status == "succeeded" and run.error is None
    charge = run.steps.get(node_id="charge")
    assert charge.input == new_input and charge.attempt == 2
    assert run.steps.get(node_id="done").output == "/fixed"
    # Finished outputs are kept: `first` was not called again.
    assert [c["path"] for c in ledger.calls] == ["/ok", "/status/404", "/fixed"]
    assert run.steps.get(node_id="first").output == first_output
    [fix] = [entry for entry in charge.attempts if "fix" in entry]
    assert fix["fix"] == "input" and fix["by"] == user.username and fix["comment"] == "wrong path"
    assert fix["old"] == old_input and fix["new"] == new_input and fix["after_attempt"] == 1
    # The history in order: the failed attempt, the fix, the attempt that succeeded.
    assert [("fix" in e, e.get("error") is None) for e in charge.attempts] == [(False, False), (True, True), (False, True)]
    assert run.events.filter(node_id="charge", status="queued", data__fixed="input", data__by=user.username).exists()
    assert run.events.filter(kind="run", status="running", data__fixed="charge").exists()
    entry = AuditEntry.objects.get(action="step.retried")
    assert entry.details == {"node_id": "charge", "attempt": 1, "fixed": "input"}
    # Shown by the API as part of the step.
    step = {s["node_id"]: s for s in client.get(f"/api/runs/{run.pk}/").json()["steps"]}["charge"]
    assert any(a.get("fix") == "input" for a in step["attempts"])


def test_the_fixed_input_is_what_later_attempts_run_with(embedded, ledger):
    """Not rendered again from the graph: a fix that still fails, retried from failure,
    runs with the fixed input again."""
    client = _client(make_user())
    run = _failed_at_charge(client, ledger)
    still_wrong = {**run.steps.get(node_id="charge").input, "url": f"{ledger.base}/status/410"}
    assert _fix(client, run, "charge", {"input": still_wrong}).status_code == 200
    run = wait_for(run)
    assert run.status == "failed" and run.steps.get(node_id="charge").input == still_wrong
    assert client.post(f"/api/runs/{run.pk}/retry/").status_code == 200
    run = wait_for(run)
    assert [c["path"] for c in ledger.calls] == ["/ok", "/status/404", "/status/410", "/status/410"]


def test_an_entered_output_counts_as_the_steps_success_without_calling_it(embedded, ledger):
    user = make_user()
    client = _client(user)
    run = _failed_at_charge(client, ledger)
    response = _fix(client, run, "charge", {"output": {"json": {"path": "/by-hand"}}})
    assert response.status_code == 200, response.json()
    run = wait_for(run)
    assert run.status == "succeeded" and run.steps.get(node_id="done").output == "/by-hand"
    assert len(ledger.calls) == 2  # charge was not called again
    charge = run.steps.get(node_id="charge")
    assert charge.status == "succeeded" and charge.ports == ["out"] and charge.error is None
    [fix] = [entry for entry in charge.attempts if "fix" in entry]
    assert fix["fix"] == "output" and fix["old"] is None and fix["new"] == {"json": {"path": "/by-hand"}}
    assert AuditEntry.objects.get(action="step.marked_done").details == {"node_id": "charge", "attempt": 1, "fixed": "output"}


def test_a_failed_pure_step_runs_with_its_fixed_input(embedded):
    """A transform normally runs inline, evaluated from the graph's config: a fixed one
    runs with the person's expression."""
    client = _client(make_user())
    wf = _workflow(
        client,
        [node("start", "trigger.manual"), node("shape", "transform", {"expression": "$number(trigger.x)"})],
        [edge("e1", "start", "shape")],
    )
    run = wait_for(_start(client, wf, {"x": "not a number"}))
    assert run.status == "failed"
    assert _fix(client, run, "shape", {"input": {"expression": "41 + 1"}}).status_code == 200
    run = wait_for(run)
    assert run.status == "succeeded" and run.steps.get(node_id="shape").output == 42


def _interrupted_run(client):
    """A run whose at_most_once step's worker 'died' mid-call: its lease expired."""
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
    StepRun.objects.filter(run=run, node_id="charge").update(status="running", lease_expires_at=timezone.now() - timedelta(seconds=1))
    tick()
    wait_for_step(run, "charge", "interrupted")
    return run


def test_an_interrupted_at_most_once_step_takes_an_entered_output(embedded):
    client = _client(make_user())
    run = _interrupted_run(client)
    assert _fix(client, run, "charge", {"output": {"receipt": "R-7"}}).status_code == 200
    run = wait_for(run)
    assert run.status == "succeeded" and run.steps.get(node_id="after").output == "R-7"


def test_an_interrupted_step_runs_again_with_a_fixed_input(embedded):
    client = _client(make_user())
    run = _interrupted_run(client)
    assert _fix(client, run, "charge", {"input": {"mode": "duration", "duration_s": 0}}).status_code == 200
    run = wait_for(run)
    assert run.status == "succeeded" and run.steps.get(node_id="charge").input == {"mode": "duration", "duration_s": 0}


def test_another_users_run_is_a_404(embedded, ledger):
    owner = _client(make_user())
    run = _failed_at_charge(owner, ledger)
    stranger = _client(make_user())
    response = _fix(stranger, run, "charge", {"output": {"x": 1}})
    assert response.status_code == 404 and "detail" in response.json()
    assert _fix(stranger, run, "charge", {"input": {"method": "GET", "url": "https://x"}}).status_code == 404
    assert client_for_missing_run(stranger).status_code == 404
    run.refresh_from_db()
    assert run.status == "failed" and run.steps.get(node_id="charge").status == "failed"
    assert not AuditEntry.objects.filter(action__in=["step.retried", "step.marked_done"]).exists()


def client_for_missing_run(client):
    return client.post("/api/runs/999999/steps/charge/fix/", {"output": 1}, format="json")


def test_a_finished_step_cannot_be_edited(embedded, ledger):
    client = _client(make_user())
    run = _failed_at_charge(client, ledger)
    finished = _fix(client, run, "first", {"input": {"method": "GET", "url": "https://example.com"}})
    assert finished.status_code == 409, finished.json()
    assert "succeeded" in finished.json()["detail"]
    assert _fix(client, run, "start", {"output": {}}).status_code == 409  # the trigger, finished too
    assert _fix(client, run, "done", {"output": 1}).status_code == 409  # never reached: no step
    assert _fix(client, run, "ghost", {"output": 1}).status_code == 409
    # Once fixed and succeeded, the step is finished as well.
    assert _fix(client, run, "charge", {"output": {"json": {"path": "/x"}}}).status_code == 200
    wait_for(run)
    again = _fix(client, run, "charge", {"output": {"json": {"path": "/y"}}})
    assert again.status_code == 409 and "succeeded" in again.json()["detail"]


def test_bad_fixes_are_refused_naming_the_field(embedded, ledger):
    client = _client(make_user())
    run = _failed_at_charge(client, ledger)
    bad_url = _fix(client, run, "charge", {"input": {"method": "POST", "url": "ftp://bad.example"}})
    assert bad_url.status_code == 422 and [p["field"] for p in bad_url.json()["problems"]] == ["/input/url"]
    unknown_credential = _fix(client, run, "charge", {"input": {"method": "POST", "url": "https://x.example", "credential": 987654}})
    assert unknown_credential.status_code == 422
    assert [(p["code"], p["field"]) for p in unknown_credential.json()["problems"]] == [("unknown_credential", "/input/credential")]
    # The input is used as given, never rendered: an expression in it would reach the call as text.
    templated = _fix(client, run, "charge", {"input": {"method": "POST", "url": "{{ vars.base }}/fixed"}})
    assert templated.status_code == 422
    assert [(p["code"], p["field"]) for p in templated.json()["problems"]] == [("template_in_input", "/input/url")]
    both = _fix(client, run, "charge", {"input": {"method": "GET", "url": "https://x"}, "output": 1})
    assert both.status_code == 400 and both.json()["problems"][0]["field"] == "/input"
    neither = _fix(client, run, "charge", {"comment": "?"})
    assert neither.status_code == 400 and neither.json()["problems"][0]["field"] == "/input"
    not_object = _fix(client, run, "charge", {"input": [1, 2]})
    assert not_object.status_code == 400 and not_object.json()["problems"][0]["field"] == "/input"
    bad_port = _fix(client, run, "charge", {"output": 1, "port": "sideways"})
    assert bad_port.status_code == 422 and bad_port.json()["problems"][0]["field"] == "/port"
    run.refresh_from_db()
    assert run.status == "failed" and len(ledger.calls) == 2


def test_a_condition_given_its_output_takes_the_port_named(embedded):
    client = _client(make_user())
    wf = _workflow(
        client,
        [
            node("start", "trigger.manual"),
            node("check", "condition", {"expression": "$number(trigger.x) > 1"}),
            node("yes", "transform", {"expression": "'yes'"}),
            node("no", "transform", {"expression": "'no'"}),
        ],
        [edge("e1", "start", "check"), edge("e2", "check", "yes", "true"), edge("e3", "check", "no", "false")],
    )
    run = wait_for(_start(client, wf, {"x": "nope"}))
    assert run.status == "failed"
    missing = _fix(client, run, "check", {"output": True})
    assert missing.status_code == 422 and missing.json()["problems"][0]["field"] == "/port"
    assert _fix(client, run, "check", {"output": False, "port": "false"}).status_code == 200
    run = wait_for(run)
    assert run.status == "succeeded" and run.steps.get(node_id="no").output == "no"
    assert run.steps.get(node_id="yes").status == "skipped"
