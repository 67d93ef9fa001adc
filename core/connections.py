"""Closing this thread's database connections. Under ASGI each HTTP request runs its sync
code on a thread of its own, and a persistent connection opened there outlives the thread
until garbage collection: under load PostgreSQL ran out of clients (found by
bench/webhooks.py). Websocket consumers share one thread and keep a persistent one."""

from __future__ import annotations

from django.db import connections


def close_thread_connections(**_: object) -> None:
    """Close what this thread opened; a connection inside a transaction (a test's) stays."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


_FRESH_S = 5.0
_last_used: dict[int, float] = {}


def recycle_worker_connections() -> None:
    """End of one unit of work in a long-lived worker thread (a step message): close the
    connections that errored or outlived CONN_MAX_AGE (close_old_connections), and note
    when the others were last used."""
    import threading
    import time

    from django.db import close_old_connections

    close_old_connections()
    _last_used[threading.get_ident()] = time.monotonic()


def trust_fresh_connections() -> None:
    """Start of a unit of work: a connection this thread used without error less than
    5 s ago skips its health check (a round trip per step message); an older one is
    checked as usual. A connection that broke meanwhile fails the first query: the unit
    is retried on a new connection (engine.tasks)."""
    import threading
    import time

    if time.monotonic() - _last_used.get(threading.get_ident(), float("-inf")) > _FRESH_S:
        return
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.errors_occurred:
            # Django sets this attribute in BaseDatabaseWrapper.__init__; django-stubs omits it.
            connection.health_check_done = True  # type: ignore[attr-defined]
