"""Outbound network policy for nodes that call out (SSRF guard).

The check runs where the TCP connection is opened: the name is resolved here, each address
is checked, and the socket connects to a checked address. So a redirect hop, a DNS name
that resolves to 127.0.0.1, or a decimal/hex spelling of loopback is refused like the
literal address. Only globally routable addresses are allowed, plus the networks in
STEPWISE_HTTP_ALLOWED_NETWORKS (for tests and internal services the owner trusts)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(Exception):
    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"Refused to connect to {host} ({address}): private, loopback, link-local and metadata addresses are blocked.")
        self.host = host
        self.address = address


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "STEPWISE_HTTP_ALLOWED_NETWORKS", [])]


def is_allowed(address: IPAddress, allow: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allow):
        return True
    return address.is_global and not address.is_multicast


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
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"Cannot resolve {host}: {exc}") from None
        blocked = None
        for _family, _type, _proto, _name, sockaddr in infos:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            if not is_allowed(address, allow):
                blocked = BlockedAddress(host, str(address))
                continue
            return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
        raise blocked or httpcore.ConnectError(f"No address for {host}")


def guarded_client(*, timeout: float, follow_redirects: bool) -> httpx.Client:
    transport = httpx.HTTPTransport()
    # httpx builds its pool without a way to pass a network backend: swap in one that is guarded.
    transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=GuardedBackend())
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=follow_redirects, max_redirects=10)
