"""A JSON number too large for a float (1e400) parses to infinity in Python, which no
database JSON or response can hold: refused as a 400 naming it, on a public hook (no login)
and across the API (one parser), never a 500 at the INSERT or the render."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from engine.store.models import Run
from tests.engine.triggers.conftest import make_hook, post
from tests.factories import edge, make_user, node


@pytest.mark.parametrize("number", ["1e400", "-1e400", "123456789e999"])
def test_a_public_hook_refuses_a_number_out_of_range_with_a_400(db, number):
    _, endpoint = make_hook({"public": True})
    response = post(endpoint, f'{{"big": {number}}}'.encode())
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == f"The body is not valid JSON: the number {number} is out of range (non-finite numbers are refused)."
    assert Run.objects.count() == 0


def test_a_public_hook_still_refuses_nan_and_infinity_literals(db):
    _, endpoint = make_hook({"public": True})
    for literal in ("NaN", "Infinity", "-Infinity"):
        response = post(endpoint, f'{{"x": {literal}}}'.encode())
        assert response.status_code == 400 and literal in response.json()["detail"], response.content
    assert post(endpoint, b'{"x": 1e308, "y": -2.5e-400}').status_code == 202  # large and tiny, both finite


def _signed_in():
    client = APIClient()
    client.force_login(make_user())
    return client


def test_the_runs_api_refuses_a_number_out_of_range_with_a_400(embedded):
    client = _signed_in()
    graph = {"nodes": [node("start", "trigger.manual"), node("n", "noop")], "edges": [edge("e1", "start", "n")]}
    wf = client.post("/api/workflows/", {"name": "wf", "graph": graph}, format="json").json()["id"]
    response = client.generic("POST", f"/api/workflows/{wf}/runs/", b'{"input": {"big": 1e400}}', content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == "JSON parse error - the number 1e400 is out of range (non-finite numbers are refused)"
    assert Run.objects.count() == 0


def test_the_designer_api_refuses_it_too(db):
    client = _signed_in()
    body = b'{"name": "wf", "graph": {"nodes": [], "edges": [], "vars": {"big": 1e400}}}'
    response = client.generic("POST", "/api/workflows/", body, content_type="application/json")
    assert response.status_code == 400 and "1e400 is out of range" in response.json()["detail"], response.content
