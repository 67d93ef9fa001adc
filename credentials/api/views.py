"""Credentials of the signed-in user, and the credential types. Secret fields are
write-only: a response says which are set, never their values."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action, TargetType
from audit.services import Detail, Target, record, request_origin
from catalog.credentials import TYPES
from core.api.plumbing import signed_in_user
from credentials import selectors, services
from credentials.api.serializers import (
    CredentialCreateSerializer,
    CredentialSerializer,
    CredentialTestRequestSerializer,
    CredentialTestSerializer,
    CredentialTypeSerializer,
    CredentialUpdateSerializer,
)
from credentials.checks import credential_check
from credentials.models import Credential


def _audit(request: Request, action: Action, credential: Credential, **details: Detail) -> None:
    target = Target(TargetType.CREDENTIAL, credential.pk, credential.name)
    record(
        action=action, origin=request_origin(request), owner=credential.owner, target=target, details={"type": credential.type, **details}
    )


def _valid(serializer_class: type[serializers.Serializer[dict[str, Any]]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CredentialTypeListView(APIView):
    @extend_schema(responses={200: CredentialTypeSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response([kind.describe() for kind in TYPES.values()])


@extend_schema(parameters=[OpenApiParameter("type", str, description="Only credentials of this type.")])
class CredentialViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Credential]):
    serializer_class = CredentialSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Credential]:
        if getattr(self, "swagger_fake_view", False):
            return Credential.objects.none()
        queryset = selectors.credential_list_for_user(user=signed_in_user(self.request))
        kind = self.request.query_params.get("type")
        return queryset.filter(type=kind) if kind else queryset

    def get_object(self) -> Credential:
        return selectors.credential_get_for_user(user=signed_in_user(self.request), credential_id=int(self.kwargs["pk"]))

    @extend_schema(request=CredentialCreateSerializer, responses={201: CredentialSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(CredentialCreateSerializer, request.data)
        with transaction.atomic():
            credential = services.credential_create(owner=signed_in_user(request), **data)
            _audit(request, Action.CREDENTIAL_CREATED, credential)
        return Response(CredentialSerializer(credential).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CredentialSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CredentialSerializer(self.get_object()).data)

    @extend_schema(request=CredentialUpdateSerializer, responses={200: CredentialSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        credential = self.get_object()
        data = _valid(CredentialUpdateSerializer, request.data)
        with transaction.atomic():
            credential = services.credential_update(credential=credential, **data)
            changed = sorted(str(k) for k in data.get("data") or {} if isinstance(k, str))
            _audit(request, Action.CREDENTIAL_CHANGED, credential, renamed="name" in data, fields=changed)
        return Response(CredentialSerializer(credential).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        credential = self.get_object()
        with transaction.atomic():
            _audit(request, Action.CREDENTIAL_DELETED, credential)
            services.credential_delete(credential=credential)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=CredentialTestRequestSerializer, responses={200: CredentialTestSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        credential = self.get_object()
        data = _valid(CredentialTestRequestSerializer, request.data)
        answer = credential_check(credential, url=data.get("url"))
        _audit(request, Action.CREDENTIAL_TESTED, credential, ok=bool(answer["ok"]))
        return Response(answer)
