"""Cron schedules: the slots of a cron expression in a time zone, and the tick's firing of
due slots. A slot fires once whatever number of tick processes run: schedules are taken
under a row lock (SKIP LOCKED), and each fired slot is a unique row written in the same
transaction as its run."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from django.conf import settings
from django.db import IntegrityError, transaction

from audit import services as audit
from audit.models import Action, How
from core.errors import DomainError
from core.logging import get_logger
from engine.store.models import Trigger
from engine.store.sql import backend
from engine.triggers.models import Schedule, ScheduleSlot
from engine.triggers.start import trigger_run_start

logger = get_logger(__name__)

# A catch-up never walks more slots than this (a per-second cron after a week away).
MAX_SLOTS_WALKED = 10_000


def _repeated_wall_time(cron: str, slot: datetime, zone: ZoneInfo) -> bool:
    """True for the second occurrence of a local time that a daylight-saving change repeats,
    when the cron names its hours: as cron does, a job at 01:30 runs once on the night the
    clocks go back; one every N minutes of every hour runs through both."""
    if cron.split()[1] == "*":
        return False
    local = slot.astimezone(zone).replace(tzinfo=None)
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC) != slot


def _slots(cron: str, tz: str, after: datetime) -> Iterator[datetime]:
    """The slots strictly after `after`, in UTC."""
    zone = ZoneInfo(tz)
    it = croniter(cron, after.astimezone(zone))
    while True:
        slot = it.get_next(datetime).astimezone(UTC)
        if not _repeated_wall_time(cron, slot, zone):
            yield slot


def slots_between(cron: str, tz: str, start: datetime, end: datetime, *, cap: int = MAX_SLOTS_WALKED) -> list[datetime]:
    """The slots in [start, end], in UTC, at most `cap` of them."""
    slots: list[datetime] = []
    for slot in _slots(cron, tz, start - timedelta(seconds=1)):
        if slot > end or len(slots) >= cap:
            break
        if slot >= start:
            slots.append(slot)
    return slots


def next_after(cron: str, tz: str, moment: datetime) -> datetime:
    """The first slot strictly after `moment`, in UTC."""
    return next(_slots(cron, tz, moment))


def previous_before(cron: str, tz: str, moment: datetime) -> datetime:
    """The last slot strictly before `moment`, in UTC."""
    zone = ZoneInfo(tz)
    it = croniter(cron, moment.astimezone(zone))
    while True:
        slot: datetime = it.get_prev(datetime).astimezone(UTC)
        if slot < moment and not _repeated_wall_time(cron, slot, zone):
            return slot


def upcoming(cron: str, tz: str, moment: datetime, count: int = 5) -> list[datetime]:
    return list(itertools.islice(_slots(cron, tz, moment), count))


def plan_slots(schedule: Schedule, now: datetime, grace: timedelta) -> tuple[list[tuple[datetime, int]], datetime]:
    """What a due schedule fires now, as (slot, slots it stands for beyond itself), and its
    next slot. Slots late by no more than `grace` fire each; older ones were missed
    (downtime): `skip` drops them, `run_once` fires one run for the latest of them."""
    cutoff = now - grace
    fire: list[tuple[datetime, int]] = []
    if schedule.next_fire_at < cutoff:
        missed = slots_between(schedule.cron, schedule.timezone, schedule.next_fire_at, cutoff - timedelta(microseconds=1))
        if missed and schedule.misfire == "run_once":
            # The latest missed slot, even past the walk's cap (a long outage).
            latest = previous_before(schedule.cron, schedule.timezone, cutoff)
            fire.append((latest, len(missed) - 1))
    recent = slots_between(schedule.cron, schedule.timezone, max(schedule.next_fire_at, cutoff), now)
    fire += [(slot, 0) for slot in recent]
    return fire, next_after(schedule.cron, schedule.timezone, now)


def _grace() -> timedelta:
    return timedelta(seconds=settings.STEPWISE_SCHEDULE_GRACE_S)


def schedules_fire(now: datetime, *, limit: int = 100) -> int:
    """Fire every due slot of every active schedule; the number of runs started."""
    started = 0
    with transaction.atomic():
        query: Any = Schedule.objects.filter(next_fire_at__lte=now, workflow__active=True).select_related(
            "workflow__active_version", "workflow__owner"
        )
        query = backend().skip_locked(query, of=("self",))
        for schedule in list(query.order_by("next_fire_at", "id")[:limit]):
            fire, following = plan_slots(schedule, now, _grace())
            for slot, missed in fire:
                started += _fire(schedule, slot, now, missed)
            # Conditional: a tick that read the row before another advanced it (no SKIP
            # LOCKED on SQLite) cannot move it back.
            Schedule.objects.filter(pk=schedule.pk, next_fire_at=schedule.next_fire_at).update(next_fire_at=following)
    return started


def _fire(schedule: Schedule, slot: datetime, now: datetime, missed: int) -> int:
    workflow = schedule.workflow
    try:
        with transaction.atomic():
            record = ScheduleSlot.objects.create(workflow=workflow, node_id=schedule.node_id, slot_at=slot)
    except IntegrityError:
        return 0  # another tick fired this slot
    payload = {"scheduled_at": slot.isoformat(), "fired_at": now.isoformat(), "missed_slots": missed}
    try:
        with transaction.atomic():
            run = trigger_run_start(workflow=workflow, node_id=schedule.node_id, payload=payload, trigger=Trigger.SCHEDULE)
            details: dict[str, audit.Detail] = {"trigger": "schedule", "node_id": schedule.node_id, "version": run.version.number}
            origin = audit.Origin(how=How.SCHEDULE)
            audit.record(action=Action.RUN_STARTED, origin=origin, owner=workflow.owner, target=audit.run_target(run), details=details)
    except DomainError as exc:
        # The slot stays recorded (with no run): it is not retried at every tick.
        logger.warning(
            "schedule slot started no run", workflow_id=workflow.pk, node_id=schedule.node_id, slot=slot.isoformat(), detail=exc.detail
        )
        return 0
    ScheduleSlot.objects.filter(pk=record.pk).update(run=run)
    return 1
