"""Sign-in, a failed sign-in and sign-out, through the login page as a person does it."""

from __future__ import annotations

from django.test import Client

from audit.models import Action, AuditEntry, How
from tests.factories import make_user

AT = {"REMOTE_ADDR": "198.51.100.3", "HTTP_USER_AGENT": "Browser/9"}


def test_sign_in_failure_and_sign_out_are_in_the_accounts_log(db):
    user = make_user("dora", password="correct-horse-battery-9")
    client = Client(**AT)
    assert client.post("/login/", {"username": "dora", "password": "wrong"}).status_code == 200
    assert client.post("/login/", {"username": "dora", "password": "correct-horse-battery-9"}).status_code == 302
    assert client.post("/logout/").status_code in (200, 302)
    got = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in got] == [Action.SIGN_IN_FAILED, Action.SIGNED_IN, Action.SIGNED_OUT]
    failed, signed_in, signed_out = got
    assert failed.owner == user and failed.actor is None and (failed.target_type, failed.target_id) == ("user", str(user.pk))
    assert signed_in.owner == user and signed_in.actor == user and signed_out.actor == user
    assert {(e.how, e.address, e.user_agent) for e in got} == {(How.SESSION, "198.51.100.3", "Browser/9")}
    # The account reads all three in its log.
    client.force_login(user)
    listed = client.get("/api/audit/?target_type=user").json()["results"]
    assert [e["action"] for e in listed][-3:] == ["auth.signed_out", "auth.signed_in", "auth.sign_in_failed"]


def test_the_admin_sign_in_page_is_recorded_too(db):
    make_user("eve")
    Client(**AT).post("/admin/login/", {"username": "eve", "password": "nope"})
    assert AuditEntry.objects.filter(action=Action.SIGN_IN_FAILED).count() == 1
