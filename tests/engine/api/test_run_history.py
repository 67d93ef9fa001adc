"""A run's history as the API tells it: a retry from failure or a fix keeps the run's first
start and is listed as a resume (who, when, how); a rerun from a step marks the steps it
reused with the run they came from."""

from django.utils.dateparse import parse_datetime

from engine.store.models import Run
from tests.engine.api.test_runs import _client, _fetch_then_shape, _start, _workflow
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, node


def _flaky(client, ledger):
    return _workflow(
        client,
        [
            node("start", "trigger.manual"),
            node("first", "http.request", {"method": "POST", "url": "{{ vars.base }}/ok"}),
            node("charge", "http.request", {"method": "POST", "url": "{{ vars.base }}/flaky/1"}),
        ],
        [edge("e1", "start", "first"), edge("e2", "first", "charge")],
        vars={"base": ledger.base},
    )


def test_a_retry_from_failure_keeps_the_first_start_and_records_the_resume(embedded, ledger):
    user = make_user()
    client = _client(user)
    run = wait_for(_start(client, _flaky(client, ledger)))
    assert run.status == "failed"
    first_start = run.started_at
    assert client.get(f"/api/runs/{run.pk}/").json()["resumes"] == []
    assert client.post(f"/api/runs/{run.pk}/retry/").status_code == 200
    run = wait_for(run)
    assert run.status == "succeeded" and run.started_at == first_start
    detail = client.get(f"/api/runs/{run.pk}/").json()
    assert parse_datetime(detail["started_at"]) == first_start
    assert detail["duration_ms"] == int((run.finished_at - first_start).total_seconds() * 1000)
    [resume] = detail["resumes"]
    assert resume["how"] == "retry" and resume["by"] == user.get_username()
    assert first_start < parse_datetime(resume["at"]) < run.finished_at


def test_a_fix_and_resume_is_listed_as_a_resume_and_keeps_the_start(embedded, ledger):
    user = make_user()
    client = _client(user)
    run = wait_for(_start(client, _flaky(client, ledger)))
    first_start = run.started_at
    fixed = client.post(f"/api/runs/{run.pk}/steps/charge/fix/", {"output": {"paid": True}, "comment": "by hand"}, format="json")
    assert fixed.status_code == 200, fixed.json()
    run = wait_for(run)
    assert run.status == "succeeded" and run.started_at == first_start
    [resume] = client.get(f"/api/runs/{run.pk}/").json()["resumes"]
    assert resume["how"] == "fix" and resume["by"] == user.get_username() and resume["node_id"] == "charge"


def test_a_rerun_from_a_step_marks_the_steps_it_reused(embedded, ledger):
    client = _client(make_user())
    wf = _fetch_then_shape(client, ledger)
    run = wait_for(_start(client, wf, {"x": 1}))
    partial = client.post(f"/api/runs/{run.pk}/rerun/", {"from_node": "shape"}, format="json").json()
    wait_for(Run.objects.get(pk=partial["id"]))
    steps = {s["node_id"]: s for s in client.get(f"/api/runs/{partial['id']}/").json()["steps"]}
    assert steps["fetch"]["reused_from_run"] == run.pk
    assert steps["shape"]["reused_from_run"] is None and steps["start"]["reused_from_run"] is None
    original = {s["node_id"]: s for s in client.get(f"/api/runs/{run.pk}/").json()["steps"]}
    assert all(s["reused_from_run"] is None for s in original.values())
