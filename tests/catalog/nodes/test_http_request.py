"""The HTTP node against a real local server: output, Idempotency-Key, status rules, and
the SSRF guard (loopback, private, link-local, metadata, odd spellings, names, redirects)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from catalog.nodes.base import StepContext, StepFailed
from catalog.nodes.http_request import MAX_RESPONSE_BYTES, HttpRequest
from tests.catalog.nodes.drip import DripServer


class _Handler(BaseHTTPRequestHandler):
    seen: list = []
    protocol_version = "HTTP/1.1"  # keep-alive, as the node's pooled client uses it
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall
    timeout = 10

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        _Handler.seen.append({"path": self.path, "key": self.headers.get("Idempotency-Key")})
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", parse_qs(urlsplit(self.path).query)["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/big"):
            body = b"x" * (MAX_RESPONSE_BYTES + 1)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        status = int(self.path.split("status=", 1)[1]) if "status=" in self.path else 200
        body = json.dumps({"hello": "world", "path": self.path}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _run(url, **config):
    ctx = StepContext(run_id=7, node_id="fetch", iteration=0, attempt=1, config={"method": "GET", "url": url, **config}, data={})
    return HttpRequest.execute(ctx)


def test_calls_and_parses_json_with_idempotency_key(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    result = _run(server + "/users/1")
    assert result.output["status"] == 200 and result.output["json"] == {"hello": "world", "path": "/users/1"}
    _run(server + "/users/1")
    assert [s["key"] for s in _Handler.seen] == ["7:fetch:0", "7:fetch:0"]


def test_failing_status_keeps_the_response(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with pytest.raises(StepFailed) as info:
        _run(server + "/x?status=503")
    assert info.value.code == "http_status" and info.value.retryable and info.value.details["status"] == 503
    with pytest.raises(StepFailed) as info:
        _run(server + "/x?status=404")
    assert not info.value.retryable
    assert _run(server + "/x?status=404", fail_on_status=["5xx"]).output["status"] == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://172.16.0.9/",
        "http://172.31.255.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",  # decimal 127.0.0.1
        "http://0x7f000001/",  # hex 127.0.0.1
        "http://0177.0.0.1/",  # octal
        "http://127.1/",
        "http://localhost/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://[::ffff:0:a00:1]/",  # IPv4-translated 10.0.0.1
        "http://[::a00:1]/",  # IPv4-compatible 10.0.0.1
        "http://[fec0::1]/",  # site-local
        "http://168.63.129.16/",  # Azure's wireserver
    ],
)
def test_blocks_non_public_addresses_by_default(url, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = []
    with pytest.raises(StepFailed) as info:
        _run(url, timeout_s=2)
    assert info.value.code in {"blocked_address", "invalid_url"}, info.value.message
    assert not info.value.retryable


def test_blocks_a_redirect_to_a_blocked_address(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with pytest.raises(StepFailed) as info:
        _run(server + "/redirect?to=http://169.254.169.254/latest/meta-data/", timeout_s=2)
    assert info.value.code == "blocked_address" and "169.254.169.254" in info.value.message
    with pytest.raises(StepFailed):
        _run(server + "/redirect?to=http://10.0.0.1/", timeout_s=2)


def test_the_allowlist_is_needed_even_for_the_local_server(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = []
    with pytest.raises(StepFailed) as info:
        _run(server + "/users/1")
    assert info.value.code == "blocked_address"
    assert _Handler.seen == []  # never connected


def test_query_in_url_is_kept_and_query_config_is_added(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert _run(server + "/q?a=1&sig=x%2Fy").output["json"]["path"] == "/q?a=1&sig=x%2Fy"
    assert _run(server + "/q?a=1", query={"b": "2"}).output["json"]["path"] == "/q?a=1&b=2"


def test_the_response_size_limit_holds_on_the_pooled_client(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with pytest.raises(StepFailed) as info:
        _run(server + "/big")
    assert info.value.code == "response_too_large" and not info.value.retryable
    # The connection it left half-read is closed, not handed to the next call.
    assert _run(server + "/after").output["json"]["path"] == "/after"


def test_a_kept_alive_connection_carries_no_request_once_refused(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert _run(server + "/one").output["status"] == 200
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = []
    with pytest.raises(StepFailed) as info:
        _run(server + "/two")
    assert info.value.code == "blocked_address"
    assert [s["path"] for s in _Handler.seen] == ["/one"]


@pytest.fixture
def drip():
    with DripServer(interval_s=0.5) as server:
        yield server


@pytest.mark.parametrize("path", ["/drip", "/drip-headers", "/redirect"])
def test_the_timeout_bounds_the_whole_call_even_when_every_read_gets_a_byte(drip, settings, path):
    """A byte every 0.5 s never trips a per-read timeout of 1 s: the node's timeout is a
    total deadline (connect, send, every read, every redirect hop)."""
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    started = time.monotonic()
    with pytest.raises(StepFailed) as info:
        _run(drip.url + path, timeout_s=1)
    elapsed = time.monotonic() - started
    assert info.value.code == "timeout" and info.value.outcome_unknown, info.value.message
    assert elapsed < 5, elapsed  # about 1 s; the drip would go on for 20
    assert drip.requests[-1].startswith("/drip")


def test_the_steps_deadline_bounds_the_call_when_it_is_sooner(drip, settings):
    """The engine hands the step's deadline (its timeout, less what rendering took) in the
    context: the call ends then, whatever the config's timeout_s."""
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    started = time.monotonic()
    config = {"method": "GET", "url": drip.url + "/drip", "timeout_s": 60}
    ctx = StepContext(run_id=7, node_id="fetch", iteration=0, attempt=1, config=config, data={}, deadline=started + 1)
    with pytest.raises(StepFailed) as info:
        HttpRequest.execute(ctx)
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 5


class _Recorder(BaseHTTPRequestHandler):
    """Records each request's headers; /hop?to=URL answers 302 to URL."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 10

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.server.seen.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}})
        if self.path.startswith("/hop"):
            self.send_response(302)
            self.send_header("Location", parse_qs(urlsplit(self.path).query)["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def two_origins():
    """Two servers on 127.0.0.1, on two ports: two origins."""
    servers = []
    for _ in range(2):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        httpd.daemon_threads = True
        httpd.seen = []
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
    yield [(f"http://127.0.0.1:{s.server_address[1]}", s.seen) for s in servers]
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


CREDENTIALS = {
    "Authorization": "Bearer a",
    "Proxy-Authorization": "Basic b",
    "Cookie": "sid=c",
    "X-Api-Key": "d",
    "Api-Key": "e",
    "X-Auth-Token": "f",
    "Private-Token": "g",
    "X-Client-Secret": "h",
    "X-API-Version-Sig": "i",
    "X-Amz-Security-Token": "j",
    "X-Goog-Authuser": "k",
    "Ocp-Apim-Subscription-Key": "l",
}
PLAIN = {"X-Trace": "t1", "Accept": "application/json"}


def test_a_cross_origin_redirect_drops_every_credential_header(two_origins, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    (first, first_seen), (second, second_seen) = two_origins
    result = _run(f"{first}/hop?to={second}/land", headers={**CREDENTIALS, **PLAIN})
    assert result.output["status"] == 200 and result.output["url"] == f"{second}/land"
    sent = first_seen[0]["headers"]
    assert {name: sent.get(name.lower()) for name in CREDENTIALS} == CREDENTIALS  # the first origin got them all
    landed = second_seen[0]["headers"]
    assert [name for name in CREDENTIALS if name.lower() in landed] == []
    assert landed["x-trace"] == "t1" and landed["accept"] == "application/json"
    assert landed["idempotency-key"] == "7:fetch:0"  # not a credential: the far side deduplicates by it


def test_a_same_origin_redirect_keeps_the_credential_headers(two_origins, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    (first, first_seen), _ = two_origins
    _run(f"{first}/hop?to={first}/land", headers={"Authorization": "Bearer a", "X-Api-Key": "d"})
    assert [s["path"] for s in first_seen] == [f"/hop?to={first}/land", "/land"]
    assert first_seen[1]["headers"]["authorization"] == "Bearer a" and first_seen[1]["headers"]["x-api-key"] == "d"
