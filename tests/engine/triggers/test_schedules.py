"""Schedules in-process, on a controlled clock: one run per slot, none twice when the tick
runs again, time zones, the misfire policies after downtime, activation and deactivation,
and the next fire times in the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from designer import services
from engine.store.models import Run
from engine.triggers.activation import workflow_activate, workflow_deactivate
from engine.triggers.models import Schedule, ScheduleSlot
from engine.triggers.schedules import schedules_fire, slots_between
from tests.factories import edge, make_user, node

T0 = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)


def make_schedule(cron="* * * * *", tz="UTC", misfire="skip", *, at=T0, owner=None):
    owner = owner or make_user()
    graph = {
        "nodes": [node("every", "trigger.schedule", {"cron": cron, "timezone": tz, "misfire": misfire}), node("work", "noop")],
        "edges": [edge("e1", "every", "work")],
    }
    workflow, problems = services.workflow_create(owner=owner, name="Cron", graph=graph)
    assert problems == []
    return workflow_activate(workflow=workflow, actor=owner, now=at)


def slots_fired(workflow):
    return sorted(ScheduleSlot.objects.filter(workflow=workflow).values_list("slot_at", flat=True))


def test_each_slot_fires_once_however_often_the_tick_runs(db):
    workflow = make_schedule()
    assert Schedule.objects.get(workflow=workflow).next_fire_at == datetime(2026, 3, 1, 12, 1, tzinfo=UTC)
    assert schedules_fire(T0) == 0
    for second in range(0, 180, 7):  # a tick every 7 s for 3 minutes
        schedules_fire(T0 + timedelta(seconds=second))
    assert slots_fired(workflow) == [datetime(2026, 3, 1, 12, m, tzinfo=UTC) for m in (1, 2, 3)]
    runs = Run.objects.filter(workflow=workflow).order_by("id")
    assert [r.trigger for r in runs] == ["schedule"] * 3
    assert runs[0].input == {"scheduled_at": "2026-03-01T12:01:00+00:00", "fired_at": "2026-03-01T12:01:05+00:00", "missed_slots": 0}
    assert all(r.version == workflow.active_version for r in runs)


def test_slots_follow_the_time_zone_across_a_dst_change():
    # 09:00 in Paris is 08:00 UTC before the change (29 March 2026) and 07:00 UTC after it.
    slots = slots_between("0 9 * * *", "Europe/Paris", datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    assert [s.isoformat() for s in slots] == ["2026-03-28T08:00:00+00:00", "2026-03-29T07:00:00+00:00", "2026-03-30T07:00:00+00:00"]


@pytest.mark.parametrize(("misfire", "expected_runs", "missed"), [("skip", 0, None), ("run_once", 1, 9)])
def test_after_downtime_missed_slots_follow_the_misfire_policy(db, misfire, expected_runs, missed):
    workflow = make_schedule(misfire=misfire)
    # Down from 12:00:30 to 12:11:30: slots 12:01 .. 12:10 are past the 60 s grace, 12:11 is not.
    back = T0 + timedelta(minutes=11)
    schedules_fire(back)
    runs = list(Run.objects.filter(workflow=workflow).order_by("id"))
    assert len(runs) == expected_runs + 1
    assert runs[-1].input["scheduled_at"] == "2026-03-01T12:11:00+00:00"
    if missed is not None:
        assert runs[0].input["scheduled_at"] == "2026-03-01T12:10:00+00:00" and runs[0].input["missed_slots"] == missed
    assert Schedule.objects.get(workflow=workflow).next_fire_at == datetime(2026, 3, 1, 12, 12, tzinfo=UTC)


def test_deactivated_schedules_stop_and_reactivation_repeats_no_slot(db):
    workflow = make_schedule()
    schedules_fire(T0 + timedelta(minutes=1))
    workflow_deactivate(workflow=workflow)
    assert schedules_fire(T0 + timedelta(minutes=5)) == 0 and not Schedule.objects.filter(workflow=workflow).exists()
    workflow_activate(workflow=workflow, actor=workflow.owner, now=T0 + timedelta(minutes=1, seconds=10))
    schedules_fire(T0 + timedelta(minutes=1, seconds=20))  # 12:01 again: already fired
    schedules_fire(T0 + timedelta(minutes=2))
    assert slots_fired(workflow) == [datetime(2026, 3, 1, 12, 1, tzinfo=UTC), datetime(2026, 3, 1, 12, 2, tzinfo=UTC)]


def test_a_tick_that_read_a_stale_schedule_fires_nothing_twice(db):
    """Without SKIP LOCKED (SQLite), two ticks may read the same row: the unique slot and the
    conditional advance keep it to one run."""
    workflow = make_schedule()
    stale = Schedule.objects.get(workflow=workflow)
    schedules_fire(T0 + timedelta(minutes=1))
    from engine.triggers.schedules import _fire

    assert _fire(stale, stale.next_fire_at, T0 + timedelta(minutes=1), 0) == 0
    assert Run.objects.filter(workflow=workflow).count() == 1


def test_the_api_shows_the_next_fire_times(db):
    owner = make_user()
    workflow = make_schedule("30 8 * * 1-5", "America/New_York", owner=owner, at=datetime.now(UTC))
    api = APIClient()
    api.force_login(owner)
    [trigger] = api.get(f"/api/workflows/{workflow.pk}/triggers/").json()
    assert trigger["type"] == "trigger.schedule" and trigger["live"] is True and trigger["misfire"] == "skip"
    upcoming = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in trigger["upcoming"]]
    assert len(upcoming) == 5 and upcoming == sorted(upcoming) and upcoming[0] > datetime.now(UTC)
    for moment in upcoming:
        local = moment.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
        assert (local.hour, local.minute) == (8, 30) and local.weekday() < 5
    assert datetime.fromisoformat(trigger["next_fire_at"].replace("Z", "+00:00")) == upcoming[0]
