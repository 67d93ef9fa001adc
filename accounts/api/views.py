"""The signed-in user's API tokens: list, create (the key in the answer, once), revoke.
Views validate, call one service or selector, serialize (docs/architecture.md)."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import tokens
from accounts.api.serializers import ApiTokenCreateSerializer, ApiTokenSerializer, NewApiTokenSerializer
from accounts.models import ApiToken
from audit.models import Action, TargetType
from audit.services import Target, record, request_origin
from core.api.plumbing import signed_in_user
from core.api.serializers import ErrorSerializer


class TokenListView(APIView):
    @extend_schema(responses={200: ApiTokenSerializer(many=True)}, operation_id="tokens_list")
    def get(self, request: Request) -> Response:
        listed = tokens.token_list_for_user(user=signed_in_user(request))
        return Response(ApiTokenSerializer(listed, many=True).data)

    @extend_schema(
        request=ApiTokenCreateSerializer,
        responses={
            201: NewApiTokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="A bad name or expiry, or too many tokens."),
            403: OpenApiResponse(ErrorSerializer, description="Asked with a token: only a signed-in person creates tokens."),
        },
        operation_id="tokens_create",
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            # A leaked key must not mint keys that outlive its revocation.
            raise PermissionDenied("A token cannot create tokens: sign in to Stepwise and create one on the Account page.")
        given = ApiTokenCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with transaction.atomic():
            created = tokens.token_create(owner=signed_in_user(request), **given.validated_data)
            target = Target(TargetType.API_TOKEN, created.token.pk, created.token.name)
            record(action=Action.TOKEN_CREATED, origin=request_origin(request), owner=created.token.owner, target=target)
        body = NewApiTokenSerializer(created.token).data | {"key": created.key}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    @extend_schema(
        request=None,
        responses={204: None, 404: OpenApiResponse(ErrorSerializer, description="Not one of your tokens, or revoked already.")},
        operation_id="tokens_revoke",
    )
    def delete(self, request: Request, token_id: int) -> Response:
        user = signed_in_user(request)
        with transaction.atomic():
            token = tokens.token_revoke(user=user, token_id=token_id)
            target = Target(TargetType.API_TOKEN, token.pk, token.name)
            record(action=Action.TOKEN_REVOKED, origin=request_origin(request), owner=user, target=target)
        return Response(status=status.HTTP_204_NO_CONTENT)
