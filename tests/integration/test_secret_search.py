"""No secret leaves the server. Against the real server (daphne, its own database), a
unique secret is planted in each place a user can put one: a credential of every type, a
webhook's signing secret, an API token. Workflows then use every HTTP credential against a
local server that echoes back what it is sent, and a signed webhook call starts a run.
Then every API response, every export and version, every step row and event, every
websocket frame, the server's log, the admin's pages and a dump of the whole database are
searched for each secret: no hit (the encrypted columns hold ciphertext, which contains
none). The local server did receive each one."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlparse

import httpx
import pytest
import websockets
from standardwebhooks.webhooks import Webhook

from tests.credentials.servers import EchoServer
from tests.integration.server import make_server

pytestmark = pytest.mark.integration


def _secret(label: str) -> str:
    return f"planted-{label}-{secrets.token_hex(8)}"


def _forms(value: str) -> set[str]:
    """The ways a secret could show up: as is, url-quoted, inside a basic-auth header."""
    return {value, quote(value, safe=""), quote_plus(value), base64.b64encode(value.encode()).decode()}


def _node(node_id: str, node_type: str, config: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "position": {"x": 0, "y": 0}, "config": config}


def _edge(source: str, target: str) -> dict[str, Any]:
    return {"id": f"{source}-{target}", "source": source, "source_port": "out", "target": target, "target_port": "in"}


def _database_dump(server) -> str:
    url = server.env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url) as conn:
            tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            rows = [str(r[0]) for t in tables for r in conn.execute(f'SELECT row_to_json(t)::text FROM "{t}" t')]
        return "\n".join(rows)
    with sqlite3.connect(Path(server.var_dir) / "stepwise.sqlite3") as conn:
        return "\n".join(conn.iterdump())


async def _frames(base_ws: str, run_id: int, token: str) -> list[str]:
    frames: list[str] = []
    async with websockets.connect(f"{base_ws}/ws/runs/{run_id}/?after=0", additional_headers={"Authorization": f"Token {token}"}) as ws:
        try:
            async with asyncio.timeout(5):
                while True:
                    frames.append(str(await ws.recv()))
        except TimeoutError:
            pass
    return frames


def _wait(client: httpx.Client, run_id: int) -> dict[str, Any]:
    for _ in range(300):
        detail = client.get(f"/api/runs/{run_id}/").json()
        if detail["status"] in ("succeeded", "failed", "cancelled"):
            return detail
        asyncio.run(asyncio.sleep(0.1))
    raise AssertionError(f"run {run_id} did not end: {detail['status']}")


def _admin_pages(server, password: str) -> list[str]:
    code = (
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser('root', 'root@example.com', {password!r})"
    )
    server.manage("shell", "-c", code)
    with httpx.Client(base_url=server.base_url, timeout=10, follow_redirects=True) as admin:
        page = admin.get("/admin/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        signed_in = admin.post("/admin/login/?next=/admin/", data={"username": "root", "password": password, "csrfmiddlewaretoken": csrf})
        assert "Log out" in signed_in.text or "logout" in signed_in.text.lower(), signed_in.text[:500]
        pages = [admin.get(path).text for path in ("/admin/", "/admin/credentials/credential/", "/admin/engine/webhookendpoint/")]
        ids = re.findall(r'href="/admin/credentials/credential/(\d+)/change/"', pages[1])
        assert ids, "the admin lists the credentials"
        pages += [admin.get(f"/admin/credentials/credential/{pk}/change/").text for pk in ids]
    return pages


def test_no_planted_secret_is_found_outside_the_encrypted_columns(tmp_path):
    planted = {
        "header": _secret("header"),
        "bearer": _secret("bearer"),
        "basic": _secret("basic"),
        "query": _secret("query"),
        "client_secret": _secret("oauth"),
        "smtp": _secret("smtp"),
    }
    with EchoServer(client_id="stepwise-client", client_secret=planted["client_secret"]) as echo:
        server = make_server(tmp_path, STEPWISE_HTTP_ALLOWED_NETWORKS="127.0.0.1/32").start()
        try:
            token = server.create_user_with_token("keeper")
            seen: list[str] = []  # every answer the API gave
            with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}, timeout=30) as api:

                def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
                    response = api.request(method, path, **kwargs)
                    assert response.status_code < 500, (path, response.text)
                    seen.append(f"{method} {path} {response.status_code} {dict(response.headers)} {response.text}")
                    return response

                kinds = {
                    "header": ("http.header", {"name": "X-Api-Key", "value": planted["header"]}),
                    "bearer": ("http.bearer", {"token": planted["bearer"]}),
                    "basic": ("http.basic", {"username": "ada", "password": planted["basic"]}),
                    "query": ("http.query", {"name": "api_key", "value": planted["query"]}),
                    "oauth": (
                        "oauth2.client_credentials",
                        {"token_url": f"{echo.base}/token", "client_id": "stepwise-client", "client_secret": planted["client_secret"]},
                    ),
                    "smtp": (
                        "smtp",
                        {"host": "mail.example.com", "port": 587, "security": "starttls", "username": "u", "password": planted["smtp"]},
                    ),
                }
                ids = {}
                for label, (kind, data) in kinds.items():
                    created = call("POST", "/api/credentials/", json={"name": label, "type": kind, "data": data})
                    assert created.status_code == 201, created.text
                    ids[label] = created.json()["id"]
                    call("GET", f"/api/credentials/{ids[label]}/")
                    call("PATCH", f"/api/credentials/{ids[label]}/", json={"name": f"{label} (renamed)"})

                # One workflow using every HTTP credential against the echoing server.
                http_labels = ["header", "bearer", "basic", "query", "oauth"]
                nodes = [_node("start", "trigger.manual", {})]
                edges = []
                for label in http_labels:
                    nodes.append(_node(label, "http.request", {"method": "GET", "url": f"{echo.base}/echo", "credential": ids[label]}))
                    edges.append(_edge("start", label))
                workflow = call("POST", "/api/workflows/", json={"name": "Uses secrets", "graph": {"nodes": nodes, "edges": edges}}).json()
                assert workflow["problems"] == [], workflow["problems"]
                run = call("POST", f"/api/workflows/{workflow['id']}/runs/", json={"input": {}}).json()
                detail = _wait(api, run["id"])
                assert detail["status"] == "succeeded", detail

                # A webhook: its secret is planted by the server and shown once, to its owner.
                hook_graph = {
                    "nodes": [_node("hook", "trigger.webhook", {"methods": ["POST"]}), _node("done", "noop", {})],
                    "edges": [_edge("hook", "done")],
                }
                hooked = call("POST", "/api/workflows/", json={"name": "Hooked", "graph": hook_graph}).json()
                call("POST", f"/api/workflows/{hooked['id']}/activate/")
                [trigger] = call("GET", f"/api/workflows/{hooked['id']}/triggers/").json()
                hook_secret = api.get(f"/api/workflows/{hooked['id']}/triggers/hook/secret/").json()["secret"]  # the reveal: not searched
                body = json.dumps({"order": 1}).encode()
                at = datetime.now(UTC)
                signature = Webhook(hook_secret).sign("msg_1", at, body.decode())
                headers = {"content-type": "application/json", "webhook-id": "msg_1", "webhook-timestamp": str(int(at.timestamp()))}
                answered = httpx.post(trigger["url"], content=body, headers={**headers, "webhook-signature": signature}, timeout=30)
                assert answered.status_code == 202, answered.text
                seen.append(answered.text)
                refused = httpx.post(trigger["url"], content=body, headers=headers, timeout=30)  # unsigned: 401, logged
                assert refused.status_code == 401, refused.text
                assert httpx.post(trigger["url"] + "x", content=body, headers=headers, timeout=30).status_code == 404
                hook_run = _wait(api, answered.json()["run_id"])

                for wf in (workflow["id"], hooked["id"]):
                    call("GET", f"/api/workflows/{wf}/")
                    call("GET", f"/api/workflows/{wf}/export/")
                    call("POST", f"/api/workflows/{wf}/validate/", json={})
                    call("GET", f"/api/workflows/{wf}/triggers/")
                    for version in call("GET", f"/api/workflows/{wf}/versions/").json()["results"]:
                        call("GET", f"/api/workflows/{wf}/versions/{version['number']}/")
                    call("POST", f"/api/workflows/{wf}/preview/", json={"node_id": "start", "expression": "$"})
                for path in ("/api/workflows/", "/api/runs/", "/api/credentials/", "/api/credential-types/", "/api/me/"):
                    call("GET", path)
                for run_id in (run["id"], hook_run["id"]):
                    call("GET", f"/api/runs/{run_id}/")
                    call("GET", f"/api/runs/{run_id}/events/")
                for label in ("bearer", "query"):
                    call("POST", f"/api/credentials/{ids[label]}/test/", json={"url": f"{echo.base}/echo"})
                base_ws = server.base_url.replace("http://", "ws://")
                frames = asyncio.run(_frames(base_ws, run["id"], token)) + asyncio.run(_frames(base_ws, hook_run["id"], token))
                assert frames, "the run stream sent its snapshot"
            admin_pages = _admin_pages(server, _secret("admin-password"))
            dump = _database_dump(server)
        finally:
            server.stop()
        log = (Path(server.var_dir) / "daphne.log").read_text()

        # The far side got every secret, so the test looks for values that really flowed.
        received = json.dumps(echo.requests)
        assert planted["header"] in received and planted["bearer"] in received and planted["query"] in received
        assert base64.b64encode(f"ada:{planted['basic']}".encode()).decode() in received
        assert echo.tokens_issued and f"Bearer {echo.tokens_issued[0]}" in received  # the OAuth2 token was used
        assert base64.b64encode(f"stepwise-client:{planted['client_secret']}".encode()).decode() in received

        wanted = {**planted, "api_token": token, "webhook_secret": hook_secret, "access_token": echo.tokens_issued[0]}
        wanted["basic_header"] = base64.b64encode(f"ada:{planted['basic']}".encode()).decode()
        places = {"api": "\n".join(seen), "websocket": "\n".join(frames), "log": log, "admin": "\n".join(admin_pages), "database": dump}
        hits = [
            (name, place)
            for name, value in wanted.items()
            for place, text in places.items()
            for form in _forms(value)
            if len(form) >= 8 and form in text
        ]
        assert hits == [], hits
        hook_token = urlparse(trigger["url"]).path.removeprefix("/hooks/")
        assert len(hook_token) >= 16 and hook_token not in log, "the hook's token (its URL's secret) is in the log"
        assert "fernet:" in dump  # the secrets are there, encrypted
        assert urlparse(trigger["url"]).path.startswith("/hooks/")


@pytest.fixture(autouse=True)
def _postgres_or_sqlite():
    assert os.environ.get("DATABASE_URL", "sqlite").split(":")[0] in ("postgres", "postgresql", "sqlite")
