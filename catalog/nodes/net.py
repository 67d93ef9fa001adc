"""Outbound network policy for nodes that call out (SSRF guard), and the process's pooled
HTTP client that applies it.

The check runs where the TCP connection is opened: the name is resolved here, each address
is checked, and the socket connects to a checked address. So a redirect hop, a DNS name
that resolves to 127.0.0.1, or a decimal/hex spelling of loopback is refused like the
literal address. Only globally routable addresses are allowed, plus the networks in
STEPWISE_HTTP_ALLOWED_NETWORKS (for tests and internal services the owner trusts).

An IPv6 address that carries an IPv4 address is judged as that IPv4 address, by the allow
list and by the rules: IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`,
IPv4-compatible `::a.b.c.d` and NAT64's well-known prefix `64:ff9b::a.b.c.d`; so
`64:ff9b::10.0.0.1` is refused and `64:ff9b::8.8.8.8` is let through as 8.8.8.8 would be.
Refused whole, whatever they carry: the local-use NAT64 prefix `64:ff9b:1::/48` (the
operator's own translator), 6to4 `2002::/16` and Teredo `2001::/32` (not global), and
REFUSED_NETWORKS, addresses Python's `is_global` lets through that are not public to us:
site-local `fec0::/10`, Azure's wireserver 168.63.129.16, IPv6 documentation `3fff::/20`
and SRv6 `5f00::/16`.

Connections are kept alive in a pool, so a request may go out on a connection opened
under an earlier setting: every write on a connection checks its peer address against the
setting of the moment again, so a kept-alive connection never carries a request to an
address the current setting refuses (the request fails as a refused connect does).

Inside `deadline(at)` every network operation of a request ends by `at`: waiting for a
pooled connection, resolving the name (catalog.nodes.resolve: the system's resolver, or
the servers of STEPWISE_HTTP_NAMESERVERS), connecting, TLS, each write and each read, on
every redirect hop and while the body is read. httpx's own timeouts are per operation, so a server sending a byte
a second would otherwise keep a call (and its thread and socket) forever.

On a redirect to another origin (scheme, host or port) the client drops every header that
carries a credential (`is_credential_header`), not only Authorization and Cookie."""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import os
import re
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpcore
import httpx
from django.conf import settings

from catalog.nodes.resolve import resolve

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The pool of one process: connections open at once (more wait for one, within the
# request's timeout), connections kept alive when idle, and for how long (seconds).
MAX_CONNECTIONS = 100
MAX_KEEPALIVE_CONNECTIONS = 20
KEEPALIVE_EXPIRY_S = 5.0
MAX_REDIRECTS = 10


class BlockedAddress(Exception):
    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"Refused to connect to {host} ({address}): private, loopback, link-local and metadata addresses are blocked.")
        self.host = host
        self.address = address


@functools.lru_cache(maxsize=16)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in spec)


def allowed_networks() -> tuple[Network, ...]:
    """The extra networks of STEPWISE_HTTP_ALLOWED_NETWORKS, read from the setting at each
    call (tests change it)."""
    return _networks(tuple(getattr(settings, "STEPWISE_HTTP_ALLOWED_NETWORKS", ())))


# Not public, though Python's `is_global` (3.13.0) says they are: site-local (deprecated,
# still routed inside some networks), Azure's wireserver (metadata and agent traffic),
# documentation (RFC 9637), SRv6 segment ids (RFC 9602); and the local-use NAT64 prefix
# (RFC 8215), which only newer Pythons refuse.
REFUSED_NETWORKS: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n) for n in ("fec0::/10", "168.63.129.16/32", "3fff::/20", "5f00::/16", "64:ff9b:1::/48")
)

# IPv6 prefixes whose last 32 bits are the IPv4 address the packet is meant for.
_EMBEDDING: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in ("::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "::/96"))


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, translated, compatible, NAT64's
    well-known prefix), or None. `::` and `::1` carry none: they are IPv6's own."""
    if isinstance(address, ipaddress.IPv6Address) and int(address) > 1 and any(address in net for net in _EMBEDDING):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_allowed(address: IPAddress, allow: Iterable[Network]) -> bool:
    """Whether a connection to `address` is allowed: in the allow list (the address or the
    IPv4 address it carries), or else public: the IPv4 address it carries if any, or the
    address itself, globally routable, not multicast, not in REFUSED_NETWORKS."""
    inner = embedded_ipv4(address)
    judged: IPAddress = inner if inner is not None else address
    if any(judged in network or address in network for network in allow):
        return True
    if any(judged in network or address in network for network in REFUSED_NETWORKS):
        return False
    return judged.is_global and not judged.is_multicast


def allowed_address(host: str, port: int, timeout_s: float | None) -> str:
    """An address of `host` that the address policy allows, for a connection this client
    does not make (a credential's SMTP server): BlockedAddress when none is; httpcore's
    ConnectTimeout or ConnectError when the name does not resolve in time."""
    addresses = resolve(host, port, timeout_s)
    for address in addresses:
        if is_allowed(address, allowed_networks()):
            return str(address)
    raise BlockedAddress(host, str(addresses[0]) if addresses else "?")


_deadline: ContextVar[float | None] = ContextVar("stepwise_http_deadline", default=None)


@contextlib.contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Requests made inside end by `at` (a time.monotonic() value; None: no deadline), all
    of their network operations together: the one past it raises httpx's timeout of its
    kind (a connect, a write, a read, the pool). Nested, the sooner one holds."""
    outer = _deadline.get()
    token = _deadline.set(at if outer is None else outer if at is None else min(at, outer))
    try:
        yield
    finally:
        _deadline.reset(token)


def _bounded(timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
    """An operation's timeout cut to the time left before the deadline (`error` once none is)."""
    at = _deadline.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("The request's deadline passed.")
    return left if timeout is None else min(timeout, left)


# Header names that carry a credential, matched whole and case-insensitive: dropped on a
# redirect to another origin. Idempotency-Key is not one (the far side deduplicates by it).
_CREDENTIAL = re.compile(r"(?i)(.*auth.*|.*cookie.*|.*-key|.*_key|.*apikey.*|.*token.*|.*secret.*|.*passw(or)?d.*|.*session.*|x-api-.*)")
_NOT_CREDENTIAL = frozenset({"idempotency-key"})


def is_credential_header(name: str) -> bool:
    """Authorization, Proxy-Authorization, Cookie, and any header named like a credential:
    `*auth*`, `*cookie*`, `*-key`, `*_key`, `*apikey*`, `*token*`, `*secret*`,
    `*password*`, `*session*`, `x-api-*` (case-insensitive); not Idempotency-Key."""
    return name.lower() not in _NOT_CREDENTIAL and _CREDENTIAL.fullmatch(name) is not None


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


class GuardedStream(httpcore.NetworkStream):
    """A connection to a checked address that checks it again before each write: a
    connection kept alive in the pool carries no request the current setting refuses."""

    def __init__(self, stream: httpcore.NetworkStream, host: str, address: IPAddress) -> None:
        self._stream = stream
        self.host = host
        self.address = address

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not is_allowed(self.address, allowed_networks()):
            raise BlockedAddress(self.host, str(self.address))
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        stream = self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout))
        return GuardedStream(stream, self.host, self.address)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        allow = allowed_networks()
        # The name is resolved within the request's deadline too (catalog.nodes.resolve).
        addresses = resolve(host, port, _bounded(timeout, httpcore.ConnectTimeout))
        blocked = None
        for address in addresses:
            if not is_allowed(address, allow):
                blocked = BlockedAddress(host, str(address))
                continue
            stream = super().connect_tcp(str(address), port, _bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options)
            return GuardedStream(stream, host, address)
        raise blocked or httpcore.ConnectError(f"No address for {host}")


class GuardedPool(httpcore.ConnectionPool):
    """The pool, its wait for a free connection cut to the deadline too (each redirect hop
    waits again)."""

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        if _deadline.get() is not None:
            timeouts = dict(request.extensions.get("timeout", {}))
            timeouts["pool"] = _bounded(timeouts.get("pool"), httpcore.PoolTimeout)
            request.extensions = {**request.extensions, "timeout": timeouts}
        return super().handle_request(request)


# A request extension: the names of headers a credential set, whatever they are named,
# dropped on a redirect to another origin like the headers named like credentials.
SECRET_HEADERS = "stepwise_secret_headers"


class GuardedClient(httpx.Client):
    def _redirect_headers(self, request: httpx.Request, url: httpx.URL, method: str) -> httpx.Headers:
        """httpx drops Authorization (not on an upgrade to https) and Cookie; to another
        origin, every header that carries a credential goes too."""
        headers = super()._redirect_headers(request, url, method)
        if origin(url) != origin(request.url):
            secret = {str(n).lower() for n in request.extensions.get(SECRET_HEADERS, ())}
            for name in [name for name in headers if is_credential_header(name) or name.lower() in secret]:
                del headers[name]
        return headers


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """The TLS settings every client of the process shares (the CA bundle loaded once: 20
    ms). Made before a fork, it serves the children too (engine/tasks.py warms it)."""
    return httpx.create_ssl_context()


def guarded_client() -> httpx.Client:
    """A new guarded client with its own pool. Nodes use the process's (`http_client`)."""
    transport = httpx.HTTPTransport(verify=ssl_context())
    # httpx builds its pool without a way to pass a network backend: swap in one that is guarded.
    transport._pool = GuardedPool(
        ssl_context=transport._pool._ssl_context,
        max_connections=MAX_CONNECTIONS,
        max_keepalive_connections=MAX_KEEPALIVE_CONNECTIONS,
        keepalive_expiry=KEEPALIVE_EXPIRY_S,
        network_backend=GuardedBackend(),
    )
    # Shared by every run and owner of the process: it keeps no cookies, which would
    # otherwise go from one workflow's responses into another's requests.
    cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return GuardedClient(transport=transport, cookies=cookies, max_redirects=MAX_REDIRECTS)


_lock = threading.Lock()
_client: httpx.Client | None = None
_client_pid = 0


def http_client() -> httpx.Client:
    """The process's pooled, guarded client (thread-safe; made again in a forked child,
    whose parent's connections are not its own). Pass `timeout=` and `follow_redirects=`
    with each request."""
    global _client, _client_pid
    client = _client
    if client is not None and _client_pid == os.getpid():
        return client
    with _lock:
        if _client is None or _client_pid != os.getpid():
            _client, _client_pid = guarded_client(), os.getpid()
        return _client


def _after_fork() -> None:
    # Celery's prefork workers fork after import: the child drops the parent's client (its
    # sockets are the parent's connections) without closing it, and its lock, which
    # another thread may have held at the fork.
    global _client, _lock
    _client, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_after_fork)
