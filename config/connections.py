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
