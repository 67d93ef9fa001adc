"""Production mode: each ready step is one Celery message on the engine's own queue. The
message only says "look at step N"; the database decides what happens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kombu.exceptions import OperationalError

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


class CeleryDispatcher:
    def send(self, step_ids: list[int], *, together: bool = False) -> None:
        with _counted("send"):
            self._send(step_ids, together=together)

    def _send(self, step_ids: list[int], *, together: bool) -> None:
        if together:
            execute_steps.apply_async(args=(step_ids,), queue=STEP_QUEUE)
            return
        with execute_step.app.producer_or_acquire() as producer:  # one producer for them all
            for step_id in step_ids:
                execute_step.apply_async(args=(step_id,), queue=STEP_QUEUE, producer=producer)

    def send_later(self, step_ids: list[int], delay_s: float) -> None:
        # A worker holds the message until its time (Celery's countdown): the timer fires
        # within milliseconds of it, not at the tick's next pass.
        with execute_step.app.producer_or_acquire() as producer:
            for step_id in step_ids:
                execute_step.apply_async(args=(step_id,), queue=STEP_QUEUE, countdown=delay_s, producer=producer)

    def fire_later(self, step_id: int, delay_s: float) -> None:
        fire_timer.apply_async(args=(step_id,), queue=STEP_QUEUE, countdown=delay_s)
