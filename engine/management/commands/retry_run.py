"""retry_run RUN_ID: the API's retry from failure (engine/orchestration/control.py run_retry).
In the embedded mode the steps it makes ready run in this process before it exits (what
waits, a timer or a person, the server's tick takes over)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from audit.models import Action, How
from audit.services import Origin, record, run_target
from core.cli import Command as CliCommand
from engine.management.lookup import run_find, run_line
from engine.orchestration.control import run_retry


class Command(CliCommand):
    help = "Retry failed run ID from its failed steps, in the same run; its finished steps are kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id", type=int)

    def run(self, *, run_id: int, **options: Any) -> None:
        found = run_find(run_id)
        with transaction.atomic():
            run = run_retry(run=found, user=found.owner)
            record(action=Action.RUN_RETRIED, origin=Origin(how=How.COMMAND), owner=run.owner, target=run_target(run))
        run = run_find(run.pk)
        self.emit({"run": run.pk, "status": run.status}, run_line(run))
