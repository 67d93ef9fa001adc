"""Production mode: each ready step is one Celery message on the engine's own queue. The
message only says "look at step N"; the database decides what happens. With tracing on
(core/tracing.py), it also carries its run's trace context (`trace`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.exceptions import OperationalError

from core import tracing
from engine.tasks import STEP_QUEUE, execute_step, execute_steps, fire_timer
from monitoring import metrics


@contextmanager
def _counted(operation: str) -> Iterator[None]:
    """A broker that cannot be reached is counted (stepwise_broker_errors_total), then raised:
    the step stays queued in the database and the tick sends it again."""
    try:
        yield
    except (OperationalError, OSError):
        metrics.broker_error(operation)
        raise


def _trace() -> dict[str, Any]:
    trace = tracing.carrier()
    return {} if trace is None else {"trace": trace}


class CeleryDispatcher:
    def __init__(self) -> None:
        # A process that `celery -A config` did not start (daphne, engine_tick, manage.py)
        # has only Celery's default app: it read CELERY_BROKER_URL from the environment but
        # none of the CELERY_* settings, so its messages went out without the transport
        # options (REDIS_KEY_PREFIX's key prefix: into a queue no worker reads).
        from celery import current_app

        if current_app.main == "default":
            current_app.config_from_object("django.conf:settings", namespace="CELERY")

    def send(self, step_ids: list[int], *, together: bool = False) -> None:
        with _counted("send"):
            self._send(step_ids, together=together)

    def _send(self, step_ids: list[int], *, together: bool) -> None:
        kwargs = _trace()
        if together:
            execute_steps.apply_async(args=(step_ids,), kwargs=kwargs, queue=STEP_QUEUE)
            return
        with execute_step.app.producer_or_acquire() as producer:  # one producer for them all
            for step_id in step_ids:
                execute_step.apply_async(args=(step_id,), kwargs=kwargs, queue=STEP_QUEUE, producer=producer)

    def send_later(self, step_ids: list[int], delay_s: float) -> None:
        # A worker holds the message until its time (Celery's countdown): the timer fires
        # within milliseconds of it, not at the tick's next pass.
        kwargs = _trace()
        with execute_step.app.producer_or_acquire() as producer:
            for step_id in step_ids:
                execute_step.apply_async(args=(step_id,), kwargs=kwargs, queue=STEP_QUEUE, countdown=delay_s, producer=producer)

    def fire_later(self, step_id: int, delay_s: float) -> None:
        fire_timer.apply_async(args=(step_id,), kwargs=_trace(), queue=STEP_QUEUE, countdown=delay_s)
