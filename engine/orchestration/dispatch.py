"""Where ready steps are sent. The orchestration only knows this interface; which
dispatcher is in use (in-process threads or Celery) is set when the app starts
(engine/apps.py), so the core imports neither."""

from __future__ import annotations

from typing import Protocol

from django.db import transaction

from core import tracing


class Dispatcher(Protocol):
    def send(self, step_ids: list[int], *, together: bool = False) -> None:
        """One message per step; `together` (pure steps of one run, even one): one message
        for them all, whose receiver runs the first inline, reading what it needs in one
        locked query, and sends the others that are still queued (the first runs its
        siblings inline, so they are usually gone)."""

    def send_later(self, step_ids: list[int], delay_s: float) -> None:
        """One message per step, delivered in `delay_s` (a retry's backoff)."""

    def fire_later(self, step_id: int, delay_s: float) -> None:
        """Fire a waiting step's timer in `delay_s` (engine.orchestration.timers.timer_fire)."""


class Collecting:
    """Keeps what it is sent: for tests that drive steps one by one (`later`: what was
    asked for later, as (kind, step id, delay))."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.later: list[tuple[str, int, float]] = []

    def send(self, step_ids: list[int], *, together: bool = False) -> None:
        self.sent.extend(step_ids)

    def send_later(self, step_ids: list[int], delay_s: float) -> None:
        self.later.extend(("step", step_id, delay_s) for step_id in step_ids)

    def fire_later(self, step_id: int, delay_s: float) -> None:
        self.later.append(("timer", step_id, delay_s))


class NotReady:
    """The dispatcher until the app sets one (engine.apps): refuses every step, loudly,
    rather than losing it."""

    def _refuse(self, *_: object, **__: object) -> None:
        raise RuntimeError("No dispatcher is set: the engine app is not ready (engine.apps.EngineConfig.ready sets it).")

    send = send_later = fire_later = _refuse


_dispatcher: Dispatcher = NotReady()


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
        trace = tracing.carrier()  # the run's trace context, for their messages (core/tracing.py)
        transaction.on_commit(lambda: _send(ids, together, trace))


def _send(step_ids: list[int], together: bool, trace: dict[str, str] | None) -> None:
    with tracing.run_context(trace):
        _dispatcher.send(step_ids, together=together)
