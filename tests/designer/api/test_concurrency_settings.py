"""A workflow's concurrency limit and policy through the workflow resource: read, set,
cleared, validated (a bad value is a 400 naming its field), and never a new version."""

import pytest

from designer.models import Workflow
from tests.factories import valid_graph


def test_the_settings_are_read_set_and_cleared_without_a_new_version(api, workflow):
    body = api.get(f"/api/workflows/{workflow.pk}/").json()
    assert (body["concurrency_limit"], body["concurrency_policy"]) == (None, "queue")
    response = api.patch(f"/api/workflows/{workflow.pk}/", {"concurrency_limit": 2, "concurrency_policy": "cancel_new"}, format="json")
    assert response.status_code == 200, response.json()
    saved = response.json()
    assert (saved["concurrency_limit"], saved["concurrency_policy"], saved["latest_version"]) == (2, "cancel_new", body["latest_version"])
    assert api.get("/api/workflows/").json()["results"][0]["concurrency_limit"] == 2
    # Saving the graph alone keeps them; null removes the limit.
    assert api.patch(f"/api/workflows/{workflow.pk}/", {"graph": valid_graph()}, format="json").json()["concurrency_limit"] == 2
    cleared = api.patch(f"/api/workflows/{workflow.pk}/", {"concurrency_limit": None}, format="json").json()
    assert (cleared["concurrency_limit"], cleared["concurrency_policy"]) == (None, "cancel_new")
    workflow.refresh_from_db()
    assert workflow.concurrency_limit is None


def test_create_with_settings_and_duplicate_keeps_them(api):
    created = api.post(
        "/api/workflows/",
        {"name": "Limited", "graph": valid_graph(), "concurrency_limit": 3, "concurrency_policy": "fail_new"},
        format="json",
    ).json()
    assert (created["concurrency_limit"], created["concurrency_policy"]) == (3, "fail_new")
    copy = api.post(f"/api/workflows/{created['id']}/duplicate/").json()
    assert (copy["concurrency_limit"], copy["concurrency_policy"]) == (3, "fail_new")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"concurrency_limit": 0}, "/concurrency_limit"),
        ({"concurrency_limit": -1}, "/concurrency_limit"),
        ({"concurrency_limit": "two"}, "/concurrency_limit"),
        ({"concurrency_limit": 1.5}, "/concurrency_limit"),
        ({"concurrency_limit": 10**9}, "/concurrency_limit"),
        ({"concurrency_policy": "drop"}, "/concurrency_policy"),
        ({"concurrency_policy": None}, "/concurrency_policy"),
        ({"concurrency_limit": 2, "concurrency_policy": ""}, "/concurrency_policy"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_field(api, workflow, body, field):
    response = api.patch(f"/api/workflows/{workflow.pk}/", body, format="json")
    assert response.status_code == 400, response.json()
    assert [p["field"] for p in response.json()["problems"]] == [field]
    workflow.refresh_from_db()
    assert (workflow.concurrency_limit, workflow.concurrency_policy) == (None, "queue")
    created = api.post("/api/workflows/", {"name": "x", **body}, format="json")
    assert created.status_code == 400 and [p["field"] for p in created.json()["problems"]] == [field]
    assert Workflow.objects.count() == 1
