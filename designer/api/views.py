"""Workflow, version and catalog endpoints. Views validate, call one service or selector,
serialize; domain errors become HTTP in core/api/errors.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action
from audit.services import Detail, record, request_origin, workflow_target
from core.api.plumbing import StrictBooleanFilter, StrictDateTimeFilter, StrictFilterSet, signed_in_user
from core.api.serializers import ErrorSerializer
from core.version import __version__
from designer import selectors, services
from designer.api.serializers import (
    ExportSerializer,
    ImportSerializer,
    MeSerializer,
    ValidateRequestSerializer,
    ValidateResponseSerializer,
    VersionDetailSerializer,
    VersionSummarySerializer,
    WorkflowCreateSerializer,
    WorkflowDetailSerializer,
    WorkflowReplaceSerializer,
    WorkflowSummarySerializer,
    WorkflowUpdateSerializer,
)
from designer.errors import GraphInvalid
from designer.models import Workflow, WorkflowVersion
from designer.tags import with_tag
from designer.validation import Problem
from designer.validation.advice import graph_warnings

INVALID_GRAPH = OpenApiResponse(ErrorSerializer, description="The graph has problems (listed by node and edge).")
CONFLICT = OpenApiResponse(ErrorSerializer, description="Someone saved a newer version since base_version.")


class WorkflowFilter(StrictFilterSet):
    # A strict boolean: an unknown value is a 400, not silently "no filter".
    active = StrictBooleanFilter(help_text="true or false")
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    created_after = StrictDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = StrictDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = StrictDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = StrictDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    tag = django_filters.CharFilter(method="filter_tag", help_text="Only workflows carrying this tag.")

    class Meta:
        model = Workflow
        fields = ["active", "name"]

    def filter_tag(self, queryset: QuerySet[Workflow], name: str, value: str) -> QuerySet[Workflow]:
        return with_tag(queryset, value) if value else queryset


SETTINGS_FIELDS = ("name", "description", "tags", "concurrency_limit", "concurrency_policy")


def _latest_number(workflow: Workflow) -> int | None:
    latest = selectors.version_latest(workflow=workflow)
    return latest.number if latest else None


def _audit(request: Request, action: Action, workflow: Workflow, **details: Detail) -> None:
    record(action=action, origin=request_origin(request), owner=workflow.owner, target=workflow_target(workflow), details=details)


def _audit_saved(request: Request, before: Workflow, before_version: int | None, after: Workflow, **details: Detail) -> None:
    """A save: one entry for a new version, one for changed settings (field names only).
    `before_version` is read before the service locks the row: a save by someone else in
    between (without base_version) could be counted as this one's version."""
    version = _latest_number(after)
    if version != before_version:
        _audit(request, Action.WORKFLOW_CHANGED, after, version=version, **details)
    changed = [name for name in SETTINGS_FIELDS if getattr(before, name) != getattr(after, name)]
    if changed:
        _audit(request, Action.WORKFLOW_SETTINGS_CHANGED, after, fields=changed)


def _detail(workflow: Workflow, problems: list[Problem], *, code: int = status.HTTP_200_OK) -> Response:
    if not hasattr(workflow, "run_count"):  # a row just written: read it again with the list's annotations
        workflow = selectors.workflow_get_for_user(user=workflow.owner, workflow_id=workflow.pk)
    return Response(WorkflowDetailSerializer(workflow, context={"problems": problems}).data, status=code)


class WorkflowViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Workflow]):
    """Workflows of the signed-in user."""

    serializer_class = WorkflowSummarySerializer
    filterset_class = WorkflowFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["-updated_at", "-id"]
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Workflow]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Workflow.objects.none()
        return selectors.workflow_list_for_user(user=signed_in_user(self.request))

    def get_object(self) -> Workflow:
        return selectors.workflow_get_for_user(user=signed_in_user(self.request), workflow_id=int(self.kwargs["pk"]))

    @extend_schema(request=WorkflowCreateSerializer, responses={201: WorkflowDetailSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(WorkflowCreateSerializer, request.data)
        with transaction.atomic():
            workflow, problems = services.workflow_create(owner=signed_in_user(request), **data)
            _audit(request, Action.WORKFLOW_CREATED, workflow, version=_latest_number(workflow))
        return _detail(workflow, problems, code=status.HTTP_201_CREATED)

    @extend_schema(responses={200: WorkflowDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        workflow = self.get_object()
        return _detail(workflow, services.graph_validate(graph=workflow.graph, user=signed_in_user(request)))

    @extend_schema(
        request=WorkflowReplaceSerializer,
        responses={200: WorkflowDetailSerializer, 409: CONFLICT, 422: INVALID_GRAPH},
        description="Save changes. A changed graph makes a new version; an invalid draft is saved and its "
        "problems listed, but activating an invalid workflow is refused (422).",
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=False)

    @extend_schema(request=WorkflowUpdateSerializer, responses={200: WorkflowDetailSerializer, 409: CONFLICT, 422: INVALID_GRAPH})
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        workflow = self.get_object()
        data = _valid(WorkflowUpdateSerializer if partial else WorkflowReplaceSerializer, request.data)
        with transaction.atomic():
            before_version = _latest_number(workflow)
            saved, problems = services.workflow_update(workflow=workflow, actor=signed_in_user(request), **data)
            _audit_saved(request, workflow, before_version, saved)
        return _detail(saved, problems)

    @extend_schema(responses={204: None, 409: OpenApiResponse(ErrorSerializer, description="Runs use this workflow.")})
    def destroy(self, request: Request, pk: str) -> Response:
        workflow = self.get_object()
        target = workflow_target(workflow)  # before the delete clears its id
        with transaction.atomic():
            services.workflow_delete(workflow=workflow)
            record(action=Action.WORKFLOW_DELETED, origin=request_origin(request), owner=workflow.owner, target=target)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ValidateRequestSerializer,
        responses={200: ValidateResponseSerializer, 422: INVALID_GRAPH},
        description="Check a graph (the body's, or the saved draft): 200 when valid, 422 with every problem otherwise.",
    )
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, pk: str) -> Response:
        workflow = self.get_object()
        data = _valid(ValidateRequestSerializer, request.data)
        graph = data.get("graph", workflow.graph)
        problems = services.graph_validate(graph=graph, user=signed_in_user(request))
        if problems:
            raise GraphInvalid(f"The graph has {len(problems)} problem(s).", problems)
        return Response({"valid": True, "problems": [], "warnings": [w.as_dict() for w in graph_warnings(graph)]})

    @extend_schema(responses={200: ExportSerializer})
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> Response:
        workflow = self.get_object()
        exported = services.workflow_export(workflow=workflow)
        _audit(request, Action.WORKFLOW_EXPORTED, workflow, version=exported["version"])
        response = Response(exported)
        slug = "".join(c if c.isalnum() else "-" for c in workflow.name.lower()).strip("-")[:60] or "workflow"
        response["Content-Disposition"] = f'attachment; filename="{slug}.stepwise.json"'
        return response

    @extend_schema(request=None, responses={201: WorkflowDetailSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, pk: str) -> Response:
        source = self.get_object()
        with transaction.atomic():
            workflow, problems = services.workflow_duplicate(workflow=source, owner=signed_in_user(request))
            _audit(request, Action.WORKFLOW_DUPLICATED, workflow, from_workflow=source.pk, version=_latest_number(workflow))
        return _detail(workflow, problems, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ImportSerializer,
        responses={201: WorkflowDetailSerializer},
        description="Create a workflow from an exported JSON document, sent as the body. (No multipart "
        "upload: daphne's HTTP layer answers a malformed multipart body itself, without JSON, so the "
        "editor reads the file and posts its JSON.)",
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_(self, request: Request) -> Response:
        _valid(ImportSerializer, request.data)
        with transaction.atomic():
            workflow, problems = services.workflow_import(owner=signed_in_user(request), data=request.data)
            _audit(request, Action.WORKFLOW_IMPORTED, workflow, version=_latest_number(workflow))
        return _detail(workflow, problems, code=status.HTTP_201_CREATED)


def _valid(serializer_class: type[serializers.Serializer[dict[str, Any]]], data: Any, *, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(get=extend_schema(operation_id="workflows_versions_list"))
class VersionListView(ListAPIView[WorkflowVersion]):
    serializer_class = VersionSummarySerializer
    filter_backends: Sequence[type[BaseFilterBackend]] = []

    def get_queryset(self) -> QuerySet[WorkflowVersion]:
        if getattr(self, "swagger_fake_view", False):
            return WorkflowVersion.objects.none()
        workflow = selectors.workflow_get_for_user(user=signed_in_user(self.request), workflow_id=self.kwargs["workflow_id"])
        return selectors.version_list_for_workflow(workflow=workflow)


class VersionDetailView(APIView):
    @extend_schema(responses={200: VersionDetailSerializer}, operation_id="workflows_versions_retrieve")
    def get(self, request: Request, workflow_id: int, number: int) -> Response:
        workflow = selectors.workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)
        return Response(VersionDetailSerializer(selectors.version_get(workflow=workflow, number=number)).data)


class VersionRestoreView(APIView):
    @extend_schema(
        request=None,
        responses={200: WorkflowDetailSerializer},
        operation_id="workflows_versions_restore",
        description="Make this version the draft again (saved as a new version on top).",
    )
    def post(self, request: Request, workflow_id: int, number: int) -> Response:
        workflow = selectors.workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)
        with transaction.atomic():
            before_version = _latest_number(workflow)
            saved, problems = services.workflow_restore_version(workflow=workflow, number=number, actor=signed_in_user(request))
            _audit_saved(request, workflow, before_version, saved, restored_from=number)
        return _detail(saved, problems)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer}, operation_id="me_retrieve")
    def get(self, request: Request) -> Response:
        user = signed_in_user(request)
        return Response({"id": user.pk, "username": user.get_username(), "email": user.email or "", "version": __version__})
