"""deactivate WORKFLOW_ID: its triggers stop starting runs, as POST .../deactivate/ does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from audit.models import Action, How
from audit.services import Origin, record, workflow_target
from core.cli import Command as CliCommand
from designer.management.lookup import workflow_find
from engine.triggers.activation import workflow_deactivate


class Command(CliCommand):
    help = "Deactivate workflow ID: its webhooks and schedules stop starting runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workflow_id", type=int)

    def run(self, *, workflow_id: int, **options: Any) -> None:
        workflow = workflow_find(workflow_id)
        with transaction.atomic():
            workflow_deactivate(workflow=workflow)
            record(
                action=Action.WORKFLOW_DEACTIVATED, origin=Origin(how=How.COMMAND), owner=workflow.owner, target=workflow_target(workflow)
            )
        self.emit(
            {"workflow": workflow.pk, "name": workflow.name, "active": False, "active_version": None},
            f"workflow {workflow.pk} {workflow.name!r} is inactive",
        )
