"""activate WORKFLOW_ID: pin the latest version for the workflow's webhooks and schedules
and arm them, as POST /api/workflows/{id}/activate/ does (docs/cli.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from audit.models import Action, How
from audit.services import Origin, record, workflow_target
from core.cli import Command as CliCommand
from designer.management.lookup import workflow_find
from engine.triggers.activation import workflow_activate


class Command(CliCommand):
    help = "Activate workflow ID: its webhooks and schedules start runs of its latest version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workflow_id", type=int)

    def run(self, *, workflow_id: int, **options: Any) -> None:
        workflow = workflow_find(workflow_id)
        with transaction.atomic():
            activated = workflow_activate(workflow=workflow, actor=workflow.owner)
            pinned = activated.active_version
            version = pinned.number if pinned else None
            record(
                action=Action.WORKFLOW_ACTIVATED,
                origin=Origin(how=How.COMMAND),
                owner=workflow.owner,
                target=workflow_target(activated),
                details={"version": version},
            )
        self.emit(
            {"workflow": activated.pk, "name": activated.name, "active": activated.active, "active_version": version},
            f"workflow {activated.pk} {activated.name!r} is active (version {version})",
        )
