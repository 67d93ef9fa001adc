from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.models import Action, AuditEntry, How, TargetType


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    action = serializers.ChoiceField(choices=Action.choices, read_only=True)
    summary = serializers.SerializerMethodField(help_text="The action in words: 'changed workflow (new version)'.")
    actor = serializers.SerializerMethodField(help_text="Who did it, by name as it was; null for a webhook, a schedule or a command.")
    how = serializers.ChoiceField(choices=How.choices, read_only=True, help_text="session, token (API), webhook, schedule or command.")
    target_type = serializers.ChoiceField(choices=[("", "none"), *TargetType.choices], read_only=True, help_text="Empty when none.")
    target_exists = serializers.SerializerMethodField(help_text="The target is still there (a link to it works).")
    workflow_exists = serializers.SerializerMethodField(help_text="The workflow of workflow_id is still there.")
    details = serializers.SerializerMethodField(help_text="Ids, field names and version numbers; never a value or a secret.")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "action",
            "summary",
            "actor",
            "how",
            "address",
            "user_agent",
            "target_type",
            "target_id",
            "target_name",
            "target_exists",
            "workflow_id",
            "workflow_exists",
            "details",
        ]
        read_only_fields = fields

    def get_summary(self, entry: AuditEntry) -> str:
        return str(Action(entry.action).label)

    def get_actor(self, entry: AuditEntry) -> str | None:
        return entry.actor_name or None

    def _exists(self, target_type: str, target_id: str) -> bool:
        existing: dict[str, set[str]] = self.context.get("existing", {})
        return target_id in existing.get(target_type, set())

    def get_target_exists(self, entry: AuditEntry) -> bool:
        return self._exists(entry.target_type, entry.target_id)

    def get_workflow_exists(self, entry: AuditEntry) -> bool:
        return entry.workflow_id is not None and self._exists(TargetType.WORKFLOW, str(entry.workflow_id))

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {
                "oneOf": [
                    {"type": "string"},
                    {"type": "integer"},
                    {"type": "boolean"},
                    {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]}},
                ],
                "nullable": True,
            },
        }
    )
    def get_details(self, entry: AuditEntry) -> dict[str, Any]:
        return dict(entry.details)
