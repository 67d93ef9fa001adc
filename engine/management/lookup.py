"""A run named on the command line, or one clear error; the run's one-line summary."""

from __future__ import annotations

from django.core.management.base import CommandError

from engine.store.models import Run


def run_find(run_id: int) -> Run:
    run = Run.objects.filter(pk=run_id).select_related("workflow", "version", "owner", "parent_step").first()
    if run is None:
        raise CommandError(f"No run {run_id}.")
    return run


def run_line(run: Run) -> str:
    return f"run {run.pk} of {run.workflow.name!r} (workflow {run.workflow_id}, version {run.version.number}): {run.status}"
