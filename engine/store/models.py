"""The rows of the engine's state: runs, their steps and their event log. Written only
through engine.store (writes, events, start); read by the layers above."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from designer.models import Workflow, WorkflowVersion
from engine.store.statuses import RunStatus, StepStatus


class Trigger(models.TextChoices):
    MANUAL = "manual"
    API = "api"
    WEBHOOK = "webhook"
    SCHEDULE = "schedule"
    RERUN = "rerun"
    SUBWORKFLOW = "subworkflow"


class Run(models.Model):
    """One execution of a pinned workflow version. Status changes only through
    engine.store.writes.run_transition."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs")
    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="runs")
    version = models.ForeignKey(WorkflowVersion, on_delete=models.PROTECT, related_name="runs")
    graph_hash = models.CharField(max_length=64, help_text="The pinned version's graph hash (cache key).")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    input = models.JSONField(default=dict, blank=True)
    output = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    # The references inside a run's history (a child run's parent step and root, a rerun's
    # original, and the triggers' and step tests' runs) are kept by the store, not checked by
    # the database: each such check cost an index probe per deleted row at the prune's
    # commit, most of its time (docs/history.md#references). A step's and an event's run
    # are checked.
    rerun_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reruns", db_constraint=False)
    parent_step = models.ForeignKey(
        "StepRun", on_delete=models.CASCADE, null=True, blank=True, related_name="child_runs", db_constraint=False
    )
    parent_attempt = models.PositiveIntegerField(default=0, help_text="The parent step's attempt that started this child run.")
    item_index = models.PositiveIntegerField(null=True, blank=True, help_text="For a map's child run: the item's position.")
    depth = models.PositiveSmallIntegerField(default=0)
    root = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        help_text="For a child run: the top-level run of its tree.",
    )
    tree_runs = models.PositiveIntegerField(
        default=1, help_text="On a top-level run: the runs of its tree so far, itself included (STEPWISE_MAX_RUNS_PER_ROOT)."
    )
    limited = models.BooleanField(
        default=False, help_text="Started under its workflow's concurrency limit: its end frees a slot for a queued run."
    )
    last_seq = models.PositiveIntegerField(default=0)
    trace = models.CharField(  # noqa: DJ001 (NULL when tracing is off: below)
        # NULL when tracing is off: the start statement writes a NULL as a literal, not a
        # parameter (engine.store.start), and stays under psycopg's 50 prepared parameters.
        max_length=55,
        null=True,
        blank=True,
        default=None,
        help_text="With tracing on: the run's root span (a W3C traceparent), which a step sent without it (resent, resumed) joins.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The run list (GET /api/runs/) and each of its filters, in the list's order:
            # the page and its capped count read one index range (docs/history.md).
            models.Index(fields=["owner", "-created_at", "-id"], name="run_list"),
            # Also the runs in flight of a user (STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER), counted at each start.
            models.Index(fields=["owner", "status", "-created_at", "-id"], name="run_list_status"),
            models.Index(fields=["owner", "workflow", "-created_at", "-id"], name="run_list_workflow"),
            models.Index(fields=["owner", "trigger", "-created_at", "-id"], name="run_list_trigger"),
            # A workflow's newest runs (the workflow list's last run, STEPWISE_RUN_RETENTION_PER_WORKFLOW).
            models.Index(fields=["workflow", "-created_at", "-id"], name="run_workflow_newest"),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class StepRun(models.Model):
    """One node's execution in a run (per iteration). Unique on (run, node, iteration), so a
    node can never be started twice in the same run. Status changes only through
    engine.store.writes.step_transition."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    node_id = models.CharField(max_length=64)
    iteration = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.PENDING)
    attempt = models.PositiveIntegerField(default=0)
    input = models.JSONField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    ports = models.JSONField(default=list, blank=True, help_text="Output ports taken when the step finished.")
    lease_owner = models.CharField(max_length=100, blank=True, default="")
    lease_token = models.CharField(max_length=32, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="Timer: retry backoff, wait, approval timeout.")
    attempts = models.JSONField(default=list, blank=True, help_text="One entry per attempt: times and error.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compensates = models.CharField(
        max_length=64, blank=True, default="", help_text="For a compensation step: the node whose work it undoes."
    )

    class Meta:
        ordering = ["run_id", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "node_id", "iteration"], name="unique_step_per_iteration")]
        indexes = [
            models.Index(fields=["status", "not_before"]),
            models.Index(fields=["status", "lease_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.node_id}:{self.iteration} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"{self.run_id}:{self.node_id}:{self.iteration}"


class RunEvent(models.Model):
    """Append-only log of a run: every transition, with a per-run sequence number. Feeds the
    live stream, replay after a reconnect, the timeline and the audit."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=8)  # "run" or "step"
    node_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16)
    attempt = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="unique_event_seq")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.seq} {self.kind} {self.node_id} {self.status}"
