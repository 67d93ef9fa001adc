import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import make_token
from tests.urlwalk import allowed_methods, api_routes, fill


@pytest.mark.django_db
def test_every_api_route_requires_login(anon):
    checked = 0
    for route in api_routes():
        path = fill(route.route)
        for method in allowed_methods(route):
            response = getattr(anon, method.lower())(path, {}, format="json")
            checked += 1
            if route.name == "docs":  # a page for people: off to the sign-in page
                assert response.status_code == 302 and response["Location"].startswith("/login/?next=/api/docs/")
                continue
            assert response.status_code in (401, 403), (method, path, response.status_code)
            expected = "application/vnd.oai.openapi" if route.name == "schema" else "application/json"
            assert response["Content-Type"].startswith(expected), (path, response["Content-Type"])
    assert checked >= 15  # the walk found the routes (18 when this was written)


def test_token_auth_for_integrations(user, workflow):
    key = make_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/workflows/").json()["count"] == 1
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/workflows/").status_code == 401


def test_session_auth_enforces_csrf_on_writes(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/workflows/").status_code == 200
    refused = client.post("/api/workflows/", {"name": "x"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.get("/")  # the app shell sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/workflows/", {"name": "x"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_create_api_token_command(user, capsys):
    """Each call makes a new hashed token and prints its key (the only time it is known);
    --rotate revokes the user's tokens of that name first."""
    from accounts.models import ApiToken

    client = APIClient()
    call_command("create_api_token", "alice")
    first = capsys.readouterr().out.strip()
    call_command("create_api_token", "alice")
    second = capsys.readouterr().out.strip()
    assert first != second and ApiToken.objects.filter(owner=user, revoked_at=None).count() == 2
    call_command("create_api_token", "alice", "--name", "ci")
    ci = capsys.readouterr().out.strip()
    call_command("create_api_token", "alice", "--rotate")
    rotated = capsys.readouterr().out.strip()
    for key, works in [(first, False), (second, False), (ci, True), (rotated, True)]:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert (client.get("/api/me/").status_code == 200) == works, key


def test_create_api_token_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("create_api_token", "nobody")
