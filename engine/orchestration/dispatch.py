"""Where ready steps are sent. The orchestration only knows this interface; which
dispatcher is in use (in-process threads or Celery) is set when the app starts
(engine/apps.py), so the core imports neither."""

from __future__ import annotations

from typing import Protocol

from django.db import transaction


class Dispatcher(Protocol):
    def send(self, step_ids: list[int], *, together: bool = False) -> None:
        """One message per step; `together` (pure steps of one run, even one): one message
        for them all, whose receiver runs the first inline, reading what it needs in one
        locked query, and sends the others that are still queued (the first runs its
        siblings inline, so they are usually gone)."""


class Collecting:
    """Keeps what it is sent: for tests that drive steps one by one."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, step_ids: list[int], *, together: bool = False) -> None:
        self.sent.extend(step_ids)


_dispatcher: Dispatcher = Collecting()


def set_dispatcher(dispatcher: Dispatcher) -> None:
    global _dispatcher
    _dispatcher = dispatcher


def get_dispatcher() -> Dispatcher:
    return _dispatcher


def dispatch_after_commit(step_ids: list[int], *, together: bool = False) -> None:
    """Send after the transaction that created the steps commits, never inside it: a worker
    must never receive a step it cannot see yet."""
    if step_ids:
        ids = list(step_ids)
        transaction.on_commit(lambda: _dispatcher.send(ids, together=together))
