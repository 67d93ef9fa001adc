"""`Authorization: Token <key>` for DRF, against the hashed keys of accounts/tokens.py (the
header as DRF's authtoken had it, so clients written for it keep working)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts import throttle
from accounts.errors import SignInLocked, TokenRefused
from accounts.models import ApiToken
from accounts.tokens import token_authenticate


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: give `Token <key>`, the key without spaces.")
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header: the key has characters no key has.") from None
        try:
            return token_authenticate(key=key, address=throttle.client_address(request._request))
        except SignInLocked as locked:
            refusal = exceptions.Throttled(detail=locked.detail)
            refusal.wait = locked.seconds  # type: ignore[attr-defined]  # DRF's handler turns it into Retry-After
            raise refusal from None
        except TokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.detail) from None

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # its __init_subclass__ registers it
    """The schema's `tokenAuth`, as drf-spectacular wrote it for DRF's TokenAuthentication."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=ApiTokenAuthentication.keyword)
