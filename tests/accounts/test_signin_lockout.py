"""Sign-in holds against guessing (issue 16): per account and per address, on /login/,
/admin/login/ and token authentication. Before this, 30 wrong passwords then the right
one signed in everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import make_user

PASSWORD = "correct-horse-battery-9"


def _post_login(client: Client, path: str, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return client.get("/api/me/").status_code == 200


def _move_clock(monkeypatch, by: timedelta) -> None:
    from accounts import throttle

    later = timezone.now() + by
    monkeypatch.setattr(throttle, "now", lambda: later)


@pytest.mark.django_db
def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page():
    make_user("alice")
    client = Client()
    for _ in range(30):
        _post_login(client, "/login/", "alice", "wrong-guess")
    response = _post_login(client, "/login/", "alice", PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed sign-ins; try again in 15 minutes." in text
    assert not _signed_in(client)


@pytest.mark.django_db
def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_admin_login():
    user = make_user("root")
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    for _ in range(30):
        _post_login(client, "/admin/login/", "root", "wrong-guess")
    response = _post_login(client, "/admin/login/", "root", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins; try again in" in response.content.decode()
    assert not _signed_in(client)


@pytest.mark.django_db
def test_the_account_is_locked_from_every_address_and_a_few_mistakes_are_forgiven(settings):
    make_user("alice")
    client = Client()
    for attempt in range(settings.STEPWISE_SIGNIN_MAX_FAILURES - 1):
        # Each from another address: the account's count, not the address's, locks it.
        assert _post_login(client, "/login/", "alice", "wrong", address=f"10.0.1.{attempt}").status_code == 200
    assert _post_login(Client(), "/login/", "alice", PASSWORD, address="10.0.2.1").status_code == 302
    # A success clears the account's count: as many mistakes again are allowed.
    for attempt in range(settings.STEPWISE_SIGNIN_MAX_FAILURES - 1):
        _post_login(client, "/login/", "alice", "wrong", address=f"10.0.3.{attempt}")
    assert _post_login(Client(), "/login/", "alice", PASSWORD, address="10.0.4.1").status_code == 302
    for attempt in range(settings.STEPWISE_SIGNIN_MAX_FAILURES):
        _post_login(client, "/login/", "alice", "wrong", address=f"10.0.5.{attempt}")
    assert _post_login(Client(), "/login/", "alice", PASSWORD, address="10.0.6.1").status_code == 429


@pytest.mark.django_db
def test_an_address_trying_many_accounts_is_locked_out(settings):
    settings.STEPWISE_SIGNIN_MAX_FAILURES_PER_ADDRESS = 5
    make_user("victim")
    for number in range(5):
        _post_login(Client(), "/login/", f"guess{number}", "wrong", address="10.9.9.9")
    refused = _post_login(Client(), "/login/", "victim", PASSWORD, address="10.9.9.9")
    assert refused.status_code == 429
    # The account itself is not locked: from elsewhere its owner signs in.
    assert _post_login(Client(), "/login/", "victim", PASSWORD, address="10.1.1.1").status_code == 302


@pytest.mark.django_db
def test_the_lockout_expires_after_its_duration(settings, monkeypatch):
    make_user("alice")
    client = Client()
    for _ in range(30):
        _post_login(client, "/login/", "alice", "wrong-guess")
    assert _post_login(client, "/login/", "alice", PASSWORD).status_code == 429
    _move_clock(monkeypatch, timedelta(seconds=settings.STEPWISE_SIGNIN_LOCKOUT_S - 60))
    response = _post_login(client, "/login/", "alice", PASSWORD)
    assert response.status_code == 429 and "try again in 1 minute." in response.content.decode()
    _move_clock(monkeypatch, timedelta(seconds=settings.STEPWISE_SIGNIN_LOCKOUT_S + 1))
    assert _post_login(client, "/login/", "alice", PASSWORD).status_code == 302
    assert _signed_in(client)


def _token_attempt(key: str, address: str = "10.7.7.7"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/me/", REMOTE_ADDR=address)


@pytest.mark.django_db
def test_a_run_of_wrong_tokens_from_one_address_gets_429(settings):
    user = make_user("alice")
    browser = APIClient()
    browser.force_login(user)
    key = browser.post("/api/tokens/", {"name": "ci"}, format="json").json()["key"]
    assert _token_attempt(key).status_code == 200
    for number in range(30):
        _token_attempt(f"wrong-token-{number}")
    refused = _token_attempt(f"wrong-token-{number}")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["detail"].startswith("Too many failed sign-ins; try again in")
    assert int(refused["Retry-After"]) > 0
    # Even the right key is refused from that address while it is locked (else guessing
    # would go on), and works from another.
    assert _token_attempt(key).status_code == 429
    assert _token_attempt(key, address="10.8.8.8").status_code == 200
    # A browser page from the locked address is not shut out of an open session.
    assert browser.get("/api/me/", REMOTE_ADDR="10.7.7.7").status_code == 200


@pytest.mark.django_db
def test_the_proxy_header_counts_only_when_the_setting_trusts_it(settings):
    make_user("alice")
    settings.STEPWISE_SIGNIN_MAX_FAILURES_PER_ADDRESS = 3
    # Untrusted: a client's X-Forwarded-For is ignored; the socket's address is locked.
    for number in range(3):
        Client().post(
            "/login/", {"username": f"x{number}", "password": "w"}, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"1.2.3.{number}"
        )
    assert _post_login(Client(), "/login/", "alice", PASSWORD, address="10.0.0.5").status_code == 429
    # Trusted (one proxy in front that appends the address it saw): the header's last entry.
    settings.STEPWISE_TRUSTED_PROXIES = 1
    for number in range(3):
        Client().post(
            "/login/", {"username": f"y{number}", "password": "w"}, REMOTE_ADDR="10.0.0.6", HTTP_X_FORWARDED_FOR=f"6.6.6.6, 5.5.5.{number}"
        )
    forwarded = {"REMOTE_ADDR": "10.0.0.6", "HTTP_X_FORWARDED_FOR": "9.9.9.9, 5.5.5.0"}
    assert Client().post("/login/", {"username": "alice", "password": PASSWORD}, **forwarded).status_code == 302
    # The entries a client wrote before the proxy's own are not the address: 6.6.6.6 failed never.
    spoofed = {"REMOTE_ADDR": "10.0.0.6", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}
    assert Client().post("/login/", {"username": "alice", "password": PASSWORD}, **spoofed).status_code == 302
    locked = {"REMOTE_ADDR": "10.0.0.6", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 5.5.5.1"}
    locked_again = Client().post("/login/", {"username": "y9", "password": "w"}, **locked)
    assert locked_again.status_code == 200  # 5.5.5.1 failed once only
    for number in range(3):
        Client().post("/login/", {"username": f"z{number}", "password": "w"}, REMOTE_ADDR="10.0.0.6", HTTP_X_FORWARDED_FOR="7.7.7.7")
    seven = {"REMOTE_ADDR": "10.0.0.6", "HTTP_X_FORWARDED_FOR": "7.7.7.7"}
    assert Client().post("/login/", {"username": "alice", "password": PASSWORD}, **seven).status_code == 429


@pytest.mark.django_db
def test_a_staff_user_resets_a_lockout_with_the_command_and_in_the_admin():
    make_user("alice")
    for _ in range(12):
        _post_login(Client(), "/login/", "alice", "wrong")
    assert _post_login(Client(), "/login/", "alice", PASSWORD, address="10.3.3.3").status_code == 429
    call_command("signin_unlock", "alice")
    assert _post_login(Client(), "/login/", "alice", PASSWORD, address="10.3.3.3").status_code == 302

    for _ in range(12):
        _post_login(Client(), "/login/", "alice", "wrong")
    assert _post_login(Client(), "/login/", "alice", PASSWORD, address="10.3.3.3").status_code == 429
    staff = make_user("ops")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    admin = Client()
    admin.force_login(staff)
    listing = admin.get("/admin/accounts/signinthrottle/")
    assert listing.status_code == 200 and "alice" in listing.content.decode()
    from accounts.models import SignInThrottle

    locked = list(SignInThrottle.objects.filter(key="alice").values_list("pk", flat=True))
    response = admin.post("/admin/accounts/signinthrottle/", {"action": "unlock", "_selected_action": locked})
    assert response.status_code == 302
    assert _post_login(Client(), "/login/", "alice", PASSWORD, address="10.3.3.3").status_code == 302
