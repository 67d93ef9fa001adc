"""Two engine_tick processes over a simulated day of a per-minute schedule, on PostgreSQL:
1,440 slots, 1,440 runs, none twice, none missed, with both tick processes restarted
across a slot boundary halfway. The clock is a file both processes read (--clock-file);
the test moves it one minute at a time, up to 30 slots ahead of what has fired, so a pass often
finds several slots due (each fires: the grace is an hour of simulated time)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from designer import services
from engine.store.models import Run
from engine.triggers.activation import workflow_activate
from engine.triggers.models import ScheduleSlot
from tests.factories import edge, make_user, node
from tests.integration.celery_mode import ROOT, database_url

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
T0 = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
SLOTS = 1440


class Clock:
    def __init__(self, path):
        self.path = path

    def set(self, moment: datetime) -> None:
        partial = self.path.with_suffix(".tmp")
        partial.write_text(moment.isoformat())
        os.replace(partial, self.path)  # a reader sees the old time or the new, never half


def start_ticks(tmp_path, clock, names):
    env = {
        **os.environ,
        "STEPWISE_SCHEDULE_GRACE_S": "3600",
        # A tick process killed mid-step leaves the step running under its lease, or queued
        # with its message lost: short leases and re-dispatch let the survivors finish them
        # within the test (leases and re-dispatch read the real clock).
        "STEPWISE_DEFAULT_TIMEOUT_S": "2",
        "STEPWISE_LEASE_GRACE_S": "1",
        "STEPWISE_LEASE_S": "2",
        "STEPWISE_REDISPATCH_AFTER_S": "3",
        "DATABASE_URL": database_url(),
        "STEPWISE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("CELERY_BROKER_URL", None)  # in-process steps inside each tick process
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "engine_tick", "--interval", "0.02", "--clock-file", str(clock.path)],
            cwd=ROOT,
            env=env,
            stdout=open(tmp_path / f"tick-{name}.log", "ab"),
            stderr=subprocess.STDOUT,
        )
        for name in names
    ]


def stop(processes, sig=signal.SIGTERM):
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
    for process in processes:
        process.wait(20)


def wait_for_slots(workflow, count, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fired = ScheduleSlot.objects.filter(workflow=workflow).count()
        if fired >= count:
            return fired
        time.sleep(0.02)
    raise AssertionError(f"{ScheduleSlot.objects.filter(workflow=workflow).count()} slots fired, {count} expected")


def test_two_tick_processes_fire_each_of_1440_slots_exactly_once(transactional_db, tmp_path):
    owner = make_user()
    graph = {
        "nodes": [node("minutely", "trigger.schedule", {"cron": "* * * * *", "timezone": "UTC"}), node("work", "noop")],
        "edges": [edge("e1", "minutely", "work")],
    }
    workflow, _ = services.workflow_create(owner=owner, name="Minutely", graph=graph)
    workflow_activate(workflow=workflow, actor=owner, now=T0)
    clock = Clock(tmp_path / "clock")
    clock.set(T0)
    ticks = start_ticks(tmp_path, clock, ["a", "b"])
    started = time.monotonic()
    try:
        for minute in range(1, SLOTS + 1):
            if minute == SLOTS // 2:
                # Both stop (one killed outright) just before a slot; the clock passes the
                # slot while they are down; replacements fire it late, within the grace.
                wait_for_slots(workflow, minute - 1)
                stop(ticks[:1], signal.SIGKILL)
                stop(ticks[1:])
                clock.set(T0 + timedelta(minutes=minute, seconds=30))
                time.sleep(0.3)
                assert ScheduleSlot.objects.filter(workflow=workflow).count() == minute - 1
                ticks = start_ticks(tmp_path, clock, ["c", "d"])
                wait_for_slots(workflow, minute)
            else:
                clock.set(T0 + timedelta(minutes=minute))
                # The clock runs ahead of the ticks by up to 30 slots (half the grace):
                # passes find several slots due at once, and none is old enough to be missed.
                wait_for_slots(workflow, minute - 30)
        wait_for_slots(workflow, SLOTS, timeout=60)
        elapsed = time.monotonic() - started
        time.sleep(0.5)  # anything extra would show up now
        slots = list(ScheduleSlot.objects.filter(workflow=workflow).order_by("slot_at").values_list("slot_at", "run_id"))
        deadline = time.monotonic() + 60
        while Run.objects.filter(workflow=workflow).exclude(status="succeeded").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop(ticks)
    runs = Run.objects.filter(workflow=workflow)
    scheduled = sorted(runs.values_list("input__scheduled_at", flat=True))
    print(f"\n{len(slots)} slots, {runs.count()} runs in {elapsed:.1f} s of two tick processes (restarted once)")
    assert [slot for slot, _ in slots] == [T0 + timedelta(minutes=m) for m in range(1, SLOTS + 1)]
    assert runs.count() == SLOTS and len(set(scheduled)) == SLOTS
    assert all(run_id is not None for _, run_id in slots)
    assert set(runs.values_list("status", flat=True)) == {"succeeded"}
    late = runs.get(input__scheduled_at=(T0 + timedelta(minutes=SLOTS // 2)).isoformat())
    assert late.input["fired_at"] == (T0 + timedelta(minutes=SLOTS // 2, seconds=30)).isoformat()
