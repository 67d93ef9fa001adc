import json
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.models import Action, How
from audit.services import Detail, Origin, record, run_target
from core.errors import DomainError
from designer.models import Workflow
from engine.orchestration.dispatch import get_dispatcher
from engine.orchestration.runs import run_start
from engine.store.models import Run, Trigger
from engine.store.statuses import RUN_TERMINAL


class Command(BaseCommand):
    help = "Start a run of workflow ID; with --wait, wait for it and print its result as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("workflow_id", type=int)
        parser.add_argument("--input", default="{}", help="The trigger payload, as JSON.")
        parser.add_argument("--wait", action="store_true", help="Wait for the run to end; exit 1 unless it succeeded.")
        parser.add_argument("--timeout", type=float, default=300.0, help="Seconds to wait at most.")
        parser.add_argument("--user", help="Run as this user (default: the workflow's owner).")

    def handle(self, *args: Any, workflow_id: int, input: str, wait: bool, timeout: float, user: str | None, **options: Any) -> None:
        try:
            payload = json.loads(input)
        except ValueError as exc:
            raise CommandError(f"--input is not valid JSON: {exc}") from None
        workflow = Workflow.objects.filter(pk=workflow_id).select_related("owner").first()
        if workflow is None:
            raise CommandError(f"No workflow {workflow_id}.")
        actor = workflow.owner if user is None else get_user_model().objects.filter(username=user).first()
        if actor is None or actor != workflow.owner:
            raise CommandError(f"Workflow {workflow_id} was not found for user {user!r}.")
        try:
            with transaction.atomic():
                run = run_start(workflow=workflow, user=actor, payload=payload, trigger=Trigger.API)
                # Whoever has the shell: no actor, the way in says it.
                details: dict[str, Detail] = {"trigger": Trigger.API.value, "version": run.version.number}
                origin = Origin(how=How.COMMAND)
                record(action=Action.RUN_STARTED, origin=origin, owner=workflow.owner, target=run_target(run), details=details)
        except DomainError as exc:  # invalid graph or input, a conflict, a quota (429)
            problems = "".join(f"\n  - {p.node_id or p.edge_id or ''} {p.field or ''}: {p.message}" for p in exc.problems)
            raise CommandError(f"{exc.detail}{problems}") from None
        self.stderr.write(f"run {run.pk} started")
        if not wait:
            self.stdout.write(json.dumps({"run": run.pk, "status": run.status}))
            return
        dispatcher = get_dispatcher()
        if hasattr(dispatcher, "start_ticker"):
            dispatcher.start_ticker()  # embedded mode: this process runs the steps and timers
        deadline = time.monotonic() + timeout
        while run.status not in RUN_TERMINAL and time.monotonic() < deadline:
            time.sleep(0.05)
            run = Run.objects.get(pk=run.pk)
        result = {"run": run.pk, "status": run.status, "output": run.output, "error": run.error}
        self.stdout.write(json.dumps(result, default=str))
        if hasattr(dispatcher, "stop"):
            dispatcher.stop()
        if run.status != "succeeded":
            raise SystemExit(1)
