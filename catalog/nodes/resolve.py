"""Name resolution for the guarded HTTP client (catalog.nodes.net), within the time the
request has left: a resolver that never answers ends the request by its deadline, as a
connect that never completes does.

- An address literal (any spelling getaddrinfo reads without the network: `127.1`,
  `0x7f000001`, `::1`) is used as it is.
- With STEPWISE_HTTP_NAMESERVERS (`host`, `host:port` or `[v6]:port`, in order), names are
  asked of those servers over DNS (dnspython: A, then AAAA), each query's lifetime the
  time left; when it is over the sockets are closed and nothing is left behind.
- Without it, the system's resolver (getaddrinfo: /etc/hosts, nsswitch, resolv.conf),
  which takes no timeout, runs on a thread of a small pool and is waited for until the
  time is up; a lookup that hangs keeps its pool thread until the system's own timeouts
  end it (resolv.conf's `timeout` and `attempts`), never the request."""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver
import httpcore
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Threads for the system resolver: lookups past these wait in line, within their own time.
SYSTEM_RESOLVER_THREADS = 8


def _numeric(host: str, port: int) -> list[IPAddress] | None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        return None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def nameserver(spec: str) -> tuple[str, int]:
    """`host`, `host:port`, `[v6]` or `[v6]:port` as (address, port); port 53 by default."""
    spec = spec.strip()
    if spec.startswith("["):
        address, _, rest = spec[1:].partition("]")
        return address, int(rest.removeprefix(":") or 53)
    if spec.count(":") == 1:
        address, _, port = spec.partition(":")
        return address, int(port)
    return spec, 53


@functools.lru_cache(maxsize=8)
def _resolver(specs: tuple[str, ...]) -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver(*nameserver(spec)) for spec in specs]
    return resolver


def _left(until: float, host: str) -> float:
    left = until - time.monotonic()
    if left <= 0:
        raise httpcore.ConnectTimeout(f"No answer resolving {host} within the request's time.")
    return left


def _by_dns(host: str, specs: tuple[str, ...], until: float) -> list[IPAddress]:
    resolver = _resolver(specs)
    found: list[IPAddress] = []
    failure = ""
    for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        try:
            answer = resolver.resolve(host, rdtype, lifetime=_left(until, host), search=False, raise_on_no_answer=False)
        except dns.exception.Timeout:
            raise httpcore.ConnectTimeout(f"No answer resolving {host} within the request's time.") from None
        except dns.resolver.NXDOMAIN:
            raise httpcore.ConnectError(f"Cannot resolve {host}: no such name.") from None
        except dns.exception.DNSException as exc:
            failure = str(exc)
            continue
        found += [ipaddress.ip_address(record.address) for record in answer]
    if not found:
        raise httpcore.ConnectError(f"Cannot resolve {host}: {failure or 'no address'}.")
    return found


_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _system_pool() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(SYSTEM_RESOLVER_THREADS, thread_name_prefix="stepwise-resolve")
        return _pool


def _after_fork() -> None:
    # A forked child (a Celery worker) has none of the parent's threads: a pool of its own.
    global _pool, _lock
    _pool, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def _addresses_of(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def _by_system(host: str, port: int, until: float) -> list[IPAddress]:
    lookup: Future[list[IPAddress]] = _system_pool().submit(_addresses_of, host, port)
    try:
        return lookup.result(timeout=_left(until, host))
    except FutureTimeout:
        lookup.cancel()  # still in line: it never runs
        raise httpcore.ConnectTimeout(f"No answer resolving {host} within the request's time.") from None
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"Cannot resolve {host}: {exc}") from None


def resolve(host: str, port: int, timeout_s: float | None) -> list[IPAddress]:
    """The addresses of `host`, in the order to try them, within `timeout_s` (None: the
    system resolver's own time); httpcore's ConnectTimeout past it, ConnectError when
    the name has no address."""
    numeric = _numeric(host, port)
    if numeric is not None:
        return numeric
    until = time.monotonic() + (timeout_s if timeout_s is not None else 3600.0)
    specs = tuple(str(spec) for spec in getattr(settings, "STEPWISE_HTTP_NAMESERVERS", ()))
    if specs:
        return _by_dns(host, specs, until)
    return _by_system(host, port, until)
