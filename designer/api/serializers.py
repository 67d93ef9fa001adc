from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.plumbing import StrictBooleanField, StrictCharField
from core.api.serializers import ProblemSerializer
from designer.models import ConcurrencyPolicy, Workflow, WorkflowVersion
from designer.tags import MAX_TAGS, TAG_HELP, tag_normalized, tag_problem, tags_unique
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


class TagField(serializers.CharField):
    """One tag: normalized (lowercase, single spaces), then checked."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=200, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError("A tag is a string.")
        tag = tag_normalized(super().to_internal_value(data))
        problem = tag_problem(tag)
        if problem:
            raise serializers.ValidationError(problem)
        return tag


def tags_field(*, read_only: bool = False, required: bool | None = None) -> serializers.ListField:
    return serializers.ListField(child=TagField(), max_length=MAX_TAGS, help_text=TAG_HELP, read_only=read_only, required=required)


class TagsWriteMixin(serializers.Serializer[dict[str, Any]]):
    tags = tags_field(required=False)

    def validate_tags(self, value: list[str]) -> list[str]:
        return tags_unique(value)


class LastRunSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="The run's status (see /api/runs/).")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)


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
    tags = tags_field(read_only=True)
    last_run = serializers.SerializerMethodField(help_text="The workflow's newest run (any trigger, child runs too); null: none yet.")
    run_count = serializers.IntegerField(
        read_only=True,
        default=0,
        help_text="How many runs of the workflow exist (child runs included); a lower bound if run_count_capped.",
    )
    run_count_capped = serializers.BooleanField(
        read_only=True, default=False, help_text="true: the workflow has more than run_count runs (1,000: not counted further)."
    )

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "description",
            "tags",
            "last_run",
            "run_count",
            "run_count_capped",
            "active",
            "active_version",
            "latest_version",
            "concurrency_limit",
            "concurrency_policy",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(LastRunSerializer(allow_null=True))
    def get_last_run(self, obj: Workflow) -> dict[str, Any] | None:
        run_id = getattr(obj, "last_run_id", None)
        if run_id is None:
            return None
        return LastRunSerializer(
            {"id": run_id, "status": obj.last_run_status, "created_at": obj.last_run_created_at, "started_at": obj.last_run_started_at}  # type: ignore[attr-defined]
        ).data


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


class WorkflowCreateSerializer(TagsWriteMixin):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=100_000)
    graph = GraphField(required=False)
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, help_text="Version message.")
    concurrency_limit = concurrency_limit_field(required=False)
    concurrency_policy = concurrency_policy_field(required=False)


class WorkflowUpdateSerializer(TagsWriteMixin):
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
    output_schema = serializers.DictField(allow_null=True, help_text="JSON Schema of the node's output, when its type gives one.")
    output_ports = serializers.ListField(child=serializers.CharField())
    dynamic_ports = serializers.DictField(allow_null=True)
    package = serializers.CharField(help_text="The Python package the type comes from ('stepwise' for the built-in types).")
    version = serializers.CharField(help_text="That package's version.")
    builtin = serializers.BooleanField(help_text="Built into Stepwise (false: from an installed plugin).")


class NodePluginSerializer(serializers.Serializer[dict[str, Any]]):
    package = serializers.CharField(help_text="The distribution that declares the entry point.")
    version = serializers.CharField()
    entry_point = serializers.CharField(help_text="`name = module:object`, as the package declares it.")
    types = serializers.ListField(child=serializers.CharField(), help_text="The node types it added (none when skipped).")
    error = serializers.CharField(allow_null=True, help_text="Why it was skipped; null when it loaded.")


class MeSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    version = serializers.CharField(help_text="Stepwise's version (core/version.py).")


class TemplateSerializer(serializers.Serializer[dict[str, Any]]):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    node_types = serializers.ListField(child=serializers.CharField(), help_text="The node types its workflow uses, in order.")
    credentials = serializers.ListField(
        child=serializers.CharField(), help_text="Nodes (by id) that want a credential, chosen after the workflow is made."
    )
    subworkflows = serializers.IntegerField(help_text="How many helper workflows using it also makes.")
    graph = GraphField()


class TemplateUseSerializer(serializers.Serializer[dict[str, Any]]):
    name = StrictCharField(max_length=200, required=False, help_text="The new workflow's name; the template's by default.")
