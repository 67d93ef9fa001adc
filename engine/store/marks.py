"""Writes that change no status, so record no event: leases renewed by the heartbeat, a
parent step's resumption marked."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from engine.store.models import StepRun


def leases_renew(held: dict[int, str], until: datetime) -> int:
    """Extend to `until` the lease of each running step held with its token (tokens are
    random: a step matches only with its own); how many were renewed."""
    mine = StepRun.objects.filter(pk__in=list(held), lease_token__in=list(held.values()), status="running")
    return mine.update(lease_expires_at=until)


def resumption_mark(step_id: int) -> None:
    """A waiting parent step was resumed now (the tick's sweep for lost resumptions skips it)."""
    StepRun.objects.filter(pk=step_id).update(updated_at=timezone.now())
