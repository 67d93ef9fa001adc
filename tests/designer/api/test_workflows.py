import pytest

from tests.factories import make_workflow, valid_graph


def test_create_list_retrieve(api):
    created = api.post("/api/workflows/", {"name": "Onboarding", "graph": valid_graph()}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["latest_version"] == 1 and body["problems"] == [] and body["graph"] == valid_graph()
    listed = api.get("/api/workflows/").json()
    assert listed["count"] == 1 and listed["results"][0]["name"] == "Onboarding"
    assert "graph" not in listed["results"][0]
    assert api.get(f"/api/workflows/{body['id']}/").json()["graph"] == valid_graph()


def test_saving_an_invalid_draft_lists_problems(api, workflow):
    graph = valid_graph()
    graph["nodes"][2]["config"]["expression"] = "steps.fetch.output.status ="
    response = api.patch(f"/api/workflows/{workflow.pk}/", {"graph": graph, "message": "wip"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["latest_version"] == 2
    assert [(p["node_id"], p["field"], p["code"]) for p in body["problems"]] == [("is_ok", "/config/expression", "invalid_expression")]


def test_activation_of_invalid_workflow_is_refused(api, user):
    workflow = make_workflow(user, graph={"nodes": [{"id": "lonely", "type": "noop", "config": {}}], "edges": []})
    response = api.post(f"/api/workflows/{workflow.pk}/activate/")
    assert response.status_code == 422
    assert response.json()["problems"][0]["code"] == "no_trigger"
    assert api.patch(f"/api/workflows/{workflow.pk}/", {"graph": valid_graph()}, format="json").status_code == 200
    ok = api.post(f"/api/workflows/{workflow.pk}/activate/")
    assert ok.status_code == 200 and ok.json()["active"] is True and ok.json()["active_version"] == 2


def test_active_is_not_written_by_a_save_and_the_error_says_where(api, workflow):
    response = api.patch(f"/api/workflows/{workflow.pk}/", {"active": True, "name": "Renamed"}, format="json")
    assert response.status_code == 400
    problem = response.json()["problems"][0]
    assert problem["field"] == "/active" and "/activate/" in problem["message"]
    workflow.refresh_from_db()
    assert workflow.active is False and workflow.name != "Renamed"


def test_validate_endpoint(api, workflow):
    assert api.post(f"/api/workflows/{workflow.pk}/validate/", {}, format="json").json() == {"valid": True, "problems": [], "warnings": []}
    graph = valid_graph()
    graph["edges"].append({"id": "e_x", "source": "greet", "target": "ghost"})
    response = api.post(f"/api/workflows/{workflow.pk}/validate/", {"graph": graph}, format="json")
    assert response.status_code == 422
    assert response.json()["problems"][0]["edge_id"] == "e_x"


def test_version_conflict_is_409(api, workflow):
    graph = valid_graph()
    graph["nodes"][0]["name"] = "Begin"
    assert api.patch(f"/api/workflows/{workflow.pk}/", {"graph": graph, "base_version": 1}, format="json").status_code == 200
    graph["nodes"][0]["name"] = "Again"
    response = api.patch(f"/api/workflows/{workflow.pk}/", {"graph": graph, "base_version": 1}, format="json")
    assert response.status_code == 409 and "version 2" in response.json()["detail"]


def test_put_replaces_and_requires_nothing_extra(api, workflow):
    response = api.put(f"/api/workflows/{workflow.pk}/", {"name": "Renamed", "description": "d"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Renamed"


def test_delete(api, workflow):
    assert api.delete(f"/api/workflows/{workflow.pk}/").status_code == 204
    assert api.get(f"/api/workflows/{workflow.pk}/").status_code == 404


def test_duplicate(api, workflow):
    response = api.post(f"/api/workflows/{workflow.pk}/duplicate/")
    assert response.status_code == 201
    assert response.json()["name"] == "Copy of Flow" and response.json()["graph"] == workflow.graph


@pytest.mark.parametrize(
    "query,expected",
    [
        ("search=invoice", ["Invoice sync"]),
        ("name=sync", ["CRM sync", "Invoice sync"]),
        ("active=true", ["CRM sync"]),
        ("ordering=name", ["CRM sync", "Invoice sync", "Nightly report"]),
        ("ordering=-name&page_size=2", ["Nightly report", "Invoice sync"]),
    ],
)
def test_filtering_search_ordering_pagination(api, user, query, expected):
    make_workflow(user, name="Invoice sync")
    crm = make_workflow(user, name="CRM sync")
    crm.active = True
    crm.save()
    make_workflow(user, name="Nightly report")
    body = api.get(f"/api/workflows/?{query}").json()
    names = [w["name"] for w in body["results"]]
    assert names == expected if "ordering" in query else sorted(names) == expected


def test_pagination_has_next_links(api, user):
    for i in range(3):
        make_workflow(user, name=f"W{i}")
    page = api.get("/api/workflows/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert len(api.get(page["next"]).json()["results"]) == 1


def test_workflow_reference_to_someone_elses_workflow_is_reported_not_found(api, other_user):
    theirs = make_workflow(other_user, name="Theirs")
    graph = valid_graph()
    graph["nodes"].append({"id": "call", "type": "workflow.call", "config": {"workflow_id": theirs.pk}})
    graph["edges"].append({"id": "e_call", "source": "greet", "target": "call"})
    created = api.post("/api/workflows/", {"name": "Sneaky", "graph": graph}, format="json").json()
    missing = api.post(
        "/api/workflows/",
        {
            "name": "Typo",
            "graph": graph | {"nodes": [*graph["nodes"][:-1], {"id": "call", "type": "workflow.call", "config": {"workflow_id": 999999}}]},
        },
        format="json",
    ).json()
    ref = [p for p in created["problems"] if p["code"] == "unknown_workflow"]
    assert ref == [
        {
            "code": "unknown_workflow",
            "message": f"Workflow {theirs.pk} was not found.",
            "node_id": "call",
            "edge_id": None,
            "field": "/config/workflow_id",
        }
    ]
    # The same words as for an id that does not exist at all: nothing leaks.
    assert [p["message"].replace("999999", str(theirs.pk)) for p in missing["problems"] if p["code"] == "unknown_workflow"] == [
        ref[0]["message"]
    ]


def test_empty_filter_value_is_refused(api):
    response = api.get("/api/workflows/?updated_before=")
    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == "/updated_before"


@pytest.mark.parametrize(
    "value,status",
    [
        ("2324-09-19T13:59:49-19:18", 200),  # an offset PostgreSQL refuses: compared in UTC instead
        ("9999-12-31T23:59:59-23:00", 400),  # past the last representable UTC instant
        ("0001-01-01T00:00:00+23:00", 400),
        ("2026-01-01T00:00:00Z", 200),
    ],
)
def test_date_filters_take_any_offset(api, workflow, value, status):
    from urllib.parse import quote

    response = api.get(f"/api/workflows/?created_before={quote(value)}")
    assert response.status_code == status, response.content
