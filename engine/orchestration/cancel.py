"""Cancelling a run: stop dispatching, cancel the steps not yet running (running ones
finish or time out), and cancel its child runs after commit. Used by the API (control)
and by a map whose item failed (children)."""

from __future__ import annotations

from contextlib import suppress

from django.db import transaction

from engine.orchestration.advance import advance_locked, finish
from engine.orchestration.creation import RunError
from engine.store import reads
from engine.store.models import Run
from engine.store.statuses import RunStatus, StepStatus
from engine.store.writes import run_transition, step_transition

R, S = RunStatus, StepStatus


def run_cancel(*, run: Run) -> Run:
    """Stop dispatching, cancel steps not yet running; running steps finish or time out.
    Child runs of its steps (workflow.call, map) are cancelled too, after commit."""
    with transaction.atomic():
        locked = reads.run_locked(run.pk)
        if locked.status == R.QUEUED:  # a map's item not started yet
            finish(locked, (R.QUEUED,), R.CANCELLED)
        elif locked.status == R.RUNNING:
            run_transition(locked.pk, (R.RUNNING,), R.CANCELLING)
            for step_id, status in reads.steps_in(locked.pk, (S.PENDING, S.QUEUED, S.WAITING, S.INTERRUPTED)):
                step_transition(step_id, (S(status),), S.CANCELLED)
            locked.status = R.CANCELLING
            advance_locked(locked)
            children = reads.children_not_ended(locked.pk)
            transaction.on_commit(lambda: runs_cancel(children), robust=True)
        elif locked.status not in (R.CANCELLING,):
            raise RunError(f"A {locked.status} run cannot be cancelled.")
    run.refresh_from_db()
    return run


def runs_cancel(run_ids: list[int]) -> None:
    """Cancel each run that can still be cancelled (child runs whose parent stopped)."""
    for run in reads.runs_not_ended(run_ids):
        with suppress(RunError):  # it ended meanwhile
            run_cancel(run=run)
