"""The HTTP node's name resolution inside its deadline, against real local DNS servers
(tests/catalog/nodes/dns_servers.py) named by STEPWISE_HTTP_NAMESERVERS: a server that
never answers ends the call with the node's own connect timeout; a server's answers go
through the address guard like any other address; and without the setting the system's
resolver still serves /etc/hosts names and literals."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from catalog.nodes.base import StepContext, StepFailed
from catalog.nodes.http_request import HttpRequest
from catalog.nodes.resolve import nameserver
from tests.catalog.nodes.dns_servers import AnsweringDNS, SilentDNS


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def http_port():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _get(url: str, timeout_s: float = 5):
    config = {"method": "GET", "url": url, "timeout_s": timeout_s}
    return HttpRequest.execute(StepContext(run_id=7, node_id="fetch", iteration=0, attempt=1, config=config, data={}))


def test_a_dns_server_that_never_answers_ends_the_call_by_its_timeout(settings):
    with SilentDNS() as silent:
        settings.STEPWISE_HTTP_NAMESERVERS = [silent.address]
        with pytest.raises(StepFailed) as failed:
            _get("http://hang.example.test/", timeout_s=1)
    assert failed.value.code == "connect_timeout", failed.value.message
    assert failed.value.message == "No connection within 1 s to http://hang.example.test/."
    assert not failed.value.outcome_unknown  # nothing was sent: a retry is safe
    assert silent.queries and silent.queries[0] == "hang.example.test A"


def test_a_names_answers_from_the_configured_server_are_guarded_like_any_address(settings, http_port):
    with AnsweringDNS({"svc.example.test": "127.0.0.1"}) as server:
        settings.STEPWISE_HTTP_NAMESERVERS = [server.address]
        with pytest.raises(StepFailed) as refused:
            _get(f"http://svc.example.test:{http_port}/")
        assert refused.value.code == "blocked_address" and "127.0.0.1" in refused.value.message
        settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
        assert _get(f"http://svc.example.test:{http_port}/").output["status"] == 200
        with pytest.raises(StepFailed) as unknown:
            _get(f"http://nowhere.example.test:{http_port}/")
    assert unknown.value.code == "connection_error" and "no such name" in unknown.value.message
    assert "svc.example.test A" in server.queries and "nowhere.example.test A" in server.queries


def test_literals_need_no_server_and_the_system_resolver_reads_hosts(settings, http_port):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with SilentDNS() as silent:
        settings.STEPWISE_HTTP_NAMESERVERS = [silent.address]
        assert _get(f"http://127.0.0.1:{http_port}/").output["status"] == 200
        assert _get(f"http://2130706433:{http_port}/").output["status"] == 200  # decimal loopback, read as such
    assert silent.queries == []
    settings.STEPWISE_HTTP_NAMESERVERS = []
    assert _get(f"http://localhost:{http_port}/").output["status"] == 200


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [("10.0.0.53", ("10.0.0.53", 53)), ("127.0.0.1:5353", ("127.0.0.1", 5353)), ("[::1]:5353", ("::1", 5353)), ("::1", ("::1", 53))],
)
def test_nameserver_specs(spec, parsed):
    assert nameserver(spec) == parsed
