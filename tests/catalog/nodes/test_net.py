"""The process's pooled, guarded HTTP client against real local servers that count the TCP
connections they accept: connections are kept alive and reused, and the SSRF guard holds
on every connection the pool opens, on every redirect hop, and on a connection kept alive
from before the setting changed."""

import contextlib
import ipaddress
import json
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from catalog.nodes.base import StepContext, StepFailed
from catalog.nodes.http_request import HttpRequest
from catalog.nodes.net import BlockedAddress, http_client, is_allowed


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall
    timeout = 10

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        headers = {}
        if self.path.startswith(("/redirect", "/loop")):
            self.send_response(302)
            self.send_header("Location", "/loop" if self.path == "/loop" else parse_qs(urlsplit(self.path).query)["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/cookie"):
            headers["Set-Cookie"] = "sid=secret; Path=/"
        body = json.dumps({"path": self.path, "cookie": self.headers.get("Cookie")}).encode()
        self.send_response(200)
        for name, value in {**headers, "Content-Type": "application/json", "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host):
        super().__init__((host, 0), _Handler)
        self.accepts = 0
        self.requests = []
        self.connections = []

    def get_request(self):
        conn, addr = super().get_request()
        self.accepts += 1
        self.connections.append(conn)
        return conn, addr

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def _serve(host):
    httpd = _CountingServer(host)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def _stop(httpd):
    httpd.shutdown()
    httpd.server_close()
    for conn in httpd.connections:  # kept-alive connections die with their server
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def server():
    httpd = _serve("127.0.0.1")
    yield httpd
    _stop(httpd)


@pytest.fixture
def other_loopback():
    """A server on 127.0.0.2: loopback too, outside an allow list of 127.0.0.1/32."""
    httpd = _serve("127.0.0.2")
    yield httpd
    _stop(httpd)


def _get(url, follow_redirects=False):
    return http_client().get(url, timeout=5, follow_redirects=follow_redirects)


def _node(url):
    ctx = StepContext(run_id=1, node_id="n", iteration=0, attempt=1, config={"method": "GET", "url": url, "timeout_s": 5}, data={})
    return HttpRequest.execute(ctx)


def test_one_client_per_process_and_the_step_context_default(settings):
    assert http_client() is http_client()
    ctx = StepContext(run_id=1, node_id="n", iteration=0, attempt=1, config={}, data={})
    assert ctx.http is http_client()
    assert dict(ctx.secrets) == {}
    with pytest.raises(TypeError):
        ctx.secrets["token"] = "x"  # type: ignore[index]


def test_a_connection_is_kept_alive_and_reused(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    for i in range(3):
        assert _get(f"{server.url}/c{i}").status_code == 200
    assert _node(server.url + "/node").output["status"] == 200
    assert _node(server.url + "/node").output["status"] == 200
    assert len(server.requests) == 5
    assert server.accepts == 1


def test_concurrent_requests_share_the_pool(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: _get(f"{server.url}/t{i}").status_code, range(40)))
    assert statuses == [200] * 40
    assert len(server.requests) == 40
    assert 1 <= server.accepts <= 8


def test_a_kept_alive_connection_is_not_used_once_the_setting_refuses_its_address(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert _get(server.url + "/first").status_code == 200
    assert server.accepts == 1
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = []
    with pytest.raises(BlockedAddress):
        _get(server.url + "/second")
    with pytest.raises(StepFailed) as info:
        _node(server.url + "/third")
    assert info.value.code == "blocked_address" and not info.value.retryable
    assert server.requests == ["/first"]  # nothing went out on the kept-alive connection
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert _get(server.url + "/again").status_code == 200
    assert server.requests == ["/first", "/again"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433"])
def test_refuses_loopback_on_the_pooled_client(server, settings, host):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = []
    port = server.server_address[1]
    with pytest.raises(BlockedAddress):
        _get(f"http://{host}:{port}/")
    assert server.accepts == 0


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/", "http://192.168.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[fd00::1]/"]
)
def test_refuses_private_and_metadata_addresses_on_the_pooled_client(settings, url):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with pytest.raises(BlockedAddress):
        _get(url)


def test_a_name_that_resolves_to_loopback_is_refused(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = []
    port = server.server_address[1]
    with pytest.raises(BlockedAddress) as info:
        _get(f"http://localhost:{port}/")
    assert info.value.host == "localhost" and ipaddress.ip_address(info.value.address).is_loopback
    assert server.accepts == 0
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32", "::1/128"]
    assert _get(f"http://localhost:{port}/named").status_code == 200  # the same name, let through
    assert server.accepts == 1


def test_a_redirect_hop_to_a_refused_address_is_refused(server, other_loopback, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    hop = f"{server.url}/redirect?to={other_loopback.url}/inside"
    assert _get(hop).status_code == 302  # the first hop is allowed
    with pytest.raises(BlockedAddress) as info:
        _get(hop, follow_redirects=True)
    assert info.value.address == "127.0.0.2"
    assert other_loopback.accepts == 0
    # The same hop once the setting allows it: the guard, not the network, refused it.
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert _get(hop, follow_redirects=True).json()["path"] == "/inside"
    assert other_loopback.accepts == 1


def test_a_redirect_hop_to_a_refused_kept_alive_connection_is_refused(server, other_loopback, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert _get(other_loopback.url + "/warm").status_code == 200  # a kept-alive connection to 127.0.0.2
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with pytest.raises(BlockedAddress):
        _get(f"{server.url}/redirect?to={other_loopback.url}/inside", follow_redirects=True)
    assert other_loopback.requests == ["/warm"] and other_loopback.accepts == 1


def test_the_shared_client_keeps_no_cookies(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert "sid=secret" in _get(server.url + "/cookie").headers["set-cookie"]
    assert _get(server.url + "/next").json()["cookie"] is None
    assert len(http_client().cookies) == 0


def test_a_forked_child_makes_its_own_client(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    parent = http_client()
    assert _get(server.url + "/parent").status_code == 200
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, and leave without running anything of pytest's
        try:
            child = http_client()
            ok = child is not parent and child is http_client() and child.get(server.url + "/child", timeout=5).status_code == 200
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"1"
    assert http_client() is parent
    assert server.requests == ["/parent", "/child"]
    assert server.accepts == 2  # the child did not write on its parent's connection


def test_timeout_and_redirects_are_per_request(server, settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    hop = f"{server.url}/redirect?to={server.url}/target"
    assert http_client().get(hop, timeout=5).status_code == 302
    assert http_client().get(hop, timeout=5, follow_redirects=True).json()["path"] == "/target"
    with pytest.raises(httpx.TooManyRedirects):
        http_client().get(f"{server.url}/loop", timeout=5, follow_redirects=True)
    assert len(server.requests) == 3 + 11  # the first request and at most 10 redirects


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        # NAT64's well-known prefix: judged by the IPv4 address it embeds.
        ("64:ff9b::10.0.0.1", False),
        ("64:ff9b::127.0.0.1", False),
        ("64:ff9b::169.254.169.254", False),
        ("64:ff9b::8.8.8.8", True),
        # The local-use NAT64 prefix (RFC 8215): the operator's own translator, refused whole.
        ("64:ff9b:1::a00:1", False),
        ("64:ff9b:1::808:808", False),
        # IPv4-compatible (deprecated) and IPv4-translated (SIIT): the embedded address decides.
        ("::10.0.0.1", False),
        ("::169.254.169.254", False),
        ("::8.8.8.8", True),
        ("::ffff:0:10.0.0.1", False),
        ("::ffff:0:127.0.0.1", False),
        ("::ffff:0:8.8.8.8", True),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        # Site-local (deprecated, still routed inside some networks).
        ("fec0::1", False),
        ("feff:ffff::1", False),
        # Azure's wireserver: a public address that answers only from inside Azure.
        ("168.63.129.16", False),
        ("168.63.129.17", True),
        ("::ffff:168.63.129.16", False),
        ("64:ff9b::168.63.129.16", False),
        ("::1", False),
        ("::", False),
        # 6to4 and Teredo carry an address too, but are not global: refused whole.
        ("2002:a00:1::", False),
        ("2002:808:808::", False),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),
    ],
)
def test_the_address_policy(address, allowed):
    assert is_allowed(ipaddress.ip_address(address), ()) is allowed


def test_an_embedded_address_is_judged_by_the_allow_list_as_ipv4():
    allow = [ipaddress.ip_network("10.0.0.0/8")]
    assert is_allowed(ipaddress.ip_address("64:ff9b::10.1.2.3"), allow)
    assert is_allowed(ipaddress.ip_address("::ffff:0:10.1.2.3"), allow)
    assert not is_allowed(ipaddress.ip_address("64:ff9b::192.168.0.1"), allow)
    assert is_allowed(ipaddress.ip_address("::1"), [ipaddress.ip_network("::1/128")])


@pytest.mark.parametrize("host", ["[64:ff9b::a00:1]", "[::ffff:0:a00:1]", "[::a9fe:a9fe]", "[fec0::1]", "168.63.129.16"])
def test_refuses_embedded_site_local_and_azure_addresses_on_the_pooled_client(settings, host):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with pytest.raises(BlockedAddress):
        _get(f"http://{host}/")
