"""One pass of the engine's periodic work, the tick: the schedules that are due fire (the
triggers' job), then every recovery job of the orchestration. The `engine_tick` command
loops over it; the embedded mode's tick thread calls it (engine.apps wires it in)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from core.logging import bound, get_logger
from engine.orchestration.recovery import recover
from engine.triggers.schedules import schedules_fire
from monitoring import metrics

logger = get_logger(__name__)


def tick(now: datetime | None = None, *, limit: int = 500, schedule_now: datetime | None = None) -> dict[str, int]:
    """One pass. `schedule_now` is the clock the schedules read (a simulation's, in tests);
    the rest of the engine's timers always read `now`."""
    with metrics.tick_timed():
        now = now or timezone.now()
        scheduled = 0
        try:
            with bound(job="schedules_fire"):
                scheduled = schedules_fire(schedule_now or now)
        except Exception:  # a broken schedule must not stop timers and lease recovery
            logger.exception("firing schedules failed")
        return {"scheduled": scheduled, **recover(now, limit=limit)}
