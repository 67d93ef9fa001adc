"""cancel_run RUN_ID: the API's cancel (engine/orchestration/cancel.py run_cancel)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from audit.models import Action, How
from audit.services import Origin, record, run_target
from core.cli import Command as CliCommand
from engine.management.lookup import run_find, run_line
from engine.orchestration.cancel import run_cancel


class Command(CliCommand):
    help = "Cancel run ID (and its child runs); a run that has ended cannot be cancelled."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id", type=int)

    def run(self, *, run_id: int, **options: Any) -> None:
        with transaction.atomic():
            run = run_cancel(run=run_find(run_id))
            record(action=Action.RUN_CANCELLED, origin=Origin(how=How.COMMAND), owner=run.owner, target=run_target(run))
        run = run_find(run.pk)
        self.emit({"run": run.pk, "status": run.status}, run_line(run))
