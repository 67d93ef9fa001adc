"""Failed sign-ins, counted per account and per address, and the lockout they lead to.

Every way in counts here: the sign-in page, the admin's, and API tokens (by address only: a
wrong key names no account). Past STEPWISE_SIGNIN_MAX_FAILURES failures of one account, or
STEPWISE_SIGNIN_MAX_FAILURES_PER_ADDRESS from one address, within STEPWISE_SIGNIN_WINDOW_S,
every attempt (the right password too, else guessing would go on) is refused for
STEPWISE_SIGNIN_LOCKOUT_S. The way back: time, staff (the admin or `manage.py
signin_unlock`), or, for an account, a password reset."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SignInThrottle, ThrottleKind
from core.client import client_address as core_client_address


def now() -> datetime:
    """The clock, one name for the tests to move."""
    return timezone.now()


@dataclass(frozen=True)
class Lockout:
    seconds: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.seconds / 60))
        return f"Too many failed sign-ins; try again in {minutes} minute{'' if minutes == 1 else 's'}."


def _network_key(address: str) -> str:
    """An address as counted: IPv4 as it is, IPv6 by its /64 (one host is given a whole
    /64 and could otherwise walk it)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:150] or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def client_address(request: HttpRequest) -> str:
    """The key an address is throttled by: the client's address (core.client: behind
    STEPWISE_TRUSTED_PROXIES trusted proxies, from the header they append to), an IPv6
    one by its /64."""
    return _network_key(core_client_address(request) or "")


def _username_key(username: str) -> str:
    return username.strip().lower()[:150]


def _limit(kind: str) -> int:
    if kind == ThrottleKind.ACCOUNT:
        return int(settings.STEPWISE_SIGNIN_MAX_FAILURES)
    return int(settings.STEPWISE_SIGNIN_MAX_FAILURES_PER_ADDRESS)


def _keys(*, username: str | None, address: str | None) -> list[tuple[str, str]]:
    keys = []
    if username:
        keys.append((ThrottleKind.ACCOUNT.value, _username_key(username)))
    if address:
        keys.append((ThrottleKind.ADDRESS.value, address))
    return keys


def lockout_find(*, username: str | None = None, address: str | None = None) -> Lockout | None:
    """The lockout in force for this account or this address (the longer one), if any."""
    keys = _keys(username=username, address=address)
    if not keys:
        return None
    at = now()
    either = Q()
    for kind, key in keys:
        either |= Q(kind=kind, key=key)
    until = SignInThrottle.objects.filter(either, locked_until__gt=at).aggregate(until=Max("locked_until"))["until"]
    if until is None:
        return None
    return Lockout(seconds=max(1, math.ceil((until - at).total_seconds())))


def failure_record(*, username: str | None = None, address: str | None = None) -> None:
    """Count one failed sign-in against the account and the address; lock either once it
    reaches its limit within the window."""
    at = now()
    window = timedelta(seconds=settings.STEPWISE_SIGNIN_WINDOW_S)
    lockout = timedelta(seconds=settings.STEPWISE_SIGNIN_LOCKOUT_S)
    for kind, key in _keys(username=username, address=address):
        with transaction.atomic():
            row, created = SignInThrottle.objects.select_for_update().get_or_create(
                kind=kind, key=key, defaults={"failures": 0, "window_started_at": at, "last_failure_at": at}
            )
            expired_lock = row.locked_until is not None and row.locked_until <= at
            if not created and (expired_lock or at - row.window_started_at > window):
                # A fresh start: the last lockout has run its course, or the window passed.
                row.failures, row.window_started_at, row.locked_until = 0, at, None
            row.failures += 1
            row.last_failure_at = at
            if row.failures >= _limit(kind) and row.locked_until is None:
                row.locked_until = at + lockout
            row.save()


def success_record(*, username: str) -> None:
    """A right password: the account's count starts again (the address's does not)."""
    SignInThrottle.objects.filter(kind=ThrottleKind.ACCOUNT, key=_username_key(username)).delete()


def unlock(*, username: str | None = None, address: str | None = None) -> int:
    """Lift the lockout and forget the failures of an account or an address (staff, or a
    password reset). Returns how many rows went."""
    removed = 0
    for kind, key in _keys(username=username, address=_network_key(address) if address else None):
        removed += SignInThrottle.objects.filter(kind=kind, key=key).delete()[0]
    return removed
