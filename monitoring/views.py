"""GET /metrics: the Prometheus text format, for a Bearer token equal to METRICS_TOKEN.

Without METRICS_TOKEN set the path does not exist (404), so nothing about the engine is
public by default; a missing or wrong token is a 401. Its comparison takes constant time."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from core.errors import error_body
from monitoring.exposition import CONTENT_TYPE, render


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    expected = settings.METRICS_TOKEN
    if not expected:
        return JsonResponse(error_body("Not found."), status=404)
    if not hmac.compare_digest(_bearer(request).encode(), str(expected).encode()):
        response = JsonResponse(error_body("/metrics needs the Bearer token of METRICS_TOKEN."), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    scraped = HttpResponse(render(), content_type=CONTENT_TYPE)
    scraped["Cache-Control"] = "no-store"
    return scraped
