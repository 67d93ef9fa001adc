"""Websocket authentication and origin checks. Browsers authenticate with the session
cookie and must come from the app's own origin, exactly (scheme, host and port, as
Django's CSRF checks a POST), or one in CSRF_TRUSTED_ORIGINS. API clients may instead send
`Authorization: Token <key>` in the handshake; a client that is not a browser sends no
Origin, which is accepted only together with a valid token."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.utils.http import is_same_domain

if TYPE_CHECKING:
    from channels.consumer import _ChannelScope
    from channels.routing import URLRouter
    from django.contrib.auth.models import User


def _header(scope: _ChannelScope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


@database_sync_to_async
def _token_user(key: str, scope: _ChannelScope) -> User | None:
    """The key's user, checked as the REST API checks it (accounts/tokens.py): a wrong key
    counts against the address, a locked-out address is refused whatever the key."""
    from accounts import throttle
    from accounts.errors import SignInLocked, TokenRefused
    from accounts.tokens import token_authenticate

    request = _Handshake({**scope, "method": "GET"}, io.BytesIO())
    try:
        user, _ = token_authenticate(key=key, address=throttle.client_address(request))
    except (SignInLocked, TokenRefused):
        return None
    return user


class _Handshake(ASGIRequest):
    """The handshake as a Django request, so that `get_host()` and `is_secure()` answer as
    for any request: ALLOWED_HOSTS, USE_X_FORWARDED_HOST/PORT, SECURE_PROXY_SSL_HEADER."""

    def _get_scheme(self) -> str:
        return "https" if self.scope.get("scheme") in ("wss", "https") else "http"


def origin_allowed(scope: _ChannelScope) -> bool:
    """Django's CSRF origin check (CsrfViewMiddleware._origin_verified) on a handshake: the
    Origin equals the request's own origin, or is in CSRF_TRUSTED_ORIGINS (exactly, or by a
    `scheme://*.domain` pattern). Channels' AllowedHostsOriginValidator compares the host
    only, so another port of the same host passed; SameSite cookies ignore ports too."""
    origin = _header(scope, b"origin")
    if origin is None or origin == "null":
        return False
    request = _Handshake({**scope, "method": "GET"}, io.BytesIO())
    try:
        if origin == f"{'https' if request.is_secure() else 'http'}://{request.get_host()}":
            return True
    except DisallowedHost:
        pass
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in trusted:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    patterns = [urlsplit(t) for t in trusted if "*" in t]
    return any(p.scheme == parsed.scheme and is_same_domain(parsed.netloc, p.netloc.lstrip("*")) for p in patterns)


App = Callable[..., Awaitable[Any]]


def exact_origin(app: Any) -> App:
    """Refuse the handshake (403) unless `origin_allowed`."""

    async def check(scope: Any, receive: ASGIReceiveCallable, send: ASGISendCallable) -> Any:
        if origin_allowed(scope):
            return await app(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)  # closes before accepting: a 403

    return check


class TokenOrSession:
    """Session (with the exact origin) or token (Origin optional, exact when sent)."""

    def __init__(self, app: URLRouter) -> None:
        self.browser = exact_origin(AuthMiddlewareStack(app))
        self.app = app

    async def __call__(self, scope: _ChannelScope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> Any:
        authorization = _header(scope, b"authorization") or ""
        if authorization.startswith("Token "):
            user = await _token_user(authorization[6:].strip(), scope)
            if user is not None:
                # The user itself, where AuthMiddleware puts a lazy one: consumers read both alike
                # (types-channels allows only the lazy one).
                with_user: _ChannelScope = {**scope, "user": user}  # type: ignore[typeddict-item]
                if _header(scope, b"origin") is not None:  # a browser page sending a token still needs an allowed origin
                    return await exact_origin(self.app)(with_user, receive, send)
                return await self.app(with_user, receive, send)
        return await self.browser(scope, receive, send)
