"""The run's representation, one for both of its interfaces: the REST API (engine.api) and
the live stream's snapshots (engine.live), so that what streams equals what the API says."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engine.orchestration.admission import run_queued_reason
from engine.store.models import Run, RunEvent, StepRun
from engine.store.statuses import RunStatus, StepStatus


def _duration_ms(obj: Any) -> int | None:
    if obj.started_at and obj.finished_at:
        return int((obj.finished_at - obj.started_at).total_seconds() * 1000)
    return None


@extend_schema_field({"description": "Any JSON value."})
class AnyJSONField(serializers.JSONField):
    pass


class StepSerializer(serializers.ModelSerializer[StepRun]):
    # Integer fields declared here: derived ones carry vendor-dependent ranges into the schema.
    iteration = serializers.IntegerField(min_value=0)
    attempt = serializers.IntegerField(min_value=0)
    status = serializers.ChoiceField(choices=StepStatus.choices)
    input = AnyJSONField(allow_null=True)
    output = AnyJSONField(allow_null=True)
    error = AnyJSONField(allow_null=True)
    ports = serializers.ListField(child=serializers.CharField())
    attempts = serializers.ListField(child=serializers.DictField())
    idempotency_key = serializers.CharField()
    duration_ms = serializers.SerializerMethodField()
    reused_from_run = serializers.SerializerMethodField(
        help_text="A rerun from a step: the run whose output this step reused (it did not run in this run); null otherwise."
    )

    class Meta:
        model = StepRun
        fields = [
            "node_id",
            "iteration",
            "status",
            "attempt",
            "input",
            "output",
            "error",
            "ports",
            "attempts",
            "idempotency_key",
            "compensates",
            "not_before",
            "created_at",
            "started_at",
            "finished_at",
            "duration_ms",
            "reused_from_run",
        ]

    def get_duration_ms(self, obj: StepRun) -> int | None:
        return _duration_ms(obj)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_reused_from_run(self, obj: StepRun) -> int | None:
        return cast(int | None, self.context.get("reused", {}).get((obj.run_id, obj.node_id, obj.iteration)))


def reused_steps(run: Run) -> dict[tuple[int, str, int], int]:
    """The steps a rerun from a step copied, with the run they came from: their creation
    event says so (engine.orchestration.creation.run_new). None for any other run."""
    if run.rerun_of_id is None:
        return {}
    events = RunEvent.objects.filter(run_id=run.pk, kind="step", data__has_key="reused_from_run").values_list("node_id", "data")
    return {(run.pk, node_id, 0): int(data["reused_from_run"]) for node_id, data in events}


class ResumeSerializer(serializers.Serializer[dict[str, Any]]):
    """One resume of a run that had failed: a retry from failure or a person's fix."""

    seq = serializers.IntegerField(min_value=1, help_text="The resume's event in the run's log.")
    at = serializers.DateTimeField()
    how = serializers.ChoiceField(choices=["retry", "fix"])
    by = serializers.CharField(allow_null=True, help_text="Who resumed it (null when unknown).")
    node_id = serializers.CharField(allow_null=True, help_text="For a fix: the step fixed.")


def run_resumes(run: Run) -> list[dict[str, Any]]:
    """Each time the run went from failed to running again, in order: every `running`
    event of the run but its first start."""
    events = RunEvent.objects.filter(run_id=run.pk, kind="run", status=RunStatus.RUNNING).order_by("seq")
    resumes = []
    for event in list(events)[1:]:
        data = event.data if isinstance(event.data, dict) else {}
        how = data.get("resumed") or ("fix" if "fixed" in data else "retry")
        resumes.append({"seq": event.seq, "at": event.at, "how": how, "by": data.get("by"), "node_id": data.get("fixed")})
    return resumes


class RunSummarySerializer(serializers.ModelSerializer[Run]):
    status = serializers.ChoiceField(choices=RunStatus.choices)
    workflow_name = serializers.CharField(source="workflow.name")
    version = serializers.IntegerField(source="version.number")
    duration_ms = serializers.SerializerMethodField()
    parent_run = serializers.IntegerField(source="parent_step.run_id", allow_null=True, read_only=True)
    parent_node = serializers.CharField(source="parent_step.node_id", allow_null=True, read_only=True)
    item_index = serializers.IntegerField(min_value=0, allow_null=True)
    depth = serializers.IntegerField(min_value=0)

    class Meta:
        model = Run
        fields = [
            "id",
            "workflow",
            "workflow_name",
            "version",
            "status",
            "trigger",
            "rerun_of",
            "parent_run",
            "parent_node",
            "item_index",
            "depth",
            "created_at",
            "started_at",
            "finished_at",
            "duration_ms",
        ]

    def get_duration_ms(self, obj: Run) -> int | None:
        return _duration_ms(obj)


class RunDetailSerializer(RunSummarySerializer):
    workflow_changed = serializers.SerializerMethodField(help_text="The workflow has a newer version than the one this run pinned.")
    input = AnyJSONField()
    output = AnyJSONField(allow_null=True)
    error = AnyJSONField(allow_null=True)
    steps = StepSerializer(many=True)
    last_seq = serializers.IntegerField(min_value=0)
    resumes = serializers.SerializerMethodField(
        help_text="Each resume of the run after a failure (retry from failure, fix and resume), in order. "
        "The run keeps its first start: duration_ms runs from it to the end."
    )
    queued_reason = serializers.SerializerMethodField(
        help_text="Why a queued run has not started (its workflow's concurrency limit, its map's max_concurrency); null otherwise."
    )

    class Meta(RunSummarySerializer.Meta):
        fields = [
            *RunSummarySerializer.Meta.fields,
            *("workflow_changed", "queued_reason", "input", "output", "error", "last_seq", "resumes", "steps"),
        ]

    def to_representation(self, instance: Run) -> dict[str, Any]:
        cast(dict[str, Any], self.context)["reused"] = reused_steps(instance)
        return super().to_representation(instance)

    @extend_schema_field(ResumeSerializer(many=True))
    def get_resumes(self, obj: Run) -> list[dict[str, Any]]:
        return list(ResumeSerializer(cast(Any, run_resumes(obj)), many=True).data)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_queued_reason(self, obj: Run) -> str | None:
        return run_queued_reason(obj)

    def get_workflow_changed(self, obj: Run) -> bool:
        latest = obj.workflow.versions.order_by("-number").values_list("number", flat=True).first()
        return latest is not None and latest != obj.version.number


class EventSerializer(serializers.ModelSerializer[RunEvent]):
    seq = serializers.IntegerField(min_value=1)
    attempt = serializers.IntegerField(min_value=0)
    # The event's `data` field. DRF's metaclass moves declared fields off the class, so it does
    # not shadow Serializer.data at run time; the stubs see only the class attribute.
    data = AnyJSONField()  # type: ignore[assignment]

    class Meta:
        model = RunEvent
        fields = ["seq", "kind", "node_id", "status", "attempt", "data", "at"]


class RunStartSerializer(serializers.Serializer[dict[str, Any]]):
    input = AnyJSONField(required=False, help_text="The trigger payload (checked against the trigger's input schema).")


class RerunSerializer(serializers.Serializer[dict[str, Any]]):
    from_node = serializers.CharField(required=False, max_length=64, help_text="Rerun from this node, reusing upstream outputs.")


class DecisionSerializer(serializers.Serializer[dict[str, Any]]):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    payload = AnyJSONField(required=False, allow_null=True)


class MarkDoneSerializer(serializers.Serializer[dict[str, Any]]):
    output = AnyJSONField(required=False, allow_null=True, help_text="The step's output, as the person knows it (null if omitted).")


class FixSerializer(serializers.Serializer[dict[str, Any]]):
    """A person's fix of a failed or interrupted step: exactly one of `input` and `output`."""

    input = serializers.DictField(
        required=False,
        help_text="A new input for the step (its config as it runs, checked against the node type's schema): "
        "the step runs again with it, on this attempt and every later one, not rendered again from the graph.",
    )
    output = AnyJSONField(
        required=False,
        allow_null=True,
        help_text="The step's output, for a step whose effect happened (an at-most-once call that went out): "
        "it succeeds with it and is not called again.",
    )
    port = serializers.CharField(
        required=False, max_length=64, help_text="With `output`: the port it takes (default `out`; a condition's `true` or `false`)."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000, help_text="Why, for the history.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("input" in attrs) == ("output" in attrs):
            raise serializers.ValidationError({"input": "Give either a new input or the output, not both and not neither."})
        if "port" in attrs and "output" not in attrs:
            raise serializers.ValidationError({"port": "A port goes with an output."})
        return attrs
