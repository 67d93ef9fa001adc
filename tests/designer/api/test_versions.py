from tests.factories import valid_graph


def test_versions_list_detail_restore(api, workflow):
    graph = valid_graph()
    graph["nodes"][3]["config"]["expression"] = "'v2'"
    api.patch(f"/api/workflows/{workflow.pk}/", {"graph": graph, "message": "second"}, format="json")
    listed = api.get(f"/api/workflows/{workflow.pk}/versions/").json()
    assert [(v["number"], v["message"]) for v in listed["results"]] == [(2, "second"), (1, "Created")]
    assert listed["results"][0]["author"]["username"] == "alice"
    v1 = api.get(f"/api/workflows/{workflow.pk}/versions/1/").json()
    assert v1["graph"] == valid_graph()
    restored = api.post(f"/api/workflows/{workflow.pk}/versions/1/restore/")
    assert restored.status_code == 200
    assert restored.json()["graph"] == valid_graph() and restored.json()["latest_version"] == 3


def test_unknown_version_is_404(api, workflow):
    assert api.get(f"/api/workflows/{workflow.pk}/versions/99/").status_code == 404
    assert api.post(f"/api/workflows/{workflow.pk}/versions/99/restore/").status_code == 404
