"""The first run, over real HTTP through daphne, as `make run` sets it up: the printed
one-time link creates the first account, which can then use the API and the app."""

import re

import httpx
import pytest

pytestmark = pytest.mark.integration


def test_first_run_link_then_api(live_server_process):
    server = live_server_process
    printed = server.manage("setup_link", "--base-url", server.base_url)
    link = re.search(r"(http://127\.0\.0\.1:\d+/setup/[\w-]+/)", printed).group(1)
    with httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=10) as browser:
        assert browser.get("/api/workflows/").status_code == 401
        form = browser.get(link)
        assert form.status_code == 200
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        password = "first-account-pass-77"
        created = browser.post(
            link,
            data={"csrfmiddlewaretoken": csrf, "username": "founder", "email": "", "password1": password, "password2": password},
            headers={"Referer": link},
        )
        assert created.status_code == 302, created.text[:500]
        assert browser.get("/api/me/").json()["username"] == "founder"
        token = browser.cookies["csrftoken"]
        workflow = browser.post("/api/workflows/", json={"name": "Hello"}, headers={"X-CSRFToken": token, "Referer": server.base_url + "/"})
        assert workflow.status_code == 201, workflow.text
        assert browser.get("/api/workflows/").json()["count"] == 1
        # The link is spent.
        assert browser.get(link).status_code == 404
    # A second start prints no link, only where to sign in.
    assert "/setup/" not in server.manage("setup_link", "--base-url", server.base_url)


def test_errors_over_real_http_are_json(live_server_process):
    server = live_server_process
    token = server.create_user_with_token("api-user")
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as client:
        big = client.post("/api/workflows/", content=b'{"name": "' + b"x" * 6_000_000 + b'"}', headers={"Content-Type": "application/json"})
        assert big.status_code == 413 and big.json()["detail"].startswith("The request body is")
        assert client.get("/api/nope/").json() == {"detail": "Not found.", "problems": []}
        bad = client.post("/api/workflows/", content=b"{", headers={"Content-Type": "application/json"})
        assert bad.status_code == 400 and "JSON parse error" in bad.json()["detail"]
