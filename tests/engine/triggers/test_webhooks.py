"""Webhooks in-process: every refusal with its status and no run started; one run per
webhook-id; the wait mode answering with the output; activation pinning the version;
rotation keeping the old secret for its grace; ownership of the triggers API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from designer import services
from engine.store.models import Run
from engine.triggers.activation import webhook_secret_rotate, workflow_deactivate
from engine.triggers.models import WebhookDelivery
from engine.triggers.webhooks import HookCall, HookRefused, webhook_receive
from tests.engine.triggers.conftest import make_hook, post, signed
from tests.factories import edge, make_user, node

ORDER = {"order": "A-17", "qty": 3}


def _body(payload=ORDER) -> bytes:
    return json.dumps(payload).encode()


def test_a_signed_call_starts_a_run_of_the_active_version_with_the_request(db):
    workflow, endpoint = make_hook()
    body = _body()
    response = post(endpoint, body, headers=signed(endpoint, body), path_suffix="?source=shop")
    assert response.status_code == 202, response.content
    run = Run.objects.get(pk=response.json()["run_id"])
    assert response["X-Stepwise-Run-Id"] == str(run.pk)
    assert run.trigger == "webhook" and run.version == workflow.active_version
    assert run.input["body"] == ORDER and run.input["method"] == "POST" and run.input["webhook_id"] == "msg_1"
    # The signature covers the id, the timestamp and the body, not the query or the headers:
    # on a signed hook they are under "unsigned", never beside what was verified.
    assert "query" not in run.input and "headers" not in run.input
    unsigned = run.input["unsigned"]
    assert unsigned["query"] == {"source": "shop"} and unsigned["headers"]["content-type"] == "application/json"
    assert "webhook-signature" not in unsigned["headers"]
    assert run.steps.get(node_id="hook").output == run.input


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("unsigned", "Missing header"),
        ("bad signature", "No valid signature"),
        ("one changed byte", "No valid signature"),
        ("stale timestamp", "minutes away"),
        ("other hook's secret", "No valid signature"),
    ],
)
def test_unsigned_or_tampered_calls_are_401_and_start_nothing(db, tamper, reason):
    _, endpoint = make_hook()
    _, other = make_hook()
    body = _body()
    headers = signed(endpoint, body)
    if tamper == "unsigned":
        headers = {}
    elif tamper == "bad signature":
        headers["HTTP_WEBHOOK_SIGNATURE"] = "v1,bm90IGEgc2lnbmF0dXJl"
    elif tamper == "one changed byte":
        body = body.replace(b"A-17", b"A-18")
    elif tamper == "stale timestamp":
        headers = signed(endpoint, body, at=datetime.now(UTC) - timedelta(minutes=5, seconds=5))
    elif tamper == "other hook's secret":
        headers = signed(endpoint, body, secret=other.secret)
    response = post(endpoint, body, headers=headers)
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert Run.objects.count() == 0


def test_content_type_size_method_and_rate_are_refused_with_their_status(db):
    _, endpoint = make_hook({"max_body_bytes": 100})
    text = post(endpoint, b"order=A-17", headers=signed(endpoint, b"order=A-17"), content_type="application/x-www-form-urlencoded")
    assert text.status_code == 415 and "application/json" in text.json()["detail"]
    big = _body({"order": "x" * 200})
    too_large = post(endpoint, big, headers=signed(endpoint, big))
    assert too_large.status_code == 413 and "at most 100" in too_large.json()["detail"]
    wrong_method = APIClient().get(f"/hooks/{endpoint.token}")
    assert wrong_method.status_code == 405 and wrong_method["Allow"] == "POST"
    assert Run.objects.count() == 0


def test_the_rate_limit_counts_per_hook_and_minute(db):
    _, endpoint = make_hook({"rate_limit_per_minute": 3})
    _, other = make_hook({"rate_limit_per_minute": 3})
    minute = datetime.now(UTC).replace(second=10, microsecond=0)
    body = _body()

    def call(hook, msg_id, at):
        headers = {k[5:].replace("_", "-").lower(): v for k, v in signed(hook, body, msg_id=msg_id, at=at).items()}
        headers["content-type"] = "application/json"
        return webhook_receive(HookCall(token=hook.token, method="POST", headers=headers, query={}, body=body), now=at)

    for i in range(3):
        call(endpoint, f"m{i}", minute + timedelta(seconds=i))
    with pytest.raises(HookRefused) as refused:
        call(endpoint, "m3", minute + timedelta(seconds=20))
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "30"}
    call(other, "o1", minute + timedelta(seconds=21))  # another hook has its own budget
    call(endpoint, "m4", minute + timedelta(seconds=60))  # the next minute
    assert Run.objects.count() == 5


def test_bad_json_is_400_naming_the_problem(db):
    _, endpoint = make_hook()
    body = b'{"order": '
    response = post(endpoint, body, headers=signed(endpoint, body))
    assert response.status_code == 400 and "not valid JSON" in response.json()["detail"]


def test_unknown_inactive_and_deactivated_hooks_are_404(db):
    workflow, endpoint = make_hook()
    body = _body()
    assert APIClient().post("/hooks/no-such-token", body, content_type="application/json").status_code == 404
    workflow_deactivate(workflow=workflow)
    response = post(endpoint, body, headers=signed(endpoint, body))
    assert response.status_code == 404 and response.json()["detail"] == "No active webhook at this URL."
    assert Run.objects.count() == 0


def test_the_same_webhook_id_ten_times_starts_one_run(db):
    _, endpoint = make_hook()
    body = _body()
    answers = [post(endpoint, body, headers=signed(endpoint, body, msg_id="msg_same")) for _ in range(10)]
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["run_id"] for a in answers}) == 1
    assert [a.json()["duplicate"] for a in answers] == [False] + [True] * 9
    assert Run.objects.count() == 1 and WebhookDelivery.objects.count() == 1
    other = post(endpoint, body, headers=signed(endpoint, body, msg_id="msg_next"))
    assert other.json()["run_id"] != answers[0].json()["run_id"] and Run.objects.count() == 2


def test_a_public_hook_needs_no_signature_and_still_deduplicates_by_id(db):
    _, endpoint = make_hook({"public": True})
    body = _body()
    assert post(endpoint, body).status_code == 202
    first = post(endpoint, body, headers={"HTTP_WEBHOOK_ID": "evt-9"}).json()["run_id"]
    again = post(endpoint, body, headers={"HTTP_WEBHOOK_ID": "evt-9"}).json()["run_id"]
    assert first == again and Run.objects.count() == 2


def test_wait_mode_answers_with_the_runs_output(embedded):
    _, endpoint = make_hook({"response_mode": "wait", "wait_timeout_s": 20})
    body = _body()
    response = post(endpoint, body, headers=signed(endpoint, body))
    assert response.status_code == 200, response.content
    assert response.json() == {"shape": {"order": "A-17", "doubled": 6}}
    assert Run.objects.get(pk=response["X-Stepwise-Run-Id"]).status == "succeeded"


def test_wait_for_a_chosen_node_and_a_timeout_that_answers_202(embedded):
    slow = node("nap", "wait", {"mode": "duration", "duration_s": 3})
    _, endpoint = make_hook(
        {"response_mode": "wait", "respond_with_node": "shape"}, extra_nodes=[slow], extra_edges=[edge("e2", "shape", "nap")]
    )
    body = _body()
    quick = post(endpoint, body, headers=signed(endpoint, body, msg_id="a"), path_suffix="?wait=0.5")
    assert quick.status_code == 202 and Run.objects.get(pk=quick.json()["run_id"]).status == "running"
    full = post(endpoint, body, headers=signed(endpoint, body, msg_id="b"), path_suffix="?wait=15")
    assert full.status_code == 200 and full.json() == {"order": "A-17", "doubled": 6}


def test_a_failed_run_in_wait_mode_is_502_with_its_error(embedded):
    boom = node("boom", "fail", {"message": "no stock for {{ trigger.body.order }}"})
    _, endpoint = make_hook({"response_mode": "wait"}, extra_nodes=[boom], extra_edges=[edge("e2", "shape", "boom")])
    body = _body()
    response = post(endpoint, body, headers=signed(endpoint, body))
    assert response.status_code == 502
    assert response.json()["status"] == "failed" and "no stock for A-17" in json.dumps(response.json()["error"])


def test_activation_pins_the_version_until_activated_again(db):
    workflow, endpoint = make_hook()
    pinned = workflow.active_version.number
    graph = json.loads(json.dumps(workflow.graph))
    graph["nodes"][1]["config"]["expression"] = "'changed'"
    services.workflow_update(workflow=workflow, actor=workflow.owner, graph=graph)
    body = _body()
    run = Run.objects.get(pk=post(endpoint, body, headers=signed(endpoint, body, msg_id="x1")).json()["run_id"])
    assert run.version.number == pinned
    api = APIClient()
    api.force_login(workflow.owner)
    assert api.post(f"/api/workflows/{workflow.pk}/activate/").json()["active_version"] == pinned + 1
    run = Run.objects.get(pk=post(endpoint, body, headers=signed(endpoint, body, msg_id="x2")).json()["run_id"])
    assert run.version.number == pinned + 1


def test_a_rotated_secret_keeps_the_old_one_for_its_grace(db, settings):
    workflow, endpoint = make_hook()
    old = endpoint.secret
    endpoint = webhook_secret_rotate(workflow=workflow, node_id="hook")
    body = _body()
    assert post(endpoint, body, headers=signed(endpoint, body, msg_id="o1", secret=old)).status_code == 202
    assert post(endpoint, body, headers=signed(endpoint, body, msg_id="n1")).status_code == 202
    endpoint.previous_secret_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    endpoint.save()
    assert post(endpoint, body, headers=signed(endpoint, body, msg_id="o2", secret=old)).status_code == 401


def test_the_triggers_api_shows_urls_and_secrets_to_the_owner_only(db):
    owner, stranger = make_user(), make_user()
    workflow, endpoint = make_hook(owner=owner)
    api, other = APIClient(), APIClient()
    api.force_login(owner)
    other.force_login(stranger)
    listed = api.get(f"/api/workflows/{workflow.pk}/triggers/").json()
    assert listed == [
        {
            "node_id": "hook",
            "type": "trigger.webhook",
            "live": True,
            "url": f"http://testserver/hooks/{endpoint.token}",
            "public": False,
            "methods": ["POST"],
            "response_mode": "async",
            "secret_hint": endpoint.secret[:6] + "…" + endpoint.secret[-4:],
            "previous_secret_expires_at": None,
            "next_fire_at": None,
        }
    ]
    assert endpoint.secret not in json.dumps(listed)
    assert api.get(f"/api/workflows/{workflow.pk}/triggers/hook/secret/").json()["secret"] == endpoint.secret
    rotated = api.post(f"/api/workflows/{workflow.pk}/triggers/hook/secret/").json()
    assert rotated["secret"] != endpoint.secret and rotated["previous_secret_expires_at"] is not None
    for method, path in [
        ("get", "triggers/"),
        ("get", "triggers/hook/secret/"),
        ("post", "triggers/hook/secret/"),
        ("post", "activate/"),
        ("post", "deactivate/"),
    ]:
        response = getattr(other, method)(f"/api/workflows/{workflow.pk}/{path}")
        assert response.status_code == 404, (method, path)
    assert APIClient().get(f"/api/workflows/{workflow.pk}/triggers/").status_code in (401, 403)
    assert api.get(f"/api/workflows/{workflow.pk}/triggers/nope/secret/").status_code == 404


def test_a_refusal_without_headers_is_a_json_4xx_not_a_crash():
    """Every DomainError reaching the hook view is refused as JSON, whether or not it
    carries HTTP headers (a 429's Retry-After does; an invalid input's does not)."""
    from core.errors import DomainError
    from engine.api.hooks import _refused

    refused = DomainError("The input does not match.")
    refused.status = 422
    response = _refused(refused)
    assert response.status_code == 422
    assert json.loads(response.content) == {"detail": "The input does not match.", "problems": []}


def _receive(hook, body, *, at, msg_id=None, headers=None):
    """webhook_receive as the view calls it: signed when msg_id is given, else `headers`."""
    if headers is None:
        headers = {k[5:].replace("_", "-").lower(): v for k, v in signed(hook, body, msg_id=msg_id, at=at).items()}
    sent = headers
    sent = {**sent, "content-type": "application/json"}
    return webhook_receive(HookCall(token=hook.token, method="POST", headers=sent, query={}, body=body), now=at)


def test_unverified_calls_do_not_use_a_signed_hooks_rate_limit(db):
    """Anyone who knows the URL can send calls; only the sender's verified ones count, so
    a flood of unsigned or forged calls cannot lock the sender out."""
    _, endpoint = make_hook({"rate_limit_per_minute": 3})
    minute = datetime.now(UTC).replace(second=5, microsecond=0)
    body = _body()
    forged = {"webhook-id": "x", "webhook-timestamp": str(int(minute.timestamp())), "webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl"}
    for i, headers in enumerate([{}, forged] * 10):
        with pytest.raises(HookRefused) as refused:
            _receive(endpoint, body, at=minute + timedelta(seconds=i), headers=headers)
        assert refused.value.status == 401
    for i in range(3):
        _receive(endpoint, body, at=minute + timedelta(seconds=30), msg_id=f"real{i}")
    with pytest.raises(HookRefused) as refused:
        _receive(endpoint, body, at=minute + timedelta(seconds=31), msg_id="real3")
    assert refused.value.status == 429  # the sender's own fourth call is over its budget
    with pytest.raises(HookRefused) as refused:
        _receive(endpoint, body, at=minute + timedelta(seconds=32), headers={})
    assert refused.value.status == 401  # and an unsigned one is still told it is unsigned
    assert Run.objects.count() == 3


def test_a_public_hook_counts_every_call_and_keeps_query_and_headers_at_the_top(db):
    _, endpoint = make_hook({"public": True, "rate_limit_per_minute": 2})
    minute = datetime.now(UTC).replace(second=5, microsecond=0)
    body = _body()
    for i in range(2):
        _receive(endpoint, body, at=minute + timedelta(seconds=i), headers={})
    with pytest.raises(HookRefused) as refused:
        _receive(endpoint, body, at=minute + timedelta(seconds=3), headers={})
    assert refused.value.status == 429
    run = Run.objects.first()
    # Nothing is signed on a public hook: its input is all the request, as documented.
    assert set(run.input) == {"body", "query", "headers", "method", "webhook_id"}
