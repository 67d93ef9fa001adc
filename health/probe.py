"""Run the readiness checks side by side, each on a thread of its own, and answer within
the timeout whatever they do: a check still running then fails ("no answer within"), and
its thread is not started again until it returns, so a database that hangs every probe
holds at most one thread per check."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connections

from health.checks import Check, failed

_busy_lock = threading.Lock()
_busy: set[str] = set()


class _Running:
    def __init__(self, name: str, check: Callable[[float], Check], timeout_s: float) -> None:
        self.name = name
        self.result: Check | None = None
        self.thread = threading.Thread(target=self._run, args=(check, timeout_s), daemon=True, name=f"stepwise-readyz-{name}")

    def _run(self, check: Callable[[float], Check], timeout_s: float) -> None:
        try:
            self.result = check(timeout_s)
        except Exception as error:
            self.result = failed(error)
        finally:
            connections.close_all()  # this thread's own connections (the tick's ORM read)
            with _busy_lock:
                _busy.discard(self.name)


def run_checks(checks: dict[str, Callable[[float], Check]], timeout_s: float) -> dict[str, Check]:
    results: dict[str, Check] = {}
    running: list[_Running] = []
    for name, check in checks.items():
        with _busy_lock:
            if name in _busy:
                results[name] = Check(False, "the previous check has not returned yet")
                continue
            _busy.add(name)
        job = _Running(name, check, timeout_s)
        job.thread.start()
        running.append(job)
    deadline = time.monotonic() + timeout_s
    for job in running:
        job.thread.join(max(0.0, deadline - time.monotonic()))
        results[job.name] = job.result if job.result is not None else Check(False, f"no answer within {timeout_s:g} s")
    return {name: results[name] for name in checks}
