"""The run list over a long history: a count that stops at the cap (count_capped), pages past
the cap still served, ties in the order broken by id; the workflow list's run count capped
the same way (run_count_capped). The cap is made small here; 1,000 in production."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.api.plumbing import CappedCountPagination
from engine.store.models import Run
from tests.factories import make_workflow


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(CappedCountPagination, "count_cap", 3)
    monkeypatch.setattr("designer.selectors.RUN_COUNT_CAP", 3)


def _runs(workflow, n, *, at=None, status="succeeded"):
    version = workflow.versions.get()
    runs = [Run.objects.create(owner=workflow.owner, workflow=workflow, version=version, graph_hash="x", status=status) for _ in range(n)]
    if at is not None:
        Run.objects.filter(pk__in=[r.pk for r in runs]).update(created_at=at, finished_at=at)
    return runs


def test_the_count_stops_at_the_cap_and_says_so(api, user, small_cap):
    workflow = make_workflow(user)
    _runs(workflow, 2)
    page = api.get("/api/runs/?page_size=2").json()
    assert (page["count"], page["count_capped"], page["next"]) == (2, False, None)
    _runs(workflow, 6)
    page = api.get("/api/runs/?page_size=2").json()
    assert (page["count"], page["count_capped"]) == (3, True)  # more than 3
    assert page["next"] is not None and len(page["results"]) == 2
    # A page past the cap is counted to itself, and served.
    page = api.get("/api/runs/?page_size=2&page=3").json()
    assert len(page["results"]) == 2 and page["count_capped"] is True and page["next"] is not None
    last = api.get("/api/runs/?page_size=2&page=4").json()
    assert (last["count"], last["count_capped"], last["next"], len(last["results"])) == (8, False, None, 2)
    # Filters count the same way.
    assert api.get("/api/runs/?status=failed").json()["count"] == 0


def test_a_page_beyond_the_last_or_not_a_number_is_a_404_in_json(api, user, small_cap):
    _runs(make_workflow(user), 2)
    for page in ("5", "0", "x"):
        response = api.get(f"/api/runs/?page_size=2&page={page}")
        assert response.status_code == 404, page
        assert response.json()["detail"] == "Invalid page."


def test_runs_created_at_the_same_instant_page_without_overlap_in_any_order(api, user):
    at = timezone.now() - timedelta(days=1)
    ids = {r.pk for r in _runs(make_workflow(user), 7, at=at)}
    for ordering in ("", "&ordering=created_at", "&ordering=-finished_at"):
        seen = []
        for number in range(1, 5):
            seen += [r["id"] for r in api.get(f"/api/runs/?page_size=2&page={number}{ordering}").json()["results"]]
        assert sorted(seen) == sorted(ids), ordering
        descending = ordering != "&ordering=created_at"
        assert seen == sorted(ids, reverse=descending), ordering


def test_the_workflow_list_counts_runs_up_to_the_cap(api, user, small_cap):
    few, many = make_workflow(user, "Few"), make_workflow(user, "Many")
    _runs(few, 3)
    _runs(many, 5)
    listed = {w["name"]: w for w in api.get("/api/workflows/").json()["results"]}
    assert (listed["Few"]["run_count"], listed["Few"]["run_count_capped"]) == (3, False)
    assert (listed["Many"]["run_count"], listed["Many"]["run_count_capped"]) == (3, True)
    assert listed["Many"]["last_run"]["id"] == Run.objects.filter(workflow=many).order_by("-created_at", "-id")[0].pk
