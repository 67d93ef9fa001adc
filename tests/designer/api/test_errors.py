"""Errors are JSON with a detail, never HTML or a traceback, whatever the client sends."""

import json

import pytest


def _is_json_error(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and isinstance(body["problems"], list)
    return body


def test_malformed_json(api):
    response = api.generic("POST", "/api/workflows/", "{not json", content_type="application/json")
    assert "JSON parse error" in _is_json_error(response, 400)["detail"]


def test_wrong_content_type(api):
    response = api.generic("POST", "/api/workflows/", "name=x", content_type="application/x-www-form-urlencoded")
    _is_json_error(response, 415)
    response = api.generic("POST", "/api/workflows/", "<xml/>", content_type="text/xml")
    _is_json_error(response, 415)


def test_oversized_body(api, settings):
    settings.STEPWISE_MAX_BODY_BYTES = 2048
    big = json.dumps({"name": "x", "description": "y" * 5000})
    body = _is_json_error(api.generic("POST", "/api/workflows/", big, content_type="application/json"), 413)
    assert "limit is 2048" in body["detail"]


def test_oversized_graph_is_413_with_the_problem(api, settings):
    settings.STEPWISE_MAX_NODES = 2
    from tests.factories import valid_graph

    body = _is_json_error(api.post("/api/workflows/", {"name": "big", "graph": valid_graph()}, format="json"), 413)
    assert body["problems"][0]["code"] == "too_many_nodes"


@pytest.mark.parametrize(
    "payload,fragment",
    [
        ('{"name": "a\\u0000b"}', "NUL"),
        ('{"name": "\\ud800"}', "Unicode"),
        ('{"name": "x", "graph": ' + "[" * 150 + "]" * 150 + "}", "nested"),
        ('{"name": "x", "graph": ' + "[" * 5000 + "]" * 5000 + "}", "nested"),
        ("[1, 2", "JSON parse error"),
        ('{"name": NaN}', "JSON parse error"),
        ('{"name": 1' + "0" * 5000 + "}", "JSON parse error"),
    ],
)
def test_bodies_the_database_cannot_take_are_400(api, payload, fragment):
    body = _is_json_error(api.generic("POST", "/api/workflows/", payload, content_type="application/json"), 400)
    assert fragment in body["detail"]


def test_field_errors_become_problems_with_pointers(api):
    body = _is_json_error(api.post("/api/workflows/", {"name": "", "description": 5, "message": ["x"]}, format="json"), 400)
    fields = {p["field"] for p in body["problems"]}
    assert {"/name", "/message"} <= fields


def test_unknown_api_url_is_json_404(api):
    body = _is_json_error(api.get("/api/nothing-here/"), 404)
    assert body["detail"] == "Not found."


def test_non_numeric_and_huge_ids_are_404(api):
    _is_json_error(api.get("/api/workflows/abc/"), 404)
    _is_json_error(api.get("/api/workflows/99999999999999999999/"), 404)
    _is_json_error(api.get("/api/workflows/9223372036854775807/versions/"), 404)
    _is_json_error(api.get("/api/workflows/1/versions/99999999999999999999/"), 404)


def test_method_not_allowed_is_json(api, workflow):
    _is_json_error(api.delete("/api/node-types/"), 405)


def test_bad_page_is_json(api):
    _is_json_error(api.get("/api/workflows/?page=999"), 404)
    _is_json_error(api.get("/api/workflows/?created_after=yesterday"), 400)
