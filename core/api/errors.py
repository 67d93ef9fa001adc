"""Every error the API returns is JSON: {"detail": str, "problems": [...]}, never HTML.
Domain errors map to HTTP here and nowhere else."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found, server_error
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import JSON_PREFIXES, DomainError, error_body

logger = logging.getLogger(__name__)


def _field_problems(errors: Any, pointer: str = "") -> list[dict[str, Any]]:
    """Flatten DRF's nested field errors into problems with JSON Pointers."""
    problems: list[dict[str, Any]] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            sub = pointer if key == "non_field_errors" else f"{pointer}/{key}"
            problems += _field_problems(value, sub)
    elif isinstance(errors, list):
        if all(not isinstance(item, dict | list) for item in errors):
            for item in errors:
                code = getattr(item, "code", "invalid")
                problems.append({"code": str(code), "message": str(item), "node_id": None, "edge_id": None, "field": pointer or None})
        else:
            for index, item in enumerate(errors):
                problems += _field_problems(item, f"{pointer}/{index}")
    else:
        problems.append({"code": "invalid", "message": str(errors), "node_id": None, "edge_id": None, "field": pointer or None})
    return problems


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body = error_body(exc.detail, [p.as_dict() for p in exc.problems])
        return Response(body, status=exc.status, headers=dict(exc.headers))
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("The request body is too large."), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, Http404):
        return Response(error_body(str(exc) or "Not found."), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, SuspiciousOperation):
        return Response(error_body("Bad request."), status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("Invalid request: see the problems listed.", _field_problems(response.data))
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = error_body(str(response.data["detail"]))
    else:
        response.data = error_body("Request failed.", _field_problems(response.data))
    return response


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(JSON_PREFIXES)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("Not found."), status=404)
    return page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return JsonResponse(error_body("Bad request."), status=400) if _wants_json(request) else HttpResponse("Bad request", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("You do not have permission to do this."), status=403)
    return HttpResponse("Forbidden", status=403)


def internal_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("Internal error: it has been logged."), status=500)
    return server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return JsonResponse(error_body(f"CSRF check failed: {reason}. Reload the page and try again."), status=403)
