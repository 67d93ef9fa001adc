"""The credentials API: secrets are write-only, another user's credential is a 404, bad
input is a 400 naming the field, an update keeps the secrets it was not given."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from credentials.models import Credential

pytestmark = pytest.mark.django_db

SECRET = "sk_live_4f9c2a7e1b"


def _create(api, **overrides):
    body = {"name": "Stripe", "type": "http.bearer", "data": {"token": SECRET}, **overrides}
    return api.post("/api/credentials/", body, format="json")


def test_create_answers_without_the_secret_and_says_it_is_set(api):
    response = _create(api)
    assert response.status_code == 201, response.content
    assert SECRET not in response.content.decode()
    assert response.json()["secrets_set"] == ["token"] and response.json()["values"] == {}
    listed = api.get("/api/credentials/")
    detail = api.get(f"/api/credentials/{response.json()['id']}/")
    assert SECRET not in listed.content.decode() and SECRET not in detail.content.decode()
    assert listed.json()["results"][0]["name"] == "Stripe"


def test_the_row_holds_the_data_encrypted(api):
    credential_id = _create(api).json()["id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM credentials_credential WHERE id = %s", [credential_id])
        (stored,) = cursor.fetchone()
    assert SECRET not in stored and stored.startswith("fernet:")


def test_non_secret_fields_are_shown(api):
    response = _create(api, type="http.header", data={"name": "X-Api-Key", "value": SECRET})
    assert response.json()["values"] == {"name": "X-Api-Key"} and response.json()["secrets_set"] == ["value"]


def test_another_users_credential_is_not_found(api, other_api):
    credential_id = _create(api).json()["id"]
    for method in ("get", "patch", "delete"):
        response = getattr(other_api, method)(f"/api/credentials/{credential_id}/", {}, format="json")
        assert response.status_code == 404, (method, response.content)
    assert other_api.post(f"/api/credentials/{credential_id}/test/", {}, format="json").status_code == 404
    assert other_api.get("/api/credentials/").json()["results"] == []
    assert Credential.objects.filter(pk=credential_id).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "nope"}, "/type"),
        ({"data": {}}, "/data"),
        ({"data": {"token": 5}}, "/data/token"),
        ({"data": {"token": "a\r\nX-Injected: 1"}}, "/data/token"),
        ({"type": "http.header", "data": {"name": "Bad Header:", "value": "v"}}, "/data/name"),
        ({"data": {"token": "t", "extra": 1}}, "/data"),
        ({"name": "  "}, "/name"),
        ({"data": []}, "/data"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, body, field):
    response = _create(api, **body)
    assert response.status_code == 400, response.content
    fields = [p["field"] for p in response.json()["problems"]]
    assert any(f and f.startswith(field) for f in fields), response.json()


def test_names_are_unique_per_owner(api, other_api):
    assert _create(api).status_code == 201
    again = _create(api)
    assert again.status_code == 400 and again.json()["problems"][0]["field"] == "/name"
    assert _create(other_api).status_code == 201  # another user's namespace


def test_an_update_keeps_the_secret_it_is_not_given(api):
    created = _create(api, type="http.basic", data={"username": "ada", "password": SECRET}).json()
    changed = api.patch(f"/api/credentials/{created['id']}/", {"name": "Renamed", "data": {"username": "grace"}}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["values"] == {"username": "grace"} and changed.json()["secrets_set"] == ["password"]
    from credentials.services import credential_data

    assert credential_data(Credential.objects.get(pk=created["id"])) == {"username": "grace", "password": SECRET}
    replaced = api.patch(f"/api/credentials/{created['id']}/", {"data": {"password": "new-password-1"}}, format="json")
    assert credential_data(Credential.objects.get(pk=created["id"]))["password"] == "new-password-1", replaced.content


def test_delete(api):
    credential_id = _create(api).json()["id"]
    assert api.delete(f"/api/credentials/{credential_id}/").status_code == 204
    assert api.get(f"/api/credentials/{credential_id}/").status_code == 404


def test_types_list_their_schemas_and_secret_fields(api):
    types = {t["type"]: t for t in api.get("/api/credential-types/").json()}
    assert set(types) >= {"http.header", "http.bearer", "http.basic", "http.query", "oauth2.client_credentials", "smtp"}
    assert types["http.basic"]["secret_fields"] == ["password"]
    assert types["oauth2.client_credentials"]["secret_fields"] == ["client_secret"]
    assert json.dumps(types["smtp"]["schema"])


def test_anonymous_is_refused(anon):
    assert anon.get("/api/credentials/").status_code in (401, 403)
    assert anon.post("/api/credentials/", {}, format="json").status_code in (401, 403)


def test_the_filter_by_type(api):
    _create(api)
    _create(api, name="Hdr", type="http.header", data={"name": "X-K", "value": SECRET})
    names = [c["name"] for c in api.get("/api/credentials/?type=http.header").json()["results"]]
    assert names == ["Hdr"]


def test_the_smtp_test_action_signs_in_and_reports_a_blocked_address(api, settings):
    from tests.catalog.nodes.smtp import SMTPSink

    with SMTPSink() as sink:
        port = sink.port
        data = {"host": "127.0.0.1", "port": port, "security": "none", "username": "u", "password": "pw-12345"}
        credential_id = _create(api, name="Mail", type="smtp", data=data).json()["id"]
        settings.STEPWISE_HTTP_ALLOWED_NETWORKS = []
        blocked = api.post(f"/api/credentials/{credential_id}/test/", {}, format="json").json()
        assert blocked["ok"] is False and "Refused to connect" in blocked["message"] and sink.connections == 0
        settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
        answer = api.post(f"/api/credentials/{credential_id}/test/", {}, format="json").json()
    assert answer == {"ok": True, "message": f"Connected to 127.0.0.1:{port} and signed in.", "status": None}
    assert sink.logins == ["\0u\0pw-12345"]


def test_each_change_is_in_the_owners_audit_log_without_the_secret(api, user):
    from audit.models import AuditEntry

    credential_id = _create(api).json()["id"]
    api.patch(f"/api/credentials/{credential_id}/", {"name": "Stripe live", "data": {"token": "sk_live_rotated_1"}}, format="json")
    api.post(f"/api/credentials/{credential_id}/test/", {}, format="json")
    api.delete(f"/api/credentials/{credential_id}/")
    entries = list(
        AuditEntry.objects.filter(owner=user, action__startswith="credential.").order_by("id").values_list("action", "target_id", "details")
    )
    assert [(a, t) for a, t, _ in entries] == [
        ("credential.created", str(credential_id)),
        ("credential.changed", str(credential_id)),
        ("credential.tested", str(credential_id)),
        ("credential.deleted", str(credential_id)),
    ]
    assert entries[1][2]["fields"] == ["token"] and entries[1][2]["renamed"] is True
    assert SECRET not in str(entries) and "sk_live_rotated_1" not in str(entries)
