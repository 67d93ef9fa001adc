from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.plumbing import StrictBooleanField
from core.api.serializers import ProblemSerializer
from designer.models import ConcurrencyPolicy, Workflow, WorkflowVersion
from designer.validation.advice import graph_warnings

GRAPH_HELP = (
    "The workflow graph: {nodes: [{id, type, name, position, config, retry, timeout_s, on_error, "
    "compensation, delivery}], edges: [{id, source, source_port, target, target_port}]}."
)


@extend_schema_field({"type": "object", "additionalProperties": True, "description": GRAPH_HELP})
class GraphField(serializers.JSONField):
    pass


LIMIT_HELP = "At most this many top-level runs of the workflow run at once; null: no limit."
POLICY_HELP = (
    "What a run started while the limit is reached becomes: queue (it waits, queued, and starts in "
    "order of creation when a slot frees), cancel_new (it is cancelled at once), fail_new (it fails at once)."
)


def concurrency_limit_field(*, read_only: bool = False, required: bool | None = None) -> serializers.IntegerField:
    return serializers.IntegerField(
        allow_null=True, min_value=1, max_value=100_000, help_text=LIMIT_HELP, read_only=read_only, required=required
    )


def concurrency_policy_field(*, read_only: bool = False, required: bool | None = None) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=ConcurrencyPolicy.choices, help_text=POLICY_HELP, read_only=read_only, required=required)


class UserSummarySerializer(serializers.Serializer[User]):
    id = serializers.IntegerField()
    username = serializers.CharField()


class WorkflowSummarySerializer(serializers.ModelSerializer[Workflow]):
    latest_version = serializers.IntegerField(read_only=True, allow_null=True)
    active = serializers.BooleanField(read_only=True, help_text="Triggers (webhooks, schedules) start runs: see POST .../activate/.")
    active_version = serializers.IntegerField(
        source="active_version.number", read_only=True, allow_null=True, help_text="The version the triggers start."
    )
    concurrency_limit = concurrency_limit_field(read_only=True)
    concurrency_policy = concurrency_policy_field(read_only=True)

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "description",
            "active",
            "active_version",
            "latest_version",
            "concurrency_limit",
            "concurrency_policy",
            "created_at",
            "updated_at",
        ]


class WorkflowDetailSerializer(WorkflowSummarySerializer):
    graph = GraphField()
    problems = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(help_text="Advice on settings that may not do what you expect; never blocks a run.")

    class Meta(WorkflowSummarySerializer.Meta):
        fields = [*WorkflowSummarySerializer.Meta.fields, "graph", "problems", "warnings"]

    @extend_schema_field(ProblemSerializer(many=True))
    def get_problems(self, obj: Workflow) -> list[dict[str, Any]]:
        return [p.as_dict() for p in self.context.get("problems", [])]

    @extend_schema_field(ProblemSerializer(many=True))
    def get_warnings(self, obj: Workflow) -> list[dict[str, Any]]:
        return [p.as_dict() for p in graph_warnings(obj.graph)]


class WorkflowCreateSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=100_000)
    graph = GraphField(required=False)
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, help_text="Version message.")
    concurrency_limit = concurrency_limit_field(required=False)
    concurrency_policy = concurrency_policy_field(required=False)


class WorkflowUpdateSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    graph = GraphField(required=False)
    active = StrictBooleanField(
        required=False, help_text="Not writable here: POST /api/workflows/{id}/activate/ or /deactivate/ (a 400 says so)."
    )
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, help_text="Version message.")
    concurrency_limit = concurrency_limit_field(required=False)
    concurrency_policy = concurrency_policy_field(required=False)
    base_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=2**31 - 1,
        help_text="The version the editor loaded (0 for none); a later save by someone else gives 409.",
    )

    def validate_active(self, value: bool) -> bool:
        raise serializers.ValidationError(
            "A workflow is activated with POST /api/workflows/{id}/activate/ and deactivated with POST .../deactivate/."
        )


class WorkflowReplaceSerializer(WorkflowUpdateSerializer):
    """PUT replaces the editable fields, so the name is required."""

    name = serializers.CharField(max_length=200)


class ValidateRequestSerializer(serializers.Serializer[dict[str, Any]]):
    graph = GraphField(required=False, help_text="Graph to check; the saved draft when omitted.")


class ValidateResponseSerializer(serializers.Serializer[dict[str, Any]]):
    valid = serializers.BooleanField()
    problems = ProblemSerializer(many=True)
    warnings = ProblemSerializer(many=True, help_text="Advice that does not block a run.")


class VersionSummarySerializer(serializers.ModelSerializer[WorkflowVersion]):
    author = UserSummarySerializer(allow_null=True, read_only=True)
    # Declared, not derived: the derived range depends on the database vendor.
    number = serializers.IntegerField(read_only=True, min_value=1)

    class Meta:
        model = WorkflowVersion
        fields = ["number", "message", "author", "created_at", "graph_hash"]


class VersionDetailSerializer(VersionSummarySerializer):
    graph = GraphField()

    class Meta(VersionSummarySerializer.Meta):
        fields = [*VersionSummarySerializer.Meta.fields, "graph"]


class ExportSerializer(serializers.Serializer[dict[str, Any]]):
    format = serializers.CharField()
    format_version = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(allow_null=True)
    graph = GraphField()


class ImportSerializer(serializers.Serializer[dict[str, Any]]):
    format = serializers.CharField(required=False)
    format_version = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    version = serializers.IntegerField(required=False, allow_null=True)
    graph = GraphField()


class NodeTypeSerializer(serializers.Serializer[dict[str, Any]]):
    type = serializers.CharField()
    title = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    is_trigger = serializers.BooleanField()
    has_input = serializers.BooleanField()
    config_schema = serializers.DictField()
    default_config = serializers.DictField()
    output_ports = serializers.ListField(child=serializers.CharField())
    dynamic_ports = serializers.DictField(allow_null=True)


class MeSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
