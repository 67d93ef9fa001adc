from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models


def empty_graph() -> dict[str, Any]:
    return {"nodes": [], "edges": []}


def graph_hash(graph: Any) -> str:
    """Hash of the canonical JSON of a graph: equal graphs hash equal, whatever key order."""
    canonical = json.dumps(graph, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class VersionImmutable(Exception):
    pass


class ConcurrencyPolicy(models.TextChoices):
    """What happens to a new run when its workflow's concurrency limit is reached."""

    QUEUE = "queue", "Queue it: it starts, in order, when a run ends"
    CANCEL_NEW = "cancel_new", "Cancel the new run"
    FAIL_NEW = "fail_new", "Fail the new run"


class Workflow(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workflows")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # Short labels for the workflow list (designer.tags: lowercase, at most MAX_TAGS).
    tags = models.JSONField(default=list, blank=True)
    graph = models.JSONField(default=empty_graph, help_text="The draft graph being edited.")
    active = models.BooleanField(default=False)
    # Set by activation (engine.triggers): the version the triggers (webhooks, schedules)
    # start; saving the draft does not change it until the workflow is activated again.
    active_version = models.ForeignKey("WorkflowVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # At most this many top-level runs of the workflow run at once (null: no limit); the
    # policy says what a run started past it becomes (engine.orchestration.admission).
    concurrency_limit = models.PositiveIntegerField(null=True, blank=True)
    concurrency_policy = models.CharField(max_length=16, choices=ConcurrencyPolicy.choices, default=ConcurrencyPolicy.QUEUE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return self.name


class WorkflowVersion(models.Model):
    """An immutable snapshot of a workflow's graph. Runs pin one; a database trigger
    (migration 0002) refuses any UPDATE, and `delete()` refuses too: versions go only with
    their workflow, and runs protect them from that."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    graph = models.JSONField()
    graph_hash = models.CharField(max_length=64)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["workflow", "number"], name="unique_version_number")]

    def __str__(self) -> str:
        return f"{self.workflow_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise VersionImmutable("A workflow version cannot be changed; save the workflow to make a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise VersionImmutable("A workflow version cannot be deleted on its own.")


class SetupToken(models.Model):
    """One-time link that creates the first account (printed by `make run` when no user exists)."""

    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"setup token {self.pk}"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
