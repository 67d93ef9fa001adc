"""The rows of the triggers: webhook endpoints and their deliveries, schedules and the
slots that fired."""

from __future__ import annotations

from django.db import models

from core.crypto import EncryptedTextField
from designer.models import Workflow
from engine.store.models import Run


class WebhookEndpoint(models.Model):
    """The URL /hooks/<token> of one trigger.webhook node of a workflow. Its settings are
    read from the workflow's active version at each call; the token and the signing
    secrets live here, never in the graph (an exported or copied graph carries none)."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="webhooks")
    node_id = models.CharField(max_length=64)
    token = models.CharField(max_length=64, unique=True)
    # Encrypted at rest (core.crypto): a database dump or backup does not sign webhooks.
    secret = EncryptedTextField(help_text="Standard Webhooks signing secret (whsec_...), encrypted.")
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    rate_window = models.DateTimeField(null=True, blank=True, help_text="Start of the current one-minute rate window.")
    rate_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workflow", "node_id"], name="unique_webhook_per_node")]

    def __str__(self) -> str:
        return f"webhook {self.workflow_id}:{self.node_id}"


class WebhookDelivery(models.Model):
    """A `webhook-id` already received by an endpoint, with the run it started: the same id
    again starts nothing (unique), however many arrive at once."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=200)
    # Not checked by the database: docs/history.md#references.
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["endpoint", "message_id"], name="unique_webhook_delivery")]

    def __str__(self) -> str:
        return f"delivery {self.message_id} -> run {self.run_id}"


class Schedule(models.Model):
    """One trigger.schedule node of an active workflow, with its next slot. Written by
    activation, advanced by the tick under a row lock (SKIP LOCKED)."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="schedules")
    node_id = models.CharField(max_length=64)
    cron = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC")
    misfire = models.CharField(max_length=16, default="skip")
    next_fire_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workflow", "node_id"], name="unique_schedule_per_node")]

    def __str__(self) -> str:
        return f"schedule {self.workflow_id}:{self.node_id} next {self.next_fire_at}"


class ScheduleSlot(models.Model):
    """A slot that fired. Unique: whatever number of tick processes, a slot fires once."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="+")
    node_id = models.CharField(max_length=64)
    slot_at = models.DateTimeField()
    # Not checked by the database: docs/history.md#references.
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False)
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workflow", "node_id", "slot_at"], name="unique_schedule_slot")]

    def __str__(self) -> str:
        return f"slot {self.workflow_id}:{self.node_id} {self.slot_at}"
