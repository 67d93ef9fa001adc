from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from whitenoise.middleware import WhiteNoiseMiddleware

from core.errors import JSON_PREFIXES, error_body


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
                return JsonResponse(
                    error_body(f"The request body is {length} bytes; the limit is {settings.STEPWISE_MAX_BODY_BYTES}."),
                    status=413,
                )
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
