"""The workflow list as the library shows it: tags, the newest run and the run count (in
one statement), search and tag filters; version messages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from designer.models import WorkflowVersion
from engine.store.models import Run
from tests.factories import make_workflow, valid_graph


def _run(workflow, status: str, *, started: bool = True) -> Run:
    version = WorkflowVersion.objects.filter(workflow=workflow).order_by("-number").first()
    return Run.objects.create(
        owner=workflow.owner,
        workflow=workflow,
        version=version,
        graph_hash=version.graph_hash,
        status=status,
        started_at=timezone.now() if started else None,
    )


def _by_name(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {w["name"]: w for w in response.json()["results"]}


def test_list_has_the_newest_run_and_the_count(api, user):
    busy = make_workflow(user, "Busy")
    quiet = make_workflow(user, "Quiet")
    _run(busy, "succeeded")
    _run(busy, "failed")
    newest = _run(busy, "queued", started=False)
    listed = _by_name(api.get("/api/workflows/"))
    assert listed["Busy"]["run_count"] == 3
    assert listed["Busy"]["last_run"]["id"] == newest.pk
    assert listed["Busy"]["last_run"]["status"] == "queued"
    assert listed["Busy"]["last_run"]["started_at"] is None
    assert listed["Quiet"]["run_count"] == 0 and listed["Quiet"]["last_run"] is None
    _run(quiet, "running")
    listed = _by_name(api.get("/api/workflows/"))
    assert listed["Quiet"]["last_run"]["status"] == "running" and listed["Quiet"]["last_run"]["started_at"]
    assert listed["Busy"]["run_count"] == 3  # the other workflow's run is not counted here
    detail = api.get(f"/api/workflows/{busy.pk}/").json()
    assert detail["run_count"] == 3 and detail["last_run"]["id"] == newest.pk


def test_the_list_is_one_statement_whatever_the_number_of_workflows(api, user):
    def statements() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/workflows/").status_code == 200
        return len(ctx.captured_queries)

    first = make_workflow(user, "One")
    _run(first, "succeeded")
    few = statements()
    for i in range(6):
        wf = make_workflow(user, f"More {i}")
        _run(wf, "failed")
        _run(wf, "succeeded")
    many = statements()
    assert many == few
    with CaptureQueriesContext(connection) as ctx:
        api.get("/api/workflows/")
    listing = [
        q["sql"] for q in ctx.captured_queries if 'FROM "designer_workflow"' in q["sql"] and not q["sql"].startswith("SELECT COUNT(*)")
    ]
    assert len(listing) == 1, listing  # the rows, their last run and counts: one SELECT


def test_another_users_workflows_and_runs_never_appear(api, other_user, user):
    mine = make_workflow(user, "Mine")
    theirs = make_workflow(other_user, "Theirs")
    _run(theirs, "failed")
    listed = _by_name(api.get("/api/workflows/"))
    assert list(listed) == ["Mine"] and listed["Mine"]["run_count"] == 0
    assert _by_name(api.get("/api/workflows/?search=Theirs")) == {}
    assert api.get(f"/api/workflows/{theirs.pk}/").status_code == 404
    assert api.patch(f"/api/workflows/{theirs.pk}/", {"tags": ["x"]}, format="json").status_code == 404
    assert mine.pk != theirs.pk


def test_search_narrows_by_name(api, user):
    make_workflow(user, "Invoice sync")
    make_workflow(user, "Nightly report")
    assert list(_by_name(api.get("/api/workflows/?search=invoice"))) == ["Invoice sync"]
    assert _by_name(api.get("/api/workflows/?search=nothing-like-it")) == {}


def test_tags_are_saved_normalized_and_filter_the_list(api, user):
    billing = make_workflow(user, "Billing")
    ops = make_workflow(user, "Ops")
    saved = api.patch(f"/api/workflows/{billing.pk}/", {"tags": ["Finance", " month  end ", "finance"]}, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["tags"] == ["finance", "month end"]
    api.patch(f"/api/workflows/{ops.pk}/", {"tags": ["ops", "finance-ops"]}, format="json")
    assert list(_by_name(api.get("/api/workflows/?tag=finance"))) == ["Billing"]  # not finance-ops
    assert list(_by_name(api.get("/api/workflows/?tag=Month%20End"))) == ["Billing"]
    assert list(_by_name(api.get("/api/workflows/?tag=ops"))) == ["Ops"]
    assert _by_name(api.get('/api/workflows/?tag="finance"')) == {}
    assert api.get(f"/api/workflows/{billing.pk}/versions/").json()["count"] == 1  # tags make no version
    created = api.post("/api/workflows/", {"name": "Tagged", "tags": ["new"]}, format="json")
    assert created.status_code == 201 and created.json()["tags"] == ["new"]


@pytest.mark.parametrize(
    "tags",
    [['has"quote'], [""], ["x" * 33], "not-a-list", [1], [f"t{i}" for i in range(11)]],
)
def test_bad_tags_are_a_400_naming_the_field(api, workflow, tags):
    response = api.patch(f"/api/workflows/{workflow.pk}/", {"tags": tags}, format="json")
    assert response.status_code == 400, response.content
    assert "tags" in response.content.decode()
    assert response.json()


def test_a_version_message_is_saved_and_listed(api, workflow):
    graph = valid_graph()
    graph["nodes"][0]["name"] = "Renamed"
    saved = api.patch(f"/api/workflows/{workflow.pk}/", {"graph": graph, "message": "Rename the trigger"}, format="json")
    assert saved.status_code == 200
    listed = api.get(f"/api/workflows/{workflow.pk}/versions/").json()["results"]
    assert listed[0]["message"] == "Rename the trigger"
    too_long = api.patch(f"/api/workflows/{workflow.pk}/", {"graph": valid_graph(), "message": "x" * 501}, format="json")
    assert too_long.status_code == 400 and "message" in too_long.content.decode()
