"""Leases kept alive while a worker runs a step (a heartbeat), so a lease can be short
whatever the step's timeout and a dead worker's step is taken back within seconds.

A worker process holds the leases of the steps it runs; one thread of that process renews
them all every third of the lease, in one UPDATE, fenced by each lease's token (a lease
reclaimed meanwhile is not renewed). A step that runs past its timeout and grace is no
longer renewed: a stuck worker loses it like a dead one. Renewing writes no event: a
lease is not a state the planner reads (see engine.store.reads.run_lock_states)."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone

from core.logging import get_logger
from engine.store.marks import leases_renew
from monitoring import metrics

logger = get_logger(__name__)


def lease_s() -> float:
    """How long a lease lasts without a renewal."""
    return float(settings.STEPWISE_LEASE_S)


class Heartbeat:
    def __init__(self) -> None:
        self._held: dict[int, tuple[str, float]] = {}  # step id -> (token, renew until, monotonic)
        self._lock = threading.Lock()
        self._pid = 0
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._next_beat = 0.0  # when the thread renews next (monotonic)

    def hold(self, step_id: int, token: str, max_s: float) -> None:
        """This process runs the step under `token`: renew its lease for at most `max_s`."""
        with self._lock:
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                if self._pid != os.getpid():  # a new process (a forked worker child): nothing held yet
                    self._held = {}
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._loop, daemon=True, name="stepwise-heartbeat")
                self._thread.start()
            self._held[step_id] = (token, time.monotonic() + max_s)
            if self._next_beat > time.monotonic() + lease_s() / 3:
                self._wake.set()  # the lease got shorter than the thread's sleep (settings changed)

    def release(self, step_id: int, token: str) -> None:
        """This process no longer runs the step under `token` (a thread that took the step
        back under a new token keeps its own renewal)."""
        with self._lock:
            if self._held.get(step_id, ("", 0.0))[0] == token:
                del self._held[step_id]

    def held(self) -> dict[int, str]:
        with self._lock:
            now = time.monotonic()
            return {step_id: token for step_id, (token, until) in self._held.items() if until > now}

    def _loop(self) -> None:
        pid = self._pid
        while self._pid == pid:
            interval = max(lease_s() / 3, 0.05)
            self._next_beat = time.monotonic() + interval
            self._wake.wait(interval)
            self._wake.clear()
            try:
                self.renew()
            except Exception:  # a database hiccup: the next beat tries again, before the lease ends
                metrics.database_error("heartbeat")
                logger.warning("renewing step leases failed", exc_info=True)
                connections.close_all()

    def renew(self) -> int:
        """Extend the lease of every step this process still runs; how many were renewed."""
        held = self.held()
        if not held:
            return 0
        return leases_renew(held, timezone.now() + timedelta(seconds=lease_s()))


heartbeat = Heartbeat()
