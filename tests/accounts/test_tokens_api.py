"""API tokens (issue 16): stored hashed, shown once, with a name, an expiry and a last-used
time; created, listed and revoked by their owner through /api/tokens/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient


def _with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _every_text_in_the_database() -> str:
    """Every row of every table of the project, as text (the token table included)."""
    dumped = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # the names come from the catalogue
            dumped.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dumped)


@pytest.mark.django_db
def test_the_key_is_shown_once_and_the_database_holds_only_its_hash(api, user):
    created = api.post("/api/tokens/", {"name": "deploy bot"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    key = body["key"]
    assert len(key) >= 40 and body["name"] == "deploy bot" and key.startswith(body["prefix"])
    assert body["expires_at"] is None and body["last_used_at"] is None
    assert key not in _every_text_in_the_database()
    listed = api.get("/api/tokens/").json()
    assert [t["name"] for t in listed] == ["deploy bot"]
    assert "key" not in listed[0] and key not in str(listed)
    assert set(listed[0]) == {"id", "name", "prefix", "created_at", "expires_at", "last_used_at"}
    assert _with_key(key).get("/api/me/").json()["username"] == user.username


@pytest.mark.django_db
def test_last_used_is_set_and_written_at_most_once_a_minute(api):
    key = api.post("/api/tokens/", {"name": "ci"}, format="json").json()["key"]
    client = _with_key(key)
    with_key = client.get("/api/me/")
    assert with_key.status_code == 200
    first = api.get("/api/tokens/").json()[0]["last_used_at"]
    assert first is not None
    from accounts.models import ApiToken

    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(seconds=30))
    seen = ApiToken.objects.get().last_used_at
    assert client.get("/api/me/").status_code == 200
    assert ApiToken.objects.get().last_used_at == seen  # 30 s ago: not written again
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(seconds=61))
    assert client.get("/api/me/").status_code == 200
    assert ApiToken.objects.get().last_used_at > timezone.now() - timedelta(seconds=5)


@pytest.mark.django_db
def test_an_expired_token_gets_401_with_a_json_body(api):
    soon = timezone.now() + timedelta(hours=1)
    created = api.post("/api/tokens/", {"name": "short", "expires_at": soon.isoformat()}, format="json").json()
    client = _with_key(created["key"])
    assert client.get("/api/me/").status_code == 200
    from accounts.models import ApiToken

    ApiToken.objects.filter(pk=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = client.get("/api/me/")
    assert refused.status_code == 401 and refused["Content-Type"] == "application/json"
    assert refused.json()["detail"] == "This token has expired." and refused["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_revoked_token_gets_401_and_another_users_token_is_404(api, other_api):
    created = api.post("/api/tokens/", {"name": "laptop"}, format="json").json()
    client = _with_key(created["key"])
    assert client.get("/api/me/").status_code == 200
    assert other_api.delete(f"/api/tokens/{created['id']}/").status_code == 404
    assert client.get("/api/me/").status_code == 200
    assert api.delete(f"/api/tokens/{created['id']}/").status_code == 204
    refused = client.get("/api/me/")
    assert refused.status_code == 401 and refused.json()["detail"] == "This token has been revoked."
    assert api.get("/api/tokens/").json() == []
    assert api.delete(f"/api/tokens/{created['id']}/").status_code == 404
    assert api.delete("/api/tokens/999999/").status_code == 404


@pytest.mark.django_db
def test_a_wrong_key_gets_401_with_a_json_body(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    refused = anon.get("/api/workflows/")
    assert refused.status_code == 401 and refused.json()["detail"] == "Invalid token."


@pytest.mark.django_db
def test_each_user_lists_only_their_own_tokens(api, other_api):
    api.post("/api/tokens/", {"name": "mine"}, format="json")
    other_api.post("/api/tokens/", {"name": "theirs"}, format="json")
    assert [t["name"] for t in api.get("/api/tokens/").json()] == ["mine"]
    assert [t["name"] for t in other_api.get("/api/tokens/").json()] == ["theirs"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "/name"),
        ({"name": ""}, "/name"),
        ({"name": "x" * 101}, "/name"),
        ({"name": "ok", "expires_at": "tomorrow"}, "/expires_at"),
        ({"name": "ok", "expires_at": "2001-01-01T00:00:00Z"}, "/expires_at"),
        ({"name": ["a"]}, "/name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, body, field):
    response = api.post("/api/tokens/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in [p["field"] for p in response.json()["problems"]]


@pytest.mark.django_db
def test_a_token_cannot_create_tokens_only_a_signed_in_person_can(api):
    key = api.post("/api/tokens/", {"name": "ci"}, format="json").json()["key"]
    # A leaked key must not mint keys that outlive its revocation.
    response = _with_key(key).post("/api/tokens/", {"name": "more"}, format="json")
    assert response.status_code == 403
    assert _with_key(key).get("/api/tokens/").status_code == 200


@pytest.mark.django_db
def test_creating_and_revoking_a_token_is_in_the_audit_log_without_the_key(api, user):
    from audit.models import AuditEntry

    created = api.post("/api/tokens/", {"name": "ci"}, format="json").json()
    assert api.delete(f"/api/tokens/{created['id']}/").status_code == 204
    entries = list(
        AuditEntry.objects.filter(owner=user, action__startswith="token.")
        .order_by("id")
        .values_list("action", "target_id", "target_name", "details")
    )
    assert entries == [("token.created", str(created["id"]), "ci", {}), ("token.revoked", str(created["id"]), "ci", {})]
    assert created["key"] not in str(entries)
