"""Every Prometheus series Stepwise exports, defined once, and the small functions the code
that records an outcome calls (docs/operations-metrics.md lists them with their labels).

Multiprocess-safe: the values live in prometheus-client's per-process files under
PROMETHEUS_MULTIPROC_DIR (config/settings/metrics.py chooses it), which /metrics sums over
the web processes, the Celery workers' pool processes and the tick.

What a transaction records (a run started, a step finished) is counted once it commits
(Django's on_commit; at once outside a transaction): a rolled-back attempt counts nothing.
Nothing here reads the database; each call costs a few microseconds (a locked write into
a memory-mapped file). Labels take bounded values only: node types, statuses, triggers,
route templates, never an id or a raw path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import perf_counter
from typing import Any

from django.db import transaction
from prometheus_client import Counter, Gauge, Histogram

# Seconds: from a few milliseconds (an inline step) to the longest a step may run.
_DURATION = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)
# Seconds a step or a timer waited: a chained step's claim takes a millisecond, a queue behind busy workers minutes.
_WAIT = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
_HTTP = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

RUNS_STARTED = Counter("stepwise_runs_started", "Runs that started (queued -> running), by what started them.", ["trigger"])
RUNS_FINISHED = Counter("stepwise_runs_finished", "Runs that ended, by their final status and what started them.", ["status", "trigger"])
STEPS_FINISHED = Counter(
    "stepwise_steps_finished",
    "Steps the engine executed whose attempt settled, by node type and the status it settled in "
    "(succeeded, failed, waiting, interrupted, cancelled); attempts queued again are stepwise_step_retries_total.",
    ["node_type", "outcome"],
)
STEP_DURATION = Histogram(
    "stepwise_step_duration_seconds", "How long a step's attempt ran, claim to result.", ["node_type"], buckets=_DURATION
)
QUEUE_WAIT = Histogram(
    "stepwise_step_queue_wait_seconds", "From a step's becoming ready (or its timer due) to a worker's claim.", buckets=_WAIT
)
RETRIES = Counter("stepwise_step_retries", "Failed attempts queued again after their backoff, by node type.", ["node_type"])
LEASE_RECLAIMS = Counter(
    "stepwise_lease_reclaims",
    "Running steps whose worker stopped renewing the lease: queued again (reclaimed) or interrupted (at most once).",
    ["result"],
)
RECORDS_RELOCKED = Counter(
    "stepwise_step_records_relocked",
    "Chained steps whose unlocked record found their run changed (or needing more statements): recorded under the run's lock.",
)
TIMERS_DUE = Counter("stepwise_timers_due", "Waiting steps' timers (waits, approval timeouts) delivered when due.")
TIMERS_FIRED = Counter("stepwise_timers_fired", "Waiting steps' timers that fired (the step moved on).")
TIMER_LAG = Histogram("stepwise_timer_lag_seconds", "How late a timer fired after its due time.", buckets=_WAIT)
TICK_DURATION = Histogram("stepwise_tick_duration_seconds", "One pass of the tick: due schedules and the recovery jobs.", buckets=_DURATION)
WEBHOOK_CALLS = Counter(
    "stepwise_webhook_calls", "Calls of /hooks/<token>, by result: accepted, duplicate, or the refusal's HTTP status.", ["result"]
)
WEBSOCKETS = Gauge(
    "stepwise_websocket_connections", "Open websocket connections, by stream (run, workflow).", ["stream"], multiprocess_mode="livesum"
)
BROKER_ERRORS = Counter("stepwise_broker_errors", "Broker or channel layer errors the engine caught, by operation.", ["operation"])
DATABASE_ERRORS = Counter("stepwise_database_errors", "Database errors the engine caught and recovered from, by where.", ["where"])
HTTP_REQUESTS = Counter("stepwise_http_requests", "HTTP requests, by method, route template and status.", ["method", "route", "status"])
HTTP_DURATION = Histogram(
    "stepwise_http_request_duration_seconds", "HTTP request latency, by method and route template.", ["method", "route"], buckets=_HTTP
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _committed(record: Callable[[], None]) -> None:
    transaction.on_commit(record, robust=True)


def run_started(trigger: str) -> None:
    _committed(RUNS_STARTED.labels(trigger).inc)


def run_finished(status: str, trigger: str) -> None:
    _committed(RUNS_FINISHED.labels(status, trigger).inc)


# The hot path's labelled children, by (node type, outcome): found once per process, not per step.
_step_series: dict[tuple[str, str], tuple[Any, Any]] = {}


def step_finished(node_type: str, outcome: str, seconds: float | None) -> None:
    """One attempt of a step executed (by a worker, or inline) ended in `outcome`."""
    key = (node_type, str(outcome))
    series = _step_series.get(key)
    if series is None:
        series = _step_series[key] = (STEPS_FINISHED.labels(*key), STEP_DURATION.labels(node_type))
    finished, duration = series

    def record() -> None:
        finished.inc()
        if seconds is not None:
            duration.observe(max(seconds, 0.0))

    _committed(record)


def step_retried(node_type: str) -> None:
    _committed(RETRIES.labels(node_type).inc)


def step_claimed(waited_s: float) -> None:
    """A worker claimed a step that had waited `waited_s` since it was ready (or due)."""
    QUEUE_WAIT.observe(max(waited_s, 0.0))


def lease_reclaimed(result: str) -> None:
    _committed(LEASE_RECLAIMS.labels(result).inc)


def record_relocked() -> None:
    RECORDS_RELOCKED.inc()


def timer_due() -> None:
    TIMERS_DUE.inc()


def timer_fired(lag_s: float) -> None:
    def record() -> None:
        TIMERS_FIRED.inc()
        TIMER_LAG.observe(max(lag_s, 0.0))

    _committed(record)


@contextmanager
def tick_timed() -> Iterator[None]:
    started = perf_counter()
    try:
        yield
    finally:
        TICK_DURATION.observe(perf_counter() - started)


def webhook_call(result: str) -> None:
    WEBHOOK_CALLS.labels(result).inc()


def websocket_opened(stream: str) -> None:
    WEBSOCKETS.labels(stream).inc()


def websocket_closed(stream: str) -> None:
    WEBSOCKETS.labels(stream).dec()


def broker_error(operation: str) -> None:
    BROKER_ERRORS.labels(operation).inc()


def database_error(where: str) -> None:
    DATABASE_ERRORS.labels(where).inc()


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "other"  # a client chooses the method: bounded here
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)
