"""Websocket authentication and origin checks. Browsers authenticate with the session
cookie and must come from an allowed host (Origin). API clients may instead send
`Authorization: Token <key>` in the handshake; a client that is not a browser sends no
Origin, which is accepted only together with a valid token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator

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
def _token_user(key: str) -> User | None:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token is not None and token.user.is_active else None


class TokenOrSession:
    """Session (with an allowed Origin) or token (Origin optional)."""

    def __init__(self, app: URLRouter) -> None:
        self.browser = AllowedHostsOriginValidator(AuthMiddlewareStack(app))
        self.app = app

    async def __call__(self, scope: _ChannelScope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> Any:
        authorization = _header(scope, b"authorization") or ""
        if authorization.startswith("Token "):
            user = await _token_user(authorization[6:].strip())
            if user is not None:
                # The user itself, where AuthMiddleware puts a lazy one: consumers read both alike
                # (types-channels allows only the lazy one).
                with_user: _ChannelScope = {**scope, "user": user}  # type: ignore[typeddict-item]
                if _header(scope, b"origin") is not None:  # a browser page sending a token still needs an allowed origin
                    return await AllowedHostsOriginValidator(self.app)(with_user, receive, send)
                return await self.app(with_user, receive, send)
        return await self.browser(scope, receive, send)
