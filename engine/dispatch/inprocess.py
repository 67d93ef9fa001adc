"""Embedded mode: steps run on a thread pool inside the server process, and a tick thread
fires timers and recovers lost work. Same engine code as the Celery mode. What a Celery
message carries besides the step, its run's trace context (core/tracing.py), goes along
with each call here."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

from core import tracing
from core.logging import get_logger
from engine.orchestration.chains import run_chain_retrying, run_together, worker_name
from engine.orchestration.evaluation import warm_evaluators
from engine.orchestration.timers import timer_fire
from health import heartbeat

logger = get_logger(__name__)


class _Timers:
    """Calls to make at a time: one thread sleeping until the earliest (a heap), handing
    each to the pool when it is due."""

    def __init__(self, submit: Callable[[Callable[[], None]], None]) -> None:
        self._submit = submit
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._count = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def at(self, delay_s: float, call: Callable[[], None]) -> None:
        with self._cond:
            self._stopped = False
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._count), call))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True, name="stepwise-timers")
                self._thread.start()
            self._cond.notify()

    def _loop(self) -> None:
        with self._cond:
            while not self._stopped:
                if not self._heap:
                    self._cond.wait()
                    continue
                due = self._heap[0][0] - time.monotonic()
                if due > 0:
                    self._cond.wait(due)
                    continue
                _, _, call = heapq.heappop(self._heap)
                try:
                    self._submit(call)
                except RuntimeError:  # the pool is shutting down: the tick fires what is due
                    logger.warning("a timer could not be handed to the stopped pool")
            self._thread = None

    def stop(self) -> None:
        """Forget what is armed (the tick fires what is due after a restart) and end the thread."""
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify()


class InProcessDispatcher:
    """`tick`: one pass of the engine's periodic work (engine.clock.tick), which the tick
    thread calls; the app wires it in (engine.apps), so dispatch imports no trigger."""

    def __init__(self, workers: int | None = None, *, tick: Callable[[], object] | None = None) -> None:
        self._workers = workers or settings.STEPWISE_INPROCESS_WORKERS
        self._tick = tick
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._timers = _Timers(self._submit)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="stepwise-step")
            return self._pool

    def send(self, step_ids: list[int], *, together: bool = False) -> None:
        pool = self._executor()
        trace = tracing.carrier()
        if together:
            pool.submit(self._run_together, step_ids, trace)
            return
        for step_id in step_ids:
            pool.submit(self._run, step_id, trace)

    def _submit(self, call: Callable[[], None]) -> None:
        self._executor().submit(call)

    def send_later(self, step_ids: list[int], delay_s: float) -> None:
        trace = tracing.carrier()
        self._timers.at(delay_s, lambda: self._send_traced(step_ids, trace))

    def _send_traced(self, step_ids: list[int], trace: dict[str, str] | None) -> None:
        with tracing.run_context(trace):
            self.send(step_ids)

    def fire_later(self, step_id: int, delay_s: float) -> None:
        trace = tracing.carrier()
        self._timers.at(delay_s, lambda: self._fire(step_id, trace))

    @staticmethod
    def _fire(step_id: int, trace: dict[str, str] | None = None) -> None:
        try:
            with tracing.run_context(trace):
                timer_fire(step_id)
        except Exception:
            logger.exception("the timer failed in the in-process executor; the tick will fire it", step_id=step_id)

    @staticmethod
    def _run_together(step_ids: list[int], trace: dict[str, str] | None = None) -> None:
        try:
            with tracing.run_context(trace):
                run_together(step_ids, worker=worker_name())
        except Exception:
            logger.exception("steps failed in the in-process executor; the tick will retry them", step_ids=step_ids)

    @staticmethod
    def _run(step_id: int, trace: dict[str, str] | None = None) -> None:
        # Pool threads are few and long-lived: each keeps its connection between steps
        # (run_chain recycles it: dropped when broken or older than CONN_MAX_AGE).
        try:
            with tracing.run_context(trace):
                run_chain_retrying(step_id, worker=worker_name())
        except Exception:
            logger.exception("step failed in the in-process executor; the tick will retry it", step_id=step_id)

    def start_ticker(self, interval_s: float = 1.0) -> None:
        """Start the tick thread (once)."""
        if self._tick is None:
            raise RuntimeError("This dispatcher was made without a tick (InProcessDispatcher(tick=engine.clock.tick)).")
        with self._lock:
            if self._ticker is not None:
                return
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick_loop, args=(interval_s,), daemon=True, name="stepwise-tick")
            heartbeat.local_started(heartbeat.TICK, interval_s)  # readiness expects its beats from now on
            self._ticker.start()
        warm_evaluators()  # the server's expression evaluators, before the first step needs one

    def _tick_loop(self, interval_s: float) -> None:
        assert self._tick is not None
        while not self._stop.wait(interval_s):
            try:
                self._tick()
                heartbeat.local_beat(heartbeat.TICK)
            except Exception:
                logger.exception("tick failed")
            finally:
                connections.close_all()

    def stop(self) -> None:
        self._stop.set()
        self._timers.stop()
        if self._ticker is not None:
            heartbeat.local_stopped(heartbeat.TICK)
            self._ticker.join(5)
            self._ticker = None
        # The pool is taken out under the lock but shut down outside it: a step finishing
        # meanwhile sends its successors (send -> _executor takes the lock), and waiting for
        # that thread while holding the lock was a deadlock. Such a send, once the pool is
        # out, starts a pool of its own, shut down here too.
        while True:
            with self._lock:
                pool, self._pool = self._pool, None
            if pool is None:
                return
            self._close_connections(pool)
            pool.shutdown(wait=True)

    def _close_connections(self, pool: ThreadPoolExecutor) -> None:
        """Each pool thread closes the connection it kept (a database being dropped, a
        test's, must have none left open): one task per thread, held at a barrier until
        all of them run, so no thread takes two."""
        barrier = threading.Barrier(self._workers, timeout=5)

        def close() -> None:
            connections.close_all()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

        for future in [pool.submit(close) for _ in range(self._workers)]:
            future.result(timeout=10)
