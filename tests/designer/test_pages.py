import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from designer.models import SetupToken

NEW_ACCOUNT = {
    "username": "founder",
    "email": "f@example.com",
    "password1": "a-long-unusual-pass-42",
    "password2": "a-long-unusual-pass-42",
}


def _link(capsys) -> str:
    call_command("setup_link", "--base-url", "http://testserver")
    out = capsys.readouterr().out
    match = re.search(r"http://testserver(/setup/[\w-]+/)", out)
    assert match, out
    return match.group(1)


@pytest.mark.django_db
def test_first_run_link_creates_the_first_account_once(capsys):
    path = _link(capsys)
    client = Client()
    assert client.get(path).status_code == 200
    response = client.post(path, NEW_ACCOUNT)
    assert response.status_code == 302 and response["Location"] == "/"
    user = get_user_model().objects.get()
    assert user.username == "founder" and user.is_superuser and user.check_password(NEW_ACCOUNT["password1"])
    assert SetupToken.objects.count() == 0
    # Signed in straight away.
    assert client.get("/api/me/").json()["username"] == "founder"
    # The link is spent; and with an account present no new link is printed.
    assert Client().get(path).status_code == 404
    assert Client().post(path, NEW_ACCOUNT | {"username": "intruder"}).status_code == 404
    call_command("setup_link", "--base-url", "http://testserver")
    assert "/setup/" not in capsys.readouterr().out
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_a_made_up_setup_token_is_refused():
    assert Client().get("/setup/guessed-token/").status_code == 404
    assert Client().post("/setup/guessed-token/", NEW_ACCOUNT).status_code == 404
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_setup_form_shows_password_problems(capsys):
    path = _link(capsys)
    response = Client().post(path, NEW_ACCOUNT | {"password1": "123", "password2": "123"})
    assert response.status_code == 200 and b"too short" in response.content
    assert get_user_model().objects.count() == 0


def test_app_requires_login_then_serves_the_shell(user, settings, tmp_path):
    client = Client()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/"
    assert client.post("/login/", {"username": "alice", "password": "correct-horse-battery-9"}).status_code == 302
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<div id=root></div>")
    settings.FRONTEND_DIST = dist
    page = client.get("/workflows/12")
    assert page.status_code == 200 and b"<div id=root>" in page.content
    assert "csrftoken" in client.cookies
    settings.FRONTEND_DIST = tmp_path / "missing"
    assert client.get("/").status_code == 503


def test_login_page_and_wrong_password(db):
    client = Client()
    assert b"Sign in" in client.get("/login/").content
    response = client.post("/login/", {"username": "nobody", "password": "x"})
    assert response.status_code == 200 and b"didn't match" in response.content


def test_health(db):
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_admin_lists_workflows_and_versions_read_only(user, workflow):
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    assert client.get("/admin/designer/workflow/").status_code == 200
    assert client.get(f"/admin/designer/workflow/{workflow.pk}/change/").status_code == 200
    version = workflow.versions.get()
    page = client.get(f"/admin/designer/workflowversion/{version.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(f"/admin/designer/workflowversion/{version.pk}/delete/", {"post": "yes"}).status_code == 403


def test_login_keeps_the_username_after_a_wrong_password(user):
    response = Client().post("/login/", {"username": "alice", "password": "nope"})
    assert b'value="alice"' in response.content
