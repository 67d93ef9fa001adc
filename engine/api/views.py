"""Runs: start, list, inspect, events, and control (cancel, retry, rerun, approvals, fix)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import django_filters
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.filters import SearchFilter
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action
from audit.services import Detail, record, request_origin, run_target
from core.api.plumbing import (
    CappedCountPagination,
    StrictBooleanFilter,
    StrictDateTimeFilter,
    StrictFilterSet,
    StrictIdFilter,
    TieBrokenOrderingFilter,
    query_int,
    signed_in_user,
)
from core.api.serializers import ErrorSerializer
from designer.selectors import workflow_get_for_user
from engine.orchestration.cancel import run_cancel
from engine.orchestration.control import Fixed, run_rerun, run_retry, step_decide, step_fix, step_resolve
from engine.orchestration.runs import run_start
from engine.serializers import (
    DecisionSerializer,
    EventSerializer,
    FixSerializer,
    MarkDoneSerializer,
    RerunSerializer,
    RunDetailSerializer,
    RunStartSerializer,
    RunSummarySerializer,
)
from engine.store.models import Run, RunEvent, Trigger
from engine.store.statuses import RunStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REFUSED = OpenApiResponse(ErrorSerializer, description="The run is not in a state that allows this.")
INVALID = OpenApiResponse(ErrorSerializer, description="The workflow or the input is invalid (problems listed).")
TOO_MANY = OpenApiResponse(
    ErrorSerializer, description="You have STEPWISE_MAX_RUNS_IN_FLIGHT_PER_USER runs in flight; try again after Retry-After seconds."
)


def runs_for(user: User) -> QuerySet[Run]:
    return Run.objects.filter(owner=user).select_related("workflow", "version", "parent_step")


def run_get(user: User, run_id: int) -> Run:
    try:
        return runs_for(user).get(pk=run_id)
    except (Run.DoesNotExist, ValueError, OverflowError):
        raise Http404("Run not found.") from None


def _audit(request: Request, action: Action, run: Run, **details: Detail) -> None:
    record(action=action, origin=request_origin(request), owner=run.owner, target=run_target(run), details=details)


def _detail(run: Run, code: int = status.HTTP_200_OK) -> Response:
    run = Run.objects.select_related("workflow", "version", "parent_step").prefetch_related("steps").get(pk=run.pk)
    return Response(RunDetailSerializer(run).data, status=code)


class RunFilter(StrictFilterSet):
    id = StrictIdFilter(field_name="id", help_text="Find a run by its id.")
    workflow = StrictIdFilter(field_name="workflow_id")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    trigger = django_filters.ChoiceFilter(choices=Trigger.choices)
    created_after = StrictDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = StrictDateTimeFilter(field_name="created_at", lookup_expr="lt")
    parent = StrictIdFilter(field_name="parent_step__run_id", help_text="Child runs of this run (workflow.call, map).")
    top_level = StrictBooleanFilter(field_name="parent_step", lookup_expr="isnull", help_text="true: only runs that are no run's child.")

    class Meta:
        model = Run
        fields = ["workflow", "status", "trigger"]


class WorkflowRunsView(APIView):
    @extend_schema(
        request=RunStartSerializer,
        responses={201: RunDetailSerializer, 422: INVALID, 429: TOO_MANY},
        operation_id="workflows_runs_create",
        description="Start a run of the latest version. With a concurrency limit on the workflow, a run past it is "
        "created queued (it starts when a slot frees), cancelled or failed, by the workflow's concurrency_policy.",
    )
    def post(self, request: Request, workflow_id: int) -> Response:
        workflow = workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)
        serializer = RunStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        trigger = Trigger.MANUAL if request.auth is None else Trigger.API
        with transaction.atomic():
            payload = serializer.validated_data.get("input")
            run = run_start(workflow=workflow, user=signed_in_user(request), payload=payload, trigger=trigger)
            _audit(request, Action.RUN_STARTED, run, trigger=trigger, version=run.version.number)
        return _detail(run, status.HTTP_201_CREATED)


SUMMARY_COLUMNS = (
    *("id", "workflow_id", "status", "trigger", "rerun_of_id", "item_index", "depth", "created_at", "started_at", "finished_at"),
    *("workflow__name", "version__number", "parent_step__run_id", "parent_step__node_id"),
)


class RunListView(ListAPIView[Run]):
    serializer_class = RunSummarySerializer
    filterset_class = RunFilter
    # A history of a million runs: the count stops at 1,000 (count_capped), and every
    # filter with its sort has an index that starts with the owner (engine.store.models).
    pagination_class = CappedCountPagination
    filter_backends = [DjangoFilterBackend, SearchFilter, TieBrokenOrderingFilter]
    search_fields: list[str] = []
    ordering_fields = ["created_at", "finished_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Run]:
        if getattr(self, "swagger_fake_view", False):
            return Run.objects.none()
        # Only what the summary shows: the workflow's and version's graphs, the run's input
        # and output are JSON decoded per row for nothing (two thirds of the request's time).
        return runs_for(signed_in_user(self.request)).only(*SUMMARY_COLUMNS)


class RunDetailView(APIView):
    @extend_schema(responses={200: RunDetailSerializer}, operation_id="runs_retrieve")
    def get(self, request: Request, run_id: int) -> Response:
        return _detail(run_get(signed_in_user(request), run_id))


class RunEventsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="Only events after this sequence number."),
            OpenApiParameter("limit", int, description="At most this many (1 to 1000, default 1000)."),
        ],
        responses={200: EventSerializer(many=True)},
        operation_id="runs_events_list",
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get(signed_in_user(request), run_id)
        after = query_int(request, "after", default=0, low=0, high=2**31 - 1)
        limit = query_int(request, "limit", default=1000, low=1, high=1000)
        events = RunEvent.objects.filter(run=run, seq__gt=after).order_by("seq")[:limit]
        return Response(EventSerializer(events, many=True).data)


class RunCancelView(APIView):
    @extend_schema(request=None, responses={200: RunDetailSerializer, 409: REFUSED}, operation_id="runs_cancel")
    def post(self, request: Request, run_id: int) -> Response:
        with transaction.atomic():
            run = run_cancel(run=run_get(signed_in_user(request), run_id))
            _audit(request, Action.RUN_CANCELLED, run)
        return _detail(run)


class RunRetryView(APIView):
    @extend_schema(request=None, responses={200: RunDetailSerializer, 409: REFUSED}, operation_id="runs_retry")
    def post(self, request: Request, run_id: int) -> Response:
        with transaction.atomic():
            user = signed_in_user(request)
            run = run_retry(run=run_get(user, run_id), user=user)
            _audit(request, Action.RUN_RETRIED, run)
        return _detail(run)


class RunRerunView(APIView):
    @extend_schema(
        request=RerunSerializer, responses={201: RunDetailSerializer, 409: REFUSED, 422: INVALID, 429: TOO_MANY}, operation_id="runs_rerun"
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = run_get(signed_in_user(request), run_id)
        serializer = RerunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        from_node = serializer.validated_data.get("from_node")
        with transaction.atomic():
            new = run_rerun(run=run, user=signed_in_user(request), from_node=from_node)
            _audit(request, Action.RUN_RERUN, new, from_run=run.pk, from_node=from_node, version=new.version.number)
        return _detail(new, status.HTTP_201_CREATED)


class _DecisionView(APIView):
    approve = True

    def post(self, request: Request, run_id: int, node_id: str) -> Response:
        run = run_get(signed_in_user(request), run_id)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            step = step_decide(
                run=run,
                node_id=node_id,
                approve=self.approve,
                user=signed_in_user(request),
                comment=data["comment"],
                payload=data.get("payload"),
            )
            # The comment and the payload are the person's words and data: not in the log.
            _audit(request, Action.STEP_APPROVED if self.approve else Action.STEP_REJECTED, run, node_id=step.node_id)
        return _detail(run)


class StepApproveView(_DecisionView):
    @extend_schema(request=DecisionSerializer, responses={200: RunDetailSerializer, 409: REFUSED}, operation_id="runs_steps_approve")
    def post(self, request: Request, run_id: int, node_id: str) -> Response:
        return super().post(request, run_id, node_id)


class StepRejectView(_DecisionView):
    approve = False

    @extend_schema(request=DecisionSerializer, responses={200: RunDetailSerializer, 409: REFUSED}, operation_id="runs_steps_reject")
    def post(self, request: Request, run_id: int, node_id: str) -> Response:
        return super().post(request, run_id, node_id)


class StepMarkDoneView(APIView):
    @extend_schema(request=MarkDoneSerializer, responses={200: RunDetailSerializer, 409: REFUSED}, operation_id="runs_steps_mark_done")
    def post(self, request: Request, run_id: int, node_id: str) -> Response:
        run = run_get(signed_in_user(request), run_id)
        serializer = MarkDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            output = serializer.validated_data.get("output")
            step = step_resolve(run=run, node_id=node_id, done=True, user=signed_in_user(request), output=output)
            _audit(request, Action.STEP_MARKED_DONE, run, node_id=step.node_id, attempt=step.attempt)
        return _detail(run)


class StepRetryView(APIView):
    @extend_schema(request=None, responses={200: RunDetailSerializer, 409: REFUSED}, operation_id="runs_steps_retry")
    def post(self, request: Request, run_id: int, node_id: str) -> Response:
        run = run_get(signed_in_user(request), run_id)
        with transaction.atomic():
            step = step_resolve(run=run, node_id=node_id, done=False, user=signed_in_user(request))
            _audit(request, Action.STEP_RETRIED, run, node_id=step.node_id, attempt=step.attempt)
        return _detail(run)


class StepFixView(APIView):
    @extend_schema(
        request=FixSerializer,
        responses={200: RunDetailSerializer, 409: REFUSED, 422: INVALID},
        operation_id="runs_steps_fix",
        description="Fix a failed or interrupted step and resume the same run from it, every finished output kept: "
        "give it a new `input` (it runs again with it) or, for a step whose effect happened, its `output` (it succeeds "
        "with it, not called again). The step's attempts record who changed what, the old value and the new. "
        "A step that finished, or one that has not run, cannot be fixed (409).",
    )
    def post(self, request: Request, run_id: int, node_id: str) -> Response:
        run = run_get(signed_in_user(request), run_id)
        serializer = FixSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        fixed: Fixed = "input" if "input" in data else "output"
        with transaction.atomic():
            step = step_fix(
                run=run,
                node_id=node_id,
                user=signed_in_user(request),
                fixed=fixed,
                value=data[fixed],
                port=data.get("port"),
                comment=data["comment"],
            )
            # The values are the person's data: the log names only what was fixed.
            action = Action.STEP_RETRIED if fixed == "input" else Action.STEP_MARKED_DONE
            _audit(request, action, run, node_id=step.node_id, attempt=step.attempt, fixed=fixed)
        return _detail(run)
