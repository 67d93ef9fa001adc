"""Timers that fire on time: a retry's backoff, a wait, an approval's timeout. When one is
armed (and, for a long one, when the tick sees it come near) the dispatcher is asked to
deliver it at its time, so it fires within milliseconds of it in both modes; the tick
still fires any that is due, as the safety net for a delivery that was lost.

Both deliveries are safe to repeat and safe to arrive early: a step is claimed only once
due (a conditional update), a waiting step's timer is fired only once, under its row lock,
and one that arrives early is armed again for the time left."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.logging import bound, get_logger
from core.lru import LRU
from engine.orchestration.advance import advance
from engine.orchestration.dispatch import dispatch_after_commit, get_dispatcher
from engine.orchestration.pinned import graph_for
from engine.store import recovery
from engine.store.models import StepRun
from engine.store.reads import run_locked_or_none
from engine.store.statuses import StepStatus
from engine.store.writes import step_transition
from monitoring import metrics

S = StepStatus
logger = get_logger(__name__)


def _delay_s(due: datetime, now: datetime | None = None) -> float:
    return max((due - (now or timezone.now())).total_seconds(), 0.0)


def arm_after_commit(step_id: int, due: datetime, *, waiting: bool) -> None:
    """Once this transaction commits, have the step delivered at `due`: claimed (a queued
    step's retry) or its timer fired (`waiting`: a wait, an approval's timeout). A timer
    beyond the horizon is left to the tick, which arms it when it comes near."""
    if _delay_s(due) > settings.STEPWISE_TIMER_HORIZON_S:
        return
    transaction.on_commit(lambda: arm(step_id, due, waiting=waiting), robust=True)


def arm(step_id: int, due: datetime, *, waiting: bool) -> None:
    dispatcher = get_dispatcher()
    if waiting:
        dispatcher.fire_later(step_id, _delay_s(due))
    else:
        dispatcher.send_later([step_id], _delay_s(due))


class _Armed:
    """What this process's tick has armed already, by step: the time it was armed for
    (the most recent 10,000)."""

    def __init__(self) -> None:
        self._seen: LRU[int, datetime] = LRU(10_000)

    def first_time(self, step_id: int, due: datetime) -> bool:
        if self._seen.get(step_id) == due:
            return False
        self._seen.put(step_id, due)
        return True


_armed = _Armed()


def arm_coming(now: datetime, within_s: float, limit: int) -> int:
    """The tick's look-ahead: arm the timers due within `within_s` (long ones, and any
    whose delivery was lost), each once per process. How many were armed."""
    until = now + timedelta(seconds=within_s)
    armed = 0
    for step_id, status, due in recovery.timers_coming(now, until, limit):
        if _armed.first_time(step_id, due):
            try:
                arm(step_id, due, waiting=status == S.WAITING)
            except Exception:  # the broker is away: the tick fires it when due
                metrics.broker_error("arm_timer")
                logger.warning("arming the timer failed", step_id=step_id, exc_info=True)
                continue
            armed += 1
    return armed


def timer_fire(step_id: int) -> bool:
    """Fire a waiting step's timer if it is due, under the step's row lock (another process
    holding it is skipped), and advance its run; one that is early is armed again. Whether
    it fired here."""
    run_id = recovery.waiting_run_id(step_id)
    if run_id is None:
        return False
    with bound(run_id=run_id, step_id=step_id), transaction.atomic():
        # The run's row first, then the step's: the order of every writer that holds the
        # run (a cancel, an advance), so that the two never wait for each other.
        run_locked_or_none(run_id)
        step = recovery.waiting_locked(step_id)
        if step is None or step.not_before is None:
            return False
        now = timezone.now()
        if step.not_before > now:
            arm_after_commit(step.pk, step.not_before, waiting=True)
            return False
        metrics.timer_due()
        if not _fire(step):
            return False
        metrics.timer_fired((now - step.not_before).total_seconds())
        dispatch_after_commit(advance(step.run_id))
        return True


def _fire(step: StepRun) -> bool:
    """The step's timer came: it becomes what its node type says (TimerFired)."""
    graph = graph_for(step.run)
    cls = graph.types.get(step.node_id)
    if cls is None:
        return False
    fired = cls.timer_fired(graph.config(step.node_id))
    if fired.error is not None:
        error = fired.error
        return step_transition(step.pk, (S.WAITING,), S.FAILED, error=error, ports=[], not_before=None, data={"error": error})
    fields = {} if fired.output is None else {"output": fired.output}
    data = {"timeout": True} if cls.waits_for_person else None
    return step_transition(step.pk, (S.WAITING,), S.SUCCEEDED, ports=list(fired.ports), not_before=None, data=data, **fields)
