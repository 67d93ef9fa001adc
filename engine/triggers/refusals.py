"""The calls a signed hook could not verify, counted on their own: per hook and address,
and per hook from every address, in one-minute windows. Past either cap an unverified call
is answered 429 instead of 401, so a flood of bad signatures is told to back off, and the
count costs no database write (the sender's budget, `rate_limit_per_minute`, counts
verified calls only, in the hook's row). Every call is still verified first: a correctly
signed one gets through whatever the flood, from any address.

The counts live in this process's memory, bounded (the least recently counted key goes
first): with several web processes each counts its own calls, so the caps hold per process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from django.conf import settings

MAX_KEYS = 10_000


class WindowCounts:
    """Counts by key within the current minute, thread-safe and bounded."""

    def __init__(self, size: int = MAX_KEYS) -> None:
        self._size = size
        self._counts: OrderedDict[tuple[object, ...], int] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: tuple[object, ...]) -> int:
        """Count one more under `key` (its window is part of it) and return the count."""
        with self._lock:
            count = self._counts.pop(key, 0) + 1
            self._counts[key] = count
            while len(self._counts) > self._size:
                self._counts.popitem(last=False)
            return count

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


unverified = WindowCounts()


def unverified_over_cap(endpoint_id: int, address: str, now: datetime) -> bool:
    """Count an unverified call to the hook from `address`; whether it is past
    STEPWISE_WEBHOOK_UNVERIFIED_PER_ADDRESS (this hook, this address, this minute) or
    STEPWISE_WEBHOOK_UNVERIFIED_PER_HOOK (this hook, any address, this minute)."""
    window = now.replace(second=0, microsecond=0)
    from_address = unverified.add(("address", endpoint_id, address, window))
    from_anywhere = unverified.add(("hook", endpoint_id, window))
    return bool(
        from_address > settings.STEPWISE_WEBHOOK_UNVERIFIED_PER_ADDRESS or from_anywhere > settings.STEPWISE_WEBHOOK_UNVERIFIED_PER_HOOK
    )
