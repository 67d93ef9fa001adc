"""Security headers: one Content-Security-Policy on the app's page, the sign-in page, the API
docs and the API (no inline script anywhere), and HSTS, the HTTPS redirect and the proxy's
scheme header switched on by settings, off by default (make run serves plain HTTP)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from config.env import env_proxy_ssl_header
from tests.factories import make_user


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


def _assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "scripts only from the app's own origin: no inline, no eval"
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.fixture
def signed_in(db):
    client = Client()
    client.force_login(make_user("csp"))
    return client


def test_the_app_page_carries_the_policy_and_needs_no_inline_script(signed_in, settings, tmp_path):
    built = tmp_path / "dist"
    built.mkdir()
    # What Vite builds: module scripts and styles by URL, nothing inline.
    (built / "index.html").write_text('<html><head><script type="module" crossorigin src="/static/assets/index.js"></script></head></html>')
    settings.FRONTEND_DIST = built
    response = signed_in.get("/")
    assert response.status_code == 200
    _assert_strict(_policy(response))


def test_the_sign_in_page_and_the_api_carry_it(signed_in, db):
    _assert_strict(_policy(Client().get("/login/")))
    _assert_strict(_policy(signed_in.get("/api/workflows/")))
    _assert_strict(_policy(Client().post("/hooks/no-such-hook", b"{}", content_type="application/json")))


def test_the_api_docs_page_loads_its_script_by_url(signed_in):
    response = signed_in.get("/api/docs/")
    assert response.status_code == 200
    _assert_strict(_policy(response))
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts), scripts
    [init] = [re.search(r'src="([^"]+)"', attrs)[1] for attrs, _ in scripts if "?script" in attrs]
    script = signed_in.get(init.replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_https_settings_are_off_by_default(settings, db):
    assert settings.SECURE_SSL_REDIRECT is False and settings.SECURE_HSTS_SECONDS == 0
    assert settings.SECURE_PROXY_SSL_HEADER is None
    response = Client().get("/healthz")
    assert response.status_code == 200 and "Strict-Transport-Security" not in response.headers


def test_settings_switch_the_redirect_hsts_and_the_proxy_header_on(settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client().get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    assert Client().get("/healthz").status_code == 200, "the health check answers over plain HTTP"
    proxied = Client().get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000"


def test_the_proxy_header_setting_is_read_from_name_and_value(monkeypatch):
    monkeypatch.delenv("SECURE_PROXY_SSL_HEADER", raising=False)
    assert env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER") is None
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https")
    assert env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER") == ("HTTP_X_FORWARDED_PROTO", "https")
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="SECURE_PROXY_SSL_HEADER"):
        env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
