"""list_workflows [--owner USER]: the workflows, as the API lists them (docs/cli.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from core.cli import Command as CliCommand
from core.cli import user_find
from designer.api.serializers import WorkflowSummarySerializer
from designer.models import Workflow
from designer.selectors import workflow_list_for_user


class Command(CliCommand):
    help = "List the workflows (of --owner, else everyone's): id, owner, name, active version, latest version, runs, last run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", help="Only this owner's (username or email).")

    def run(self, *, owner: str | None, **options: Any) -> None:
        owners = [user_find(owner)] if owner else None
        if owners is None:
            from django.contrib.auth import get_user_model

            owners = list(get_user_model().objects.filter(pk__in=Workflow.objects.values("owner_id")).order_by("username"))
        if not self.as_json:
            self.stdout.write(f"{'ID':>6}  {'OWNER':<16} {'ACTIVE':<7} {'LATEST':>6} {'RUNS':>6}  {'LAST RUN':<10} NAME")
        for user in owners:
            for workflow in workflow_list_for_user(user=user).order_by("pk"):
                data = dict(WorkflowSummarySerializer(workflow).data)
                data["owner"] = user.get_username()
                active = f"v{data['active_version']}" if data["active"] else "-"
                last = (data["last_run"] or {}).get("status", "-")
                latest = data["latest_version"] if data["latest_version"] is not None else "-"
                counts = f"{active:<7} {latest:>6} {data['run_count']:>6}"
                line = f"{workflow.pk:>6}  {user.get_username():<16} {counts}  {last:<10} {workflow.name}"
                self.emit(data, line)
