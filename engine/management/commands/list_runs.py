"""list_runs: the newest runs, as GET /api/runs/ lists them, with its filters (docs/cli.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.cli import Command as CliCommand
from core.cli import user_find
from designer.models import Workflow
from engine.serializers import RunSummarySerializer
from engine.store.models import Run
from engine.store.statuses import RunStatus


def _limit(value: str) -> int:
    import argparse

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 1 <= number <= 1000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000")
    return number


class Command(CliCommand):
    help = "List the newest runs (everyone's, or --owner's), filtered by --workflow and --status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", help="Only this owner's runs (username or email).")
        parser.add_argument("--workflow", type=int, help="Only the runs of this workflow id.")
        parser.add_argument("--status", choices=RunStatus.values, help="Only runs in this status.")
        parser.add_argument("--limit", type=_limit, default=20, help="At most this many (1 to 1000, default 20).")

    def run(self, *, owner: str | None, workflow: int | None, status: str | None, limit: int, **options: Any) -> None:
        runs = Run.objects.select_related("workflow", "version", "parent_step", "owner")
        if owner:
            runs = runs.filter(owner=user_find(owner))
        if workflow is not None:
            if not Workflow.objects.filter(pk=workflow).exists():
                raise CommandError(f"No workflow {workflow}.")
            runs = runs.filter(workflow_id=workflow)
        if status:
            runs = runs.filter(status=status)
        if not self.as_json:
            self.stdout.write(f"{'ID':>7}  {'STATUS':<12} {'TRIGGER':<9} {'CREATED':<20} {'DURATION':>9}  WORKFLOW")
        for run in runs.order_by("-created_at", "-id")[:limit]:
            data = dict(RunSummarySerializer(run).data)
            data["owner"] = run.owner.get_username()
            duration = "-" if data["duration_ms"] is None else f"{data['duration_ms'] / 1000:.2f}s"
            created = run.created_at.strftime("%Y-%m-%d %H:%M:%S")
            line = (
                f"{run.pk:>7}  {run.status:<12} {run.trigger:<9} {created:<20} {duration:>9}  {run.workflow.name} (v{run.version.number})"
            )
            self.emit(data, line)
