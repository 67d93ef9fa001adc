"""Embedded mode: steps run on a thread pool inside the server process, and a tick thread
fires timers and recovers lost work. Same engine code as the Celery mode."""

from __future__ import annotations

import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

from engine.orchestration.execute import run_chain_retrying, run_together, worker_name
from engine.orchestration.tick import tick

logger = logging.getLogger(__name__)


class InProcessDispatcher:
    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or settings.STEPWISE_INPROCESS_WORKERS
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="stepwise-step")
            return self._pool

    def send(self, step_ids: list[int], *, together: bool = False) -> None:
        pool = self._executor()
        if together:
            pool.submit(self._run_together, step_ids)
            return
        for step_id in step_ids:
            pool.submit(self._run, step_id)

    @staticmethod
    def _run_together(step_ids: list[int]) -> None:
        try:
            run_together(step_ids, worker=worker_name())
        except Exception:
            logger.exception("steps %s failed in the in-process executor; the tick will retry them", step_ids)

    @staticmethod
    def _run(step_id: int) -> None:
        # Pool threads are few and long-lived: each keeps its connection between steps
        # (run_chain recycles it: dropped when broken or older than CONN_MAX_AGE).
        try:
            run_chain_retrying(step_id, worker=worker_name())
        except Exception:
            logger.exception("step %s failed in the in-process executor; the tick will retry it", step_id)

    def start_ticker(self, interval_s: float = 1.0) -> None:
        """Start the tick thread (once)."""
        with self._lock:
            if self._ticker is not None:
                return
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick_loop, args=(interval_s,), daemon=True, name="stepwise-tick")
            self._ticker.start()

    def _tick_loop(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                tick()
            except Exception:
                logger.exception("tick failed")
            finally:
                connections.close_all()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(5)
            self._ticker = None
        with self._lock:
            if self._pool is not None:
                self._close_connections(self._pool)
                self._pool.shutdown(wait=True)
                self._pool = None

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
