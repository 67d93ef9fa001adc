"""Previewing an expression the way a run evaluates it: POST /api/workflows/{id}/preview/.

The editor shows what an expression gives while a person types it. The value comes from
the evaluation runs use (`catalog.expressions.evaluate.Evaluation`, with the same limits:
bounded expressions here, the others in an evaluator process), over the data a
run's step sees (`engine.orchestration.evaluation.expression_data`), so a preview cannot
disagree with the run it was made against. The data is the node's in one of the
workflow's runs (`run_id`), data the person pins (`data`), or, with neither, an empty
trigger and no steps beside the draft's `vars`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.expressions.evaluate import Evaluation, ExpressionError
from core.api.plumbing import StrictBooleanField, signed_in_user
from designer.models import Workflow
from designer.selectors import workflow_get_for_user
from engine.orchestration.evaluation import expression_limits
from engine.orchestration.pinned import graph_for
from engine.orchestration.step_test import pinned_steps, run_data
from engine.serializers import AnyJSONField
from engine.store.models import Run

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_ID = 2**63 - 1


class _Text(serializers.CharField):
    """A JSON string only: DRF's CharField also takes numbers (5 becomes "5")."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class WholeNumber(serializers.IntegerField):
    """A JSON whole number only: DRF's IntegerField also takes "5" and true."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, float) and data.is_integer())):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class PinnedDataSerializer(serializers.Serializer[dict[str, Any]]):
    """What expressions see, as the person writes it; a name left out is what it is with
    no run (trigger {}, steps {}, the draft's vars). Any other name is refused."""

    trigger = AnyJSONField(required=False, allow_null=True, help_text="The run's input.")
    steps = serializers.DictField(
        child=serializers.DictField(), required=False, help_text="By node id: {output, status}, as `steps.<id>.output` reads them."
    )
    vars = serializers.DictField(required=False, help_text="The graph's variables (default: the draft's).")
    run = serializers.DictField(required=False, help_text="{id, started_at, trigger, attempt}, as `run.id` reads them.")
    item = AnyJSONField(required=False, allow_null=True, help_text="Inside a map's input per item: the item.")
    index = WholeNumber(required=False, min_value=0, max_value=MAX_ID, help_text="Inside a map's input per item: its index.")
    compensating = serializers.DictField(required=False, help_text="In a compensation: {node_id, input, output} of the step it undoes.")

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                known = ", ".join(self.fields)
                raise ValidationError({key: [f"Expressions see {known}; not {key!r}."] for key in unknown}, code="unknown_name")
        return dict(super().to_internal_value(data))


class PreviewSerializer(serializers.Serializer[dict[str, Any]]):
    expression = _Text(
        trim_whitespace=False,
        allow_blank=True,
        help_text="JSONata source, as inside {{ }} or in a transform's expression (at most STEPWISE_MAX_EXPRESSION_CHARS characters).",
    )
    node_id = _Text(
        max_length=64, help_text="The node whose field holds it: a node of the draft, or of the run's version when run_id is given."
    )
    run_id = WholeNumber(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="Evaluate over what the node sees in this run."
    )
    # Not Serializer.data: DRF's metaclass moves declared fields off the class (as EventSerializer's).
    data = PinnedDataSerializer(  # type: ignore[assignment]
        required=False, allow_null=True, help_text="Evaluate over this data instead (not with run_id)."
    )
    pinned = StrictBooleanField(
        required=False,
        default=True,
        help_text="Whether the draft's pinned outputs stand in for those steps' outputs (over the run's, under `data`'s).",
    )

    def validate_expression(self, value: str) -> str:
        limit = settings.STEPWISE_MAX_EXPRESSION_CHARS
        if len(value) > limit:
            raise ValidationError(f"An expression has at most {limit} characters; this one has {len(value)}.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("run_id") is not None and attrs.get("data") is not None:
            raise ValidationError({"data": ["Give run_id or data, not both."]}, code="exclusive")
        return attrs


class PreviewErrorSerializer(serializers.Serializer[dict[str, Any]]):
    message = serializers.CharField(help_text="Why the expression cannot be parsed or failed.")
    position = serializers.IntegerField(allow_null=True, help_text="Where in the expression (a character offset), when known.")
    code = serializers.CharField(allow_null=True, help_text="The JSONata error code (S0201, T2002...), when known.")


class PreviewResultSerializer(serializers.Serializer[dict[str, Any]]):
    value = AnyJSONField(required=False, allow_null=True, help_text="The expression's value (null for JSONata's undefined).")
    error = PreviewErrorSerializer(required=False, help_text="Instead of `value`: the expression does not parse, or fails.")


def _node_ids(graph: Any) -> set[str]:
    """The node ids of a graph as saved (a draft may have problems: no assumption on it)."""
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    if not isinstance(nodes, list):
        return set()
    return {n["id"] for n in nodes if isinstance(n, dict) and isinstance(n.get("id"), str)}


def _draft_vars(workflow: Workflow) -> dict[str, Any]:
    graph = workflow.graph if isinstance(workflow.graph, dict) else {}
    found = graph.get("vars")
    return dict(found) if isinstance(found, dict) else {}


def run_of(workflow: Workflow, user: User, run_id: int) -> Run:
    try:
        return Run.objects.get(pk=run_id, owner=user, workflow=workflow)
    except Run.DoesNotExist:
        raise Http404("Run not found.") from None


def _no_node(node_id: str, where: str) -> ValidationError:
    return ValidationError(
        {"node_id": [f"{where} has no node {node_id!r} (save the workflow to preview a new node)."]}, code="unknown_node"
    )


def preview_data(workflow: Workflow, user: User, request: dict[str, Any]) -> dict[str, Any]:
    node_id = request["node_id"]
    pinned = pinned_steps(workflow.graph) if request.get("pinned", True) else {}
    if request.get("run_id") is not None:
        run = run_of(workflow, user, request["run_id"])
        if node_id not in _node_ids(workflow.graph) and node_id not in graph_for(run).nodes:
            raise _no_node(node_id, f"Neither the workflow nor version {run.version.number} of run {run.pk}")
        data = run_data(run, node_id)
        return {**data, "steps": {**data["steps"], **pinned}}
    if node_id not in _node_ids(workflow.graph):
        raise _no_node(node_id, "The workflow")
    given = dict(request.get("data") or {})
    steps = {**pinned, **given.pop("steps", {})}
    return {"trigger": {}, "vars": _draft_vars(workflow), **given, "steps": steps}


def preview(source: str, data: dict[str, Any]) -> dict[str, Any]:
    """{"value": ...}, or {"error": {message, position, code}} for an expression that does not
    parse or fails, exactly as a run would evaluate it."""
    try:
        return {"value": Evaluation(expression_limits())(source, data)}
    except ExpressionError as exc:  # a syntax error too: the evaluation reports it as one
        return {"error": {"message": exc.reason, "position": exc.position, "code": exc.code}}


class WorkflowPreviewView(APIView):
    @extend_schema(
        request=PreviewSerializer,
        responses={200: PreviewResultSerializer},
        operation_id="workflows_preview",
        description="Evaluate a JSONata expression as a run would: over what node_id saw in run_id (a run of this "
        "workflow), over pinned data, or over an empty trigger and the draft's vars. An expression that does not "
        "parse or fails is a 200 with `error`; a malformed request is a 400 naming the field.",
    )
    def post(self, request: Request, workflow_id: int) -> Response:
        user = signed_in_user(request)
        workflow = workflow_get_for_user(user=user, workflow_id=workflow_id)
        serializer = PreviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = serializer.validated_data
        return Response(preview(body["expression"], preview_data(workflow, user, body)))
