import io
import json

from tests.factories import valid_graph


def test_export_is_a_downloadable_json_document(api, workflow):
    response = api.get(f"/api/workflows/{workflow.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="flow.stepwise.json"'
    assert response.json() == {
        "format": "stepwise.workflow",
        "format_version": 1,
        "name": "Flow",
        "description": "",
        "version": 1,
        "graph": valid_graph(),
    }


def test_import_json_body(api, workflow):
    exported = api.get(f"/api/workflows/{workflow.pk}/export/").json()
    response = api.post("/api/workflows/import/", exported, format="json")
    assert response.status_code == 201
    assert response.json()["graph"] == valid_graph() and response.json()["id"] != workflow.pk


def test_import_takes_json_not_multipart(api, workflow):
    exported = api.get(f"/api/workflows/{workflow.pk}/export/").json()
    upload = io.BytesIO(json.dumps(exported).encode())
    upload.name = "flow.stepwise.json"
    response = api.post("/api/workflows/import/", {"file": upload}, format="multipart")
    assert response.status_code == 415 and response.json()["detail"].startswith("Unsupported media type")


def test_import_rejects_foreign_documents(api):
    for body, fragment in [
        ({"format": "n8n", "graph": valid_graph()}, "Unknown format"),
        ({"format_version": 9, "graph": valid_graph()}, "Unsupported format_version"),
        ({"name": "no graph"}, "graph"),
        ({"graph": "nodes!"}, "graph"),
    ]:
        response = api.post("/api/workflows/import/", body, format="json")
        assert response.status_code == 400, body
        assert fragment in json.dumps(response.json())
