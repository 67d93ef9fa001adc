from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from whitenoise.middleware import WhiteNoiseMiddleware

from core.errors import JSON_PREFIXES, body_too_large, error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server or BodySizeLimitMiddleware answers it with a 400
    return None


class RequestBodyLimit:
    """ASGI, around the HTTP application: a request body past STEPWISE_MAX_BODY_BYTES gets
    the JSON 413 as soon as Content-Length announces it (nothing is read) or as soon as the
    bytes received pass it (nothing more is read; the application is told the client left,
    and whatever it would answer is dropped). Any ASGI server streams bodies this way;
    daphne buffers them first, so config/daphne_body.py refuses them before it does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @staticmethod
    async def _refuse(send: Send, limit: int, length: int | None) -> None:
        body = json.dumps(body_too_large(limit, length)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = int(settings.STEPWISE_MAX_BODY_BYTES)
        length = _declared_length(scope)
        if length is not None and length > limit:
            await self._refuse(send, limit, length)
            return
        received = 0
        refused = started = False

        async def bounded_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await self._refuse(send, limit, None)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = True
            await send(message)

        await self.app(scope, bounded_receive, guarded_send)


class BodySizeLimitMiddleware:
    """Refuse an oversized API body with a JSON 413 before anything reads it. Sync and
    async: an async view behind it (a webhook waiting for its run) keeps the event loop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        refused = self._refusal(request)
        if iscoroutinefunction(self):
            return self._acall(request, refused)
        return refused or self.get_response(request)

    async def _acall(self, request: HttpRequest, refused: HttpResponse | None) -> HttpResponse:
        return refused or await self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.startswith(JSON_PREFIXES):
            raw = request.META.get("CONTENT_LENGTH") or "0"
            try:
                length = int(raw)
            except ValueError:
                return JsonResponse(error_body("Invalid Content-Length header."), status=400)
            if length > settings.STEPWISE_MAX_BODY_BYTES:
                return JsonResponse(body_too_large(settings.STEPWISE_MAX_BODY_BYTES, length), status=413)
        return None


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, also async. Its middleware is sync-only, and behind one sync middleware
    Django runs an async view through async_to_sync on a thread of its own: a webhook waiting
    for its run would hold a thread for the whole wait instead of an event-loop task."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(get_response, *args, **kwargs)
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if self.autorefresh:
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            served: HttpResponse = self.serve(static_file, request)
            return served
        response: HttpResponse = await self.get_response(request)
        return response
