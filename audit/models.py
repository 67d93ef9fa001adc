"""The audit log: who did what to which object, when, from where and how
(docs/architecture.md#audit-log). An entry is written once and never changed; it keeps the
target's name as it was, so the entries of a deleted workflow still read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    WORKFLOW_CREATED = "workflow.created", "created workflow"
    WORKFLOW_CHANGED = "workflow.changed", "changed workflow (new version)"
    WORKFLOW_SETTINGS_CHANGED = "workflow.settings_changed", "changed workflow settings"
    WORKFLOW_DUPLICATED = "workflow.duplicated", "duplicated workflow"
    WORKFLOW_EXPORTED = "workflow.exported", "exported workflow"
    WORKFLOW_IMPORTED = "workflow.imported", "imported workflow"
    WORKFLOW_DELETED = "workflow.deleted", "deleted workflow"
    WORKFLOW_ACTIVATED = "workflow.activated", "activated workflow"
    WORKFLOW_DEACTIVATED = "workflow.deactivated", "deactivated workflow"
    WEBHOOK_SECRET_VIEWED = "webhook.secret_viewed", "viewed webhook secret"
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated", "rotated webhook secret"
    RUN_STARTED = "run.started", "started run"
    RUN_CANCELLED = "run.cancelled", "cancelled run"
    RUN_RETRIED = "run.retried", "retried run from failure"
    RUN_RERUN = "run.rerun", "reran run"
    STEP_APPROVED = "step.approved", "approved step"
    STEP_REJECTED = "step.rejected", "rejected step"
    STEP_MARKED_DONE = "step.marked_done", "marked step done"
    STEP_RETRIED = "step.retried", "retried step"
    SIGNED_IN = "auth.signed_in", "signed in"
    SIGN_IN_FAILED = "auth.sign_in_failed", "failed to sign in"
    SIGNED_OUT = "auth.signed_out", "signed out"
    # For the credentials and API tokens being built: their entry points call audit.record
    # with these (audit/services.py says how); nothing records them yet.
    CREDENTIAL_CREATED = "credential.created", "created credential"
    CREDENTIAL_CHANGED = "credential.changed", "changed credential"
    CREDENTIAL_ROTATED = "credential.rotated", "rotated credential"
    CREDENTIAL_DELETED = "credential.deleted", "deleted credential"
    CREDENTIAL_TESTED = "credential.tested", "tested credential"
    TOKEN_CREATED = "token.created", "created API token"
    TOKEN_REVOKED = "token.revoked", "revoked API token"


class TargetType(models.TextChoices):
    WORKFLOW = "workflow"
    RUN = "run"
    USER = "user"
    CREDENTIAL = "credential"
    API_TOKEN = "api_token"


class How(models.TextChoices):
    """The way in: the browser's session, an API token, a webhook call, a schedule's slot,
    or a manage.py command (a key rotation, a token made on the command line)."""

    SESSION = "session"
    TOKEN = "token"
    WEBHOOK = "webhook"
    SCHEDULE = "schedule"
    COMMAND = "command"


class AuditEntryImmutable(Exception):
    pass


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now)
    # Whose log it is: the owner of the target (for a sign-in, the account). Null only for a
    # failed sign-in as a name no account has: staff read those in the admin.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    # Who did it: null for a webhook, a schedule or a command; the name is kept as it was.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=40, choices=Action.choices)
    target_type = models.CharField(max_length=20, choices=TargetType.choices, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    target_name = models.CharField(max_length=200, blank=True, default="")
    # The workflow the entry concerns (itself, or a run's), as a plain id: it outlives the
    # workflow, and a workflow's activity lists its runs' entries too.
    workflow_id = models.PositiveBigIntegerField(null=True, blank=True)
    how = models.CharField(max_length=16, choices=How.choices)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True, default="")
    # Ids, field names and version numbers only (audit.services checks the shape): never a
    # config value, a payload or a secret.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["owner", "-at", "-id"], name="audit_owner_at"),
            models.Index(fields=["owner", "target_type", "target_id"], name="audit_owner_target"),
            models.Index(fields=["owner", "workflow_id"], name="audit_owner_workflow"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or self.how} {self.action} {self.target_type} {self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEntryImmutable("An audit entry cannot be changed.")
        super().save(*args, **kwargs)
