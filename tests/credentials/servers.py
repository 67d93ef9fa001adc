"""A local HTTP server for credential tests: records every request's headers and query,
and answers /echo with them (a server that reflects what it is sent), /token as an
OAuth2 token endpoint (client credentials, HTTP Basic client auth), /redirect/<url> with a
302 to <url>."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


class EchoServer:
    def __init__(self, client_id: str = "client-1", client_secret: str = "s3cret-client", expires_in: int = 3600) -> None:
        self.requests: list[dict[str, Any]] = []
        self.tokens_issued: list[str] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                parts = urlsplit(self.path)
                seen = {"path": parts.path, "query": parse_qs(parts.query), "headers": dict(self.headers.items()), "body": body}
                with server.lock:
                    server.requests.append(seen)
                status, payload, extra = 200, seen, {}
                if parts.path == "/token":
                    status, payload = server._token(self.headers.get("Authorization", ""), parse_qs(body))
                elif parts.path.startswith("/redirect/"):
                    status, payload, extra = 302, {}, {"Location": unquote(parts.path.removeprefix("/redirect/"))}
                elif parts.path == "/private" and self.headers.get("Authorization", "") not in server.accepted:
                    status = 401
                data = json.dumps(payload).encode()
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self.client_id, self.client_secret, self.expires_in = client_id, client_secret, expires_in
        self.accepted: set[str] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _token(self, authorization: str, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != expected or form.get("grant_type") != ["client_credentials"]:
            return 401, {"error": "invalid_client"}
        with self.lock:
            token = f"at-{len(self.tokens_issued) + 1}-9f8e7d6c"
            self.tokens_issued.append(token)
            self.accepted.add(f"Bearer {token}")
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> EchoServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
