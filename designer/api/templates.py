"""The template gallery: list the shipped templates, make a workflow from one."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action
from audit.services import record, request_origin, workflow_target
from core.api.plumbing import signed_in_user
from designer import gallery, selectors, services
from designer.api.serializers import TemplateSerializer, TemplateUseSerializer, WorkflowDetailSerializer


class TemplateListView(APIView):
    @extend_schema(responses={200: TemplateSerializer(many=True)}, operation_id="templates_list")
    def get(self, request: Request) -> Response:
        return Response([t.summary() for t in gallery.templates()])


class TemplateUseView(APIView):
    @extend_schema(
        request=TemplateUseSerializer,
        responses={201: WorkflowDetailSerializer},
        operation_id="templates_use",
        description="Make a new workflow of yours from the template (and the helper workflows it calls). "
        "Nodes that want a credential have none: choose yours in the editor.",
    )
    def post(self, request: Request, slug: str) -> Response:
        template = gallery.template_get(slug)
        if template is None:
            raise Http404(f"Unknown template {slug!r}.")
        body = TemplateUseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = signed_in_user(request)
        with transaction.atomic():
            workflow, problems = services.workflow_from_template(owner=user, template=template, name=body.validated_data.get("name"))
            record(
                action=Action.WORKFLOW_CREATED,
                origin=request_origin(request),
                owner=user,
                target=workflow_target(workflow),
                details={"template": template.slug},
            )
        annotated = selectors.workflow_get_for_user(user=user, workflow_id=workflow.pk)
        data = WorkflowDetailSerializer(annotated, context={"problems": problems}).data
        return Response(data, status=status.HTTP_201_CREATED)
