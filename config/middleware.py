from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.errors import JSON_PREFIXES, error_body


class BodySizeLimitMiddleware:
    """Refuse an oversized API body with a JSON 413 before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
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
        return self.get_response(request)
