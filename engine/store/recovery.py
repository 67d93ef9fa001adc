"""The reads of the recovery jobs (engine.orchestration.recovery) and of the timers: steps
whose timer is due or whose message went missing, leases that expired, parents whose
resumption was lost, runs that stalled. Rows another tick holds are skipped (SKIP LOCKED)
where the database locks rows one by one."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, Q

from engine.store.models import Run, StepRun
from engine.store.sql import backend
from engine.store.statuses import STEP_ACTIVE, RunStatus, StepStatus

R, S = RunStatus, StepStatus


def queued_due_take(now: datetime, lost_after_s: float, limit: int) -> list[int]:
    """In a transaction: the queued steps whose timer is due, or whose message has not
    been picked up for `lost_after_s`, marked sent now (not a status change: sent again
    only if lost again); their ids."""
    query = StepRun.objects.filter(status=S.QUEUED).filter(
        Q(not_before__lte=now) | Q(not_before__isnull=True, updated_at__lt=now - timedelta(seconds=lost_after_s))
    )
    ids = [step.pk for step in backend().skip_locked(query).order_by("id")[:limit]]
    StepRun.objects.filter(pk__in=ids).update(not_before=None, updated_at=now)
    return ids


def leases_expired_locked(now: datetime, limit: int) -> list[StepRun]:
    """In a transaction: running steps whose lease expired, with their runs, locked."""
    query = StepRun.objects.filter(status=S.RUNNING, lease_expires_at__lt=now).select_related("run")
    return list(backend().skip_locked(query).order_by("id")[:limit])


def waiting_due(now: datetime, limit: int) -> list[int]:
    """Waiting steps whose timer is due (a wait, an approval's timeout)."""
    return list(StepRun.objects.filter(status=S.WAITING, not_before__lte=now).order_by("id").values_list("id", flat=True)[:limit])


def timers_coming(now: datetime, until: datetime, limit: int) -> list[tuple[int, str, datetime]]:
    """(id, status, due) of queued and waiting steps whose timer is due after `now`, by `until`."""
    coming = StepRun.objects.filter(status__in=[S.QUEUED, S.WAITING], not_before__gt=now, not_before__lte=until)
    rows = coming.order_by("not_before").values_list("id", "status", "not_before")[:limit]
    return [(int(i), str(s), d) for i, s, d in rows if d is not None]


def waiting_run_id(step_id: int) -> int | None:
    return StepRun.objects.filter(pk=step_id, status=S.WAITING).values_list("run_id", flat=True).first()


def waiting_locked(step_id: int) -> StepRun | None:
    """In a transaction that holds its run's lock: the waiting step, its row locked."""
    return StepRun.objects.select_for_update().filter(pk=step_id, status=S.WAITING).select_related("run").first()


def parents_orphaned(now: datetime, stall_after_s: float, limit: int) -> list[int]:
    """Waiting parent steps a child of which ended (over `stall_after_s` ago) after the
    step was last resumed: the process died between the child's commit and the resumption."""
    orphaned = StepRun.objects.filter(
        status=S.WAITING,
        child_runs__finished_at__gt=F("updated_at"),
        child_runs__finished_at__lt=now - timedelta(seconds=stall_after_s),
    )
    return list(orphaned.values_list("id", flat=True).distinct()[:limit])


def runs_stalled(now: datetime, stall_after_s: float, limit: int) -> list[int]:
    """Running runs with no step in flight, and cancelling runs with no step running,
    created over `stall_after_s` ago: nothing else will advance them."""
    stalled = Run.objects.filter(created_at__lt=now - timedelta(seconds=stall_after_s)).filter(
        Q(status=R.RUNNING) & ~Q(steps__status__in=STEP_ACTIVE) | Q(status=R.CANCELLING) & ~Q(steps__status=S.RUNNING)
    )
    return list(stalled.values_list("id", flat=True)[:limit])
