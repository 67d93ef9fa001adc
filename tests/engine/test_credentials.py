"""HTTP steps with credentials, run by the engine against a real local server: each type
reaches the server as it should; the secret is in no step row, even when the server echoes
it back; an OAuth2 token is fetched once, shared, and fetched again when it expires; a
credential header is dropped on a redirect to another origin; validation refuses another
user's credential and one of the wrong type; exports name credentials, imports map them."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from credentials.models import Credential
from credentials.services import credential_create
from designer import services
from engine.orchestration.runs import run_start
from engine.store.models import RunEvent
from tests.credentials.servers import EchoServer
from tests.engine.test_inline import drain
from tests.factories import edge, make_user, make_workflow, node

TOKEN = "tok_live_5e6f7a8b9c"


@pytest.fixture
def echo(settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with EchoServer() as server:
        yield server


def _graph(url: str, credential_id: int | None, **config):
    http = {"method": "GET", "url": url, "fail_on_status": ["5xx"], **config}
    if credential_id is not None:
        http["credential"] = credential_id
    return {"nodes": [node("start", "trigger.manual"), node("call", "http.request", http)], "edges": [edge("e1", "start", "call")]}


def _run(user, graph, collecting):
    workflow = make_workflow(user, graph=graph)
    run = run_start(workflow=workflow, user=user, payload={})
    drain(collecting)
    run.refresh_from_db()
    return run


def _everything_stored(run) -> str:
    steps = [(s.input, s.output, s.error, s.attempts) for s in run.steps.all()]
    events = list(RunEvent.objects.filter(run=run).values_list("data", flat=True))
    return json.dumps([steps, events, run.output, run.error], default=str, ensure_ascii=False)


@pytest.mark.parametrize(
    ("kind", "data", "expect"),
    [
        ("http.bearer", {"token": TOKEN}, ("header", "Authorization", f"Bearer {TOKEN}")),
        ("http.header", {"name": "X-Api-Key", "value": TOKEN}, ("header", "X-Api-Key", TOKEN)),
        ("http.basic", {"username": "ada", "password": TOKEN}, ("header", "Authorization", "Basic YWRhOnRva19saXZlXzVlNmY3YThiOWM=")),
        ("http.query", {"name": "api_key", "value": TOKEN}, ("query", "api_key", TOKEN)),
    ],
)
def test_each_http_type_reaches_the_server_and_is_masked_in_what_is_stored(transactional_db, collecting, echo, kind, data, expect):
    user = make_user()
    credential = credential_create(owner=user, name="c", type=kind, data=data)
    run = _run(user, _graph(f"{echo.base}/echo", credential.pk), collecting)
    assert run.status == "succeeded", run.error
    where, name, value = expect
    seen = echo.requests[-1]
    assert (seen["headers"].get(name) if where == "header" else seen["query"].get(name, [None])[0]) == value
    stored = _everything_stored(run)
    assert TOKEN not in stored and value not in stored, stored  # the server echoed it: masked
    assert "••••••" in stored
    assert run.steps.get(node_id="call").input["credential"] == credential.pk


def test_a_failed_step_is_masked_too(transactional_db, collecting, echo):
    user = make_user()
    credential = credential_create(owner=user, name="c", type="http.query", data={"name": "api_key", "value": TOKEN})
    run = _run(user, _graph(f"{echo.base}/private", credential.pk, fail_on_status=["4xx", "5xx"]), collecting)
    step = run.steps.get(node_id="call")
    assert run.status == "failed" and step.error["code"] == "http_status"
    assert TOKEN not in _everything_stored(run)


def test_oauth2_token_is_fetched_once_shared_and_refreshed_when_it_expires(transactional_db, collecting, echo):
    user = make_user()
    credential = credential_create(
        owner=user,
        name="o",
        type="oauth2.client_credentials",
        data={"token_url": f"{echo.base}/token", "client_id": echo.client_id, "client_secret": echo.client_secret, "scope": "read"},
    )
    graph = _graph(f"{echo.base}/private", credential.pk, fail_on_status=["4xx", "5xx"])
    first = _run(user, graph, collecting)
    second = _run(user, graph, collecting)
    assert first.status == second.status == "succeeded", (first.error, second.error)
    assert echo.tokens_issued == ["at-1-9f8e7d6c"]  # the second run used the cached token
    token_calls = [r for r in echo.requests if r["path"] == "/token"]
    assert token_calls[0]["body"] == "grant_type=client_credentials&scope=read"
    Credential.objects.filter(pk=credential.pk).update(token_expires_at=timezone.now())
    third = _run(user, graph, collecting)
    assert third.status == "succeeded" and echo.tokens_issued == ["at-1-9f8e7d6c", "at-2-9f8e7d6c"]
    stored = _everything_stored(first) + _everything_stored(third)
    assert "at-1-9f8e7d6c" not in stored and echo.client_secret not in stored
    with __import__("django").db.connection.cursor() as cursor:
        cursor.execute("SELECT token FROM credentials_credential WHERE id = %s", [credential.pk])
        assert "at-2" not in cursor.fetchone()[0]


def test_oauth2_wrong_client_secret_fails_the_step_cleanly(transactional_db, collecting, echo):
    user = make_user()
    credential = credential_create(
        owner=user,
        name="o",
        type="oauth2.client_credentials",
        data={"token_url": f"{echo.base}/token", "client_id": echo.client_id, "client_secret": "wrong-secret-42"},
    )
    run = _run(user, _graph(f"{echo.base}/private", credential.pk), collecting)
    step = run.steps.get(node_id="call")
    assert run.status == "failed" and step.error["code"] == "credential_token_failed", step.error
    assert "HTTP 401" in step.error["message"] and "wrong-secret-42" not in _everything_stored(run)


def test_a_credential_header_is_dropped_on_a_redirect_to_another_origin(transactional_db, collecting, echo):
    user = make_user()
    credential = credential_create(owner=user, name="c", type="http.header", data={"name": "X-Tenant", "value": TOKEN})
    with EchoServer() as other:
        run = _run(user, _graph(f"{echo.base}/redirect/{other.base}/landing", credential.pk), collecting)
        assert run.status == "succeeded", run.error
        assert echo.requests[-1]["headers"].get("X-Tenant") == TOKEN
        assert "X-Tenant" not in other.requests[-1]["headers"]


def test_a_deleted_credential_fails_the_step_cleanly(transactional_db, collecting, echo):
    user = make_user()
    credential = credential_create(owner=user, name="c", type="http.bearer", data={"token": TOKEN})
    workflow = make_workflow(user, graph=_graph(f"{echo.base}/echo", credential.pk))
    credential.delete()
    problems = services.graph_validate(graph=workflow.graph, user=user)
    assert [(p.code, p.node_id, p.field) for p in problems] == [("unknown_credential", "call", "/config/credential")]


def test_validation_refuses_another_users_credential_and_the_wrong_type(db):
    alice, mallory = make_user(), make_user()
    theirs = credential_create(owner=alice, name="a", type="http.bearer", data={"token": TOKEN})
    smtp = credential_create(owner=mallory, name="m", type="smtp", data={"host": "mail.example.com", "port": 587, "security": "starttls"})
    foreign = services.graph_validate(graph=_graph("https://example.com/", theirs.pk), user=mallory)
    assert [(p.code, p.message) for p in foreign] == [("unknown_credential", f"Credential {theirs.pk} was not found.")]
    wrong = services.graph_validate(graph=_graph("https://example.com/", smtp.pk), user=mallory)
    assert [p.code for p in wrong] == ["wrong_credential_type"] and wrong[0].field == "/config/credential"
    templated = _graph("https://example.com/", None)
    templated["nodes"][1]["config"]["credential"] = "{{ trigger.id }}"
    assert any(p.field == "/config/credential" for p in services.graph_validate(graph=templated, user=mallory))


def test_export_names_the_credential_and_import_maps_it(db):
    alice, bob = make_user(), make_user()
    credential = credential_create(owner=alice, name="Stripe", type="http.bearer", data={"token": TOKEN})
    workflow = make_workflow(alice, graph=_graph("https://example.com/", credential.pk))
    exported = services.workflow_export(workflow=workflow)
    assert exported["graph"]["nodes"][1]["config"]["credential"] == {"name": "Stripe", "type": "http.bearer"}
    assert TOKEN not in json.dumps(exported)
    imported, problems = services.workflow_import(owner=bob, data=exported)
    assert [(p.code, p.node_id) for p in problems] == [("unknown_credential", "call")]
    assert "credential" not in imported.graph["nodes"][1]["config"]
    bobs = credential_create(owner=bob, name="Stripe", type="http.bearer", data={"token": "bobs-token-1"})
    imported, problems = services.workflow_import(owner=bob, data=exported)
    assert problems == [] and imported.graph["nodes"][1]["config"]["credential"] == bobs.pk
