"""Testing one step: POST /api/workflows/{id}/nodes/{node_id}/test/ evaluates the node once,
with its real effects, and records a test (engine.orchestration.step_test);
GET /api/workflows/{id}/tests/ lists them. Tests are not runs: they never show in the run
list or history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.plumbing import signed_in_user
from core.api.serializers import ErrorSerializer
from designer.selectors import workflow_get_for_user
from engine.api.preview import MAX_ID, PinnedDataSerializer, WholeNumber, run_of
from engine.orchestration.step_test import graph_has_node, step_test_run
from engine.serializers import AnyJSONField
from engine.store.step_tests import StepTest, StepTestStatus, step_tests_of


class TestStepSerializer(serializers.Serializer[dict[str, Any]]):
    graph = AnyJSONField(
        required=False,
        allow_null=True,
        help_text="The graph as the editor has it, unsaved edits and pins included (default: the saved draft). Nothing is saved.",
    )
    run_id = WholeNumber(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="The run of this workflow whose data the node sees (default: the latest run, if any).",
    )
    # Not Serializer.data: DRF's metaclass moves declared fields off the class (as the preview's).
    data = PinnedDataSerializer(  # type: ignore[assignment]
        required=False,
        allow_null=True,
        help_text="Over the run's data and the pinned outputs: trigger, steps by node id ({output}), vars, run, as expressions read them.",
    )

    def validate_graph(self, value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise ValidationError("The graph must be a JSON object with `nodes` and `edges` lists.", code="invalid")
        return value


class StepTestSerializer(serializers.ModelSerializer[StepTest]):
    workflow = serializers.IntegerField(source="workflow_id")
    run = serializers.IntegerField(source="run_id", allow_null=True, help_text="The run whose data the node saw.")
    status = serializers.ChoiceField(choices=StepTestStatus.choices)
    inputs = AnyJSONField(help_text="The predecessors' outputs it was given, by node id.")
    input = AnyJSONField(allow_null=True, help_text="Its rendered config.")
    output = AnyJSONField(allow_null=True)
    error = AnyJSONField(allow_null=True)
    ports = serializers.ListField(child=serializers.CharField())
    duration_ms = serializers.SerializerMethodField()

    class Meta:
        model = StepTest
        fields = [
            "id",
            "workflow",
            "node_id",
            "node_type",
            "status",
            "run",
            "inputs",
            "input",
            "output",
            "ports",
            "error",
            "started_at",
            "finished_at",
            "duration_ms",
        ]

    def get_duration_ms(self, obj: StepTest) -> int:
        return int((obj.finished_at - obj.started_at).total_seconds() * 1000)


class StepTestView(APIView):
    @extend_schema(
        request=TestStepSerializer,
        responses={
            201: StepTestSerializer,
            400: OpenApiResponse(ErrorSerializer, description="A malformed request: the field is named."),
            404: OpenApiResponse(ErrorSerializer, description="No such workflow of yours, node or run."),
            422: OpenApiResponse(ErrorSerializer, description="The node's config (or the graph) has problems: listed."),
        },
        operation_id="workflows_nodes_test",
        description="Test one step: evaluate the node as a run would (its config rendered in the sandbox, its real "
        "effects: an HTTP call happens, its credentials, its timeout) over the data it would see: the latest run's (or "
        "run_id's), the draft's pinned outputs over it, `data` over both. Saves no version and starts no run; the test is "
        "recorded (GET /api/workflows/{id}/tests/). A step that fails is a 201 with its `error`.",
    )
    def post(self, request: Request, workflow_id: int, node_id: str) -> Response:
        user = signed_in_user(request)
        workflow = workflow_get_for_user(user=user, workflow_id=workflow_id)
        serializer = TestStepSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = serializer.validated_data
        graph = body.get("graph")
        if not graph_has_node(graph if graph is not None else workflow.graph, node_id):
            raise Http404(f"The workflow has no node {node_id!r}.")
        run = run_of(workflow, user, body["run_id"]) if body.get("run_id") is not None else None
        test = step_test_run(workflow=workflow, user=user, node_id=node_id, graph=graph, run=run, overrides=body.get("data"))
        return Response(StepTestSerializer(test).data, status=status.HTTP_201_CREATED)


class StepTestListView(ListAPIView[StepTest]):
    serializer_class = StepTestSerializer

    @extend_schema(
        parameters=[OpenApiParameter("node_id", str, description="Only this node's tests.")],
        operation_id="workflows_tests_list",
        description="The workflow's step tests, newest first.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[StepTest]:
        if getattr(self, "swagger_fake_view", False):
            return StepTest.objects.none()
        workflow = workflow_get_for_user(user=signed_in_user(self.request), workflow_id=self.kwargs["workflow_id"])
        node_id = self.request.query_params.get("node_id")
        return step_tests_of(workflow=workflow, node_id=node_id or None)
