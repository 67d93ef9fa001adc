"""The threads guarded node types run in (NodeType.guarded), so that a step's timeout holds
even when the library it calls enforces none: the step waits for its call at most its
timeout, and a call past it keeps its thread until it returns, apart from the step.

Threads are reused: a call takes an idle one or starts one, and one whose call ended goes
back to the idle ones (up to MAX_IDLE). Starting a thread for every HTTP step cost about as
much as the request itself on a kept-alive connection."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from django.db import close_old_connections

MAX_IDLE = 32


class _Guard(threading.Thread):
    def __init__(self, pool: GuardPool) -> None:
        super().__init__(daemon=True, name="stepwise-guard")
        self.calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._pool = pool

    def run(self) -> None:
        while True:
            call = self.calls.get()
            try:
                call()
            finally:
                close_old_connections()
            if not self._pool.idle(self):
                return


class GuardPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Guard] = []
        self._pid = os.getpid()

    def call[T](self, work: Callable[[], T], timeout_s: float) -> T:
        """`work()` on a guard thread; TimeoutError when it takes over `timeout_s` (it goes
        on, alone, until it returns)."""
        future: Future[T] = Future()

        def call() -> None:
            try:
                future.set_result(work())
            except BaseException as exc:  # handed to the waiting caller
                future.set_exception(exc)

        self._guard().calls.put(call)
        return future.result(timeout=timeout_s)

    def _guard(self) -> _Guard:
        with self._lock:
            if self._pid != os.getpid():  # a forked child (a Celery worker): no thread came along
                self._idle, self._pid = [], os.getpid()
            if self._idle:
                return self._idle.pop()
        guard = _Guard(self)
        guard.start()
        return guard

    def idle(self, guard: _Guard) -> bool:
        """A guard whose call ended: kept for the next call, or (enough are idle) let go."""
        with self._lock:
            if self._pid == os.getpid() and len(self._idle) < MAX_IDLE:
                self._idle.append(guard)
                return True
            return False


guards = GuardPool()
