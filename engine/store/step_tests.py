"""Tests of one step (POST /api/workflows/{id}/nodes/{node_id}/test/): a row of their own,
not a run. A test evaluates the draft's node, which no version holds, and has no run's
life (no state machine, events, live feed, retention, quota): kept apart, it can never
appear in the run list, the history or a run's counts, and nothing has to filter it out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from designer.models import Workflow
from engine.store.models import Run, StepRun


class StepTestStatus(models.TextChoices):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class StepTest(models.Model):
    """One node evaluated alone, with its real effects, over the data it was given."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="step_tests")
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="step_tests")
    node_id = models.CharField(max_length=64)
    node_type = models.CharField(max_length=100, help_text="The node's type when tested (its rate limits count tests too).")
    status = models.CharField(max_length=16, choices=StepTestStatus.choices)
    run = models.ForeignKey(  # not checked by the database: docs/history.md#references
        Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False, help_text="The run whose data it saw."
    )
    inputs = models.JSONField(default=dict, blank=True, help_text="Its predecessors' outputs, by node id, as it got them.")
    input = models.JSONField(null=True, blank=True, help_text="The rendered config.")
    output = models.JSONField(null=True, blank=True)
    ports = models.JSONField(default=list, blank=True)
    error = models.JSONField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["workflow", "node_id", "-started_at"]),
            models.Index(fields=["owner", "node_type", "-finished_at"]),
        ]

    def __str__(self) -> str:
        return f"test {self.pk} of {self.node_id} ({self.status})"


def step_test_record(
    *,
    owner_id: int,
    workflow: Workflow,
    node_id: str,
    node_type: str,
    run_id: int | None,
    inputs: dict[str, Any],
    config: Any,
    output: Any,
    ports: list[str],
    error: dict[str, Any] | None,
    started_at: datetime,
    finished_at: datetime,
) -> StepTest:
    return StepTest.objects.create(
        owner_id=owner_id,
        workflow=workflow,
        node_id=node_id,
        node_type=node_type,
        status=StepTestStatus.FAILED if error is not None else StepTestStatus.SUCCEEDED,
        run_id=run_id,
        inputs=inputs,
        input=config,
        output=output,
        ports=ports,
        error=error,
        started_at=started_at,
        finished_at=finished_at,
    )


def step_tests_of(*, workflow: Workflow, node_id: str | None = None) -> QuerySet[StepTest]:
    """A workflow's step tests (of one node), newest first."""
    found = StepTest.objects.filter(workflow=workflow)
    return found.filter(node_id=node_id) if node_id is not None else found


def tested_successes_since(owner_id: int, node_type: str, since: datetime, limit: int) -> list[datetime]:
    """When the user's tests of `node_type` succeeded since `since`, newest first."""
    found = StepTest.objects.filter(owner_id=owner_id, node_type=node_type, status=StepTestStatus.SUCCEEDED, finished_at__gte=since)
    return list(found.order_by("-finished_at").values_list("finished_at", flat=True)[: max(limit, 0)])


def run_latest(*, workflow: Workflow, owner_id: int) -> Run | None:
    """The user's newest run of the workflow: the data the editor shows a node by default."""
    return Run.objects.filter(workflow=workflow, owner_id=owner_id).order_by("-created_at", "-id").first()


def node_steps(run_id: int, node_id: str) -> list[dict[str, Any]]:
    """The node's steps in a run: {iteration, attempt, compensates} each."""
    rows = StepRun.objects.filter(run_id=run_id, node_id=node_id).values("iteration", "attempt", "compensates")
    return [dict(row) for row in rows]


def step_tests_prune(*, days: int, now: datetime | None = None, dry_run: bool = False) -> int:
    """Delete the tests older than `days` (0: none), as old runs are (manage.py prune_runs)."""
    if days <= 0:
        return 0
    old = StepTest.objects.filter(started_at__lt=(now or timezone.now()) - timedelta(days=days))
    return old.count() if dry_run else old.delete()[0]
