"""Password change and reset for the signed-in user (issue 16): Django's views, our pages,
the reset email through Django's mailer (the locmem outbox in tests)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import make_user

OLD = "correct-horse-battery-9"
NEW = "a-brand-new-passphrase-71"


def _can_sign_in(username: str, password: str) -> bool:
    client = Client()
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR="10.20.0.1").status_code == 302


@pytest.mark.django_db
def test_the_login_page_links_to_the_password_reset():
    page = Client().get("/login/").content.decode()
    assert 'href="/password-reset/"' in page and "Forgot password?" in page


@pytest.mark.django_db
def test_password_change_works_and_the_old_password_no_longer_signs_in():
    make_user("alice", password=OLD)
    client = Client()
    client.login(username="alice", password=OLD)
    page = client.get("/account/password/")
    assert page.status_code == 200 and "Change your password" in page.content.decode()
    wrong = client.post("/account/password/", {"old_password": "nope", "new_password1": NEW, "new_password2": NEW})
    assert wrong.status_code == 200 and "Your old password was entered incorrectly" in wrong.content.decode()
    done = client.post("/account/password/", {"old_password": OLD, "new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/account/password/done/"
    assert "Your password was changed" in client.get(done["Location"]).content.decode()
    assert client.get("/api/me/").status_code == 200  # this session stays signed in
    assert not _can_sign_in("alice", OLD)
    assert _can_sign_in("alice", NEW)


@pytest.mark.django_db
def test_password_change_needs_a_signed_in_user():
    response = Client().get("/account/password/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/account/password/")


@pytest.mark.django_db
def test_password_reset_by_email_end_to_end(mailoutbox):
    user = make_user("alice", password=OLD)
    user.email = "alice@example.com"
    user.save()
    client = Client()
    assert "Reset your password" in client.get("/password-reset/").content.decode()
    sent = client.post("/password-reset/", {"email": "alice@example.com"})
    assert sent.status_code == 302 and sent["Location"] == "/password-reset/sent/"
    assert "Check your email" in client.get(sent["Location"]).content.decode()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["alice@example.com"]
    link = re.search(r"http://testserver(/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/reset/done/"
    assert "sign in" in client.get("/reset/done/").content.decode().lower()
    assert not _can_sign_in("alice", OLD)
    assert _can_sign_in("alice", NEW)
    # The link is spent.
    again = client.get(link.group(1), follow=True)
    assert "no longer valid" in again.content.decode()


@pytest.mark.django_db
def test_an_unknown_email_sends_nothing_and_says_the_same(mailoutbox):
    make_user("alice")
    sent = Client().post("/password-reset/", {"email": "nobody@example.com"})
    assert sent.status_code == 302 and sent["Location"] == "/password-reset/sent/"
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_successful_password_reset_clears_the_lockout(mailoutbox):
    user = make_user("alice", password=OLD)
    user.email = "alice@example.com"
    user.save()
    for _ in range(30):
        Client().post("/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.30.0.1")
    assert Client().post("/login/", {"username": "alice", "password": OLD}, REMOTE_ADDR="10.30.0.2").status_code == 429
    client = Client()
    client.post("/password-reset/", {"email": "alice@example.com"})
    link = re.search(r"http://testserver(/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    assert client.post(set_url, {"new_password1": NEW, "new_password2": NEW}).status_code == 302
    assert _can_sign_in("alice", NEW)
