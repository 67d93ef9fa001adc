"""Where a request came from: the client's address and its user agent, as the audit log
(and anything else that counts per address) records them."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Protocol

from django.conf import settings

USER_AGENT_CHARS = 256


class HasMeta(Protocol):
    """A Django HttpRequest, or DRF's Request around one."""

    @property
    def META(self) -> Mapping[str, Any]: ...


def _address(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HasMeta) -> str | None:
    """The client's IP address. X-Forwarded-For (or the header STEPWISE_CLIENT_IP_HEADER
    names) is anyone's to write, so it is read only when STEPWISE_TRUSTED_PROXIES says how
    many proxies in front of the server append to it: the address the outermost of them
    saw is that many entries from the right (what the client itself put further left is
    ignored). Without a trusted proxy, or when the
    header is missing or unreadable, the peer's address (REMOTE_ADDR); None when there is
    no valid one (a test request)."""
    meta = request.META
    peer = _address(meta.get("REMOTE_ADDR"))
    proxies = int(settings.STEPWISE_TRUSTED_PROXIES)
    header = str(getattr(settings, "STEPWISE_CLIENT_IP_HEADER", "X-Forwarded-For"))
    forwarded = meta.get("HTTP_" + header.upper().replace("-", "_"))
    if proxies <= 0 or not isinstance(forwarded, str) or not forwarded.strip():
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return peer
    # Fewer hops than proxies: every entry was written by a trusted proxy; the first is the client.
    return _address(hops[-min(proxies, len(hops))]) or peer


def user_agent(request: HasMeta) -> str:
    value = request.META.get("HTTP_USER_AGENT", "")
    return value[:USER_AGENT_CHARS] if isinstance(value, str) else ""
