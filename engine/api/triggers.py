"""Activation and the triggers of a workflow: webhook URLs and secrets, schedules and their
next fire times. Owner only: another user's workflow is a 404."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action
from audit.services import Detail, record, request_origin, workflow_target
from core.api.plumbing import signed_in_user
from core.api.serializers import ErrorSerializer
from designer.api.serializers import WorkflowSummarySerializer
from designer.models import Workflow
from designer.selectors import workflow_get_for_user
from engine.triggers.activation import (
    triggers_describe,
    webhook_endpoint_get,
    webhook_secret_rotate,
    workflow_activate,
    workflow_deactivate,
)
from engine.triggers.models import WebhookEndpoint

INVALID = OpenApiResponse(ErrorSerializer, description="The workflow cannot run: its problems are listed.")


class TriggerSerializer(serializers.Serializer[dict[str, Any]]):
    node_id = serializers.CharField()
    type = serializers.ChoiceField(choices=["trigger.webhook", "trigger.schedule"])
    live = serializers.BooleanField(help_text="In the active version: it starts runs.")
    url = serializers.CharField(required=False, help_text="Webhook: where to send calls.")
    public = serializers.BooleanField(required=False, help_text="Webhook: no signature required.")
    methods = serializers.ListField(child=serializers.CharField(), required=False)
    response_mode = serializers.CharField(required=False)
    secret_hint = serializers.CharField(required=False, help_text="Webhook: the start and end of the signing secret.")
    previous_secret_expires_at = serializers.DateTimeField(required=False, allow_null=True)
    cron = serializers.CharField(required=False)
    timezone = serializers.CharField(required=False)
    misfire = serializers.CharField(required=False)
    next_fire_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Schedule: the next slot it will fire.")
    upcoming = serializers.ListField(child=serializers.DateTimeField(), required=False, help_text="Schedule: the next five slots.")


class SecretSerializer(serializers.Serializer[dict[str, Any]]):
    node_id = serializers.CharField()
    secret = serializers.CharField(help_text="Standard Webhooks signing secret (whsec_...).")
    previous_secret_expires_at = serializers.DateTimeField(allow_null=True)


def _audit(request: Request, action: Action, workflow: Workflow, **details: Detail) -> None:
    record(action=action, origin=request_origin(request), owner=workflow.owner, target=workflow_target(workflow), details=details)


def _base_url(request: Request) -> str:
    return str(request.build_absolute_uri("/")).rstrip("/")


class WorkflowActivateView(APIView):
    @extend_schema(
        request=None,
        responses={200: WorkflowSummarySerializer, 422: INVALID},
        operation_id="workflows_activate",
        description="Pin the latest version for the workflow's webhooks and schedules and arm them.",
    )
    def post(self, request: Request, workflow_id: int) -> Response:
        workflow = workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)
        with transaction.atomic():
            activated = workflow_activate(workflow=workflow, actor=signed_in_user(request))
            pinned = activated.active_version
            _audit(request, Action.WORKFLOW_ACTIVATED, activated, version=pinned.number if pinned else None)
        return Response(WorkflowSummarySerializer(workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)).data)


class WorkflowDeactivateView(APIView):
    @extend_schema(request=None, responses={200: WorkflowSummarySerializer}, operation_id="workflows_deactivate")
    def post(self, request: Request, workflow_id: int) -> Response:
        workflow = workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)
        with transaction.atomic():
            workflow_deactivate(workflow=workflow)
            _audit(request, Action.WORKFLOW_DEACTIVATED, workflow)
        return Response(WorkflowSummarySerializer(workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)).data)


class WorkflowTriggersView(APIView):
    @extend_schema(responses={200: TriggerSerializer(many=True)}, operation_id="workflows_triggers_list")
    def get(self, request: Request, workflow_id: int) -> Response:
        workflow = workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)
        triggers = triggers_describe(workflow=workflow, base_url=_base_url(request))
        # drf-stubs types a serializer's instance as one item, also with many=True.
        return Response(TriggerSerializer(triggers, many=True).data)  # type: ignore[arg-type]


class WebhookSecretView(APIView):
    @extend_schema(responses={200: SecretSerializer}, operation_id="workflows_triggers_secret_retrieve")
    def get(self, request: Request, workflow_id: int, node_id: str) -> Response:
        """The webhook's signing secret, for the owner to configure the sender."""
        workflow = workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)
        endpoint = webhook_endpoint_get(workflow=workflow, node_id=node_id)
        _audit(request, Action.WEBHOOK_SECRET_VIEWED, workflow, node_id=endpoint.node_id)
        return Response(SecretSerializer(_secret(endpoint)).data)

    @extend_schema(request=None, responses={200: SecretSerializer}, operation_id="workflows_triggers_secret_rotate")
    def post(self, request: Request, workflow_id: int, node_id: str) -> Response:
        """A new secret; the previous one stays valid for STEPWISE_WEBHOOK_ROTATION_GRACE_S."""
        workflow = workflow_get_for_user(user=signed_in_user(request), workflow_id=workflow_id)
        with transaction.atomic():
            endpoint = webhook_secret_rotate(workflow=workflow, node_id=node_id)
            _audit(request, Action.WEBHOOK_SECRET_ROTATED, workflow, node_id=endpoint.node_id)
        return Response(SecretSerializer(_secret(endpoint)).data)


def _secret(endpoint: WebhookEndpoint) -> dict[str, Any]:
    expires = endpoint.previous_secret_expires_at if endpoint.previous_secret else None
    return {"node_id": endpoint.node_id, "secret": endpoint.secret, "previous_secret_expires_at": expires}
