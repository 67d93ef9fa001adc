"""HTTP request metrics: one count (method, route template, status) and one latency per
request. The route is the URL pattern that matched (`api/runs/<int:run_id>/`), never the
raw path, so the number of series stays bounded; a static file is `static`, any other
request no pattern matched (a 404) `unmatched`. Outermost in MIDDLEWARE, so its time covers all the others."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from monitoring import metrics


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None) if match is not None else None
    if route:
        return f"/{route}"
    return "static" if request.path.startswith(settings.STATIC_URL or "/static/") else "unmatched"


class RequestMetrics:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        started = perf_counter()
        response: HttpResponseBase = self.get_response(request)
        self._record(request, response, started)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        started = perf_counter()
        pending: Awaitable[HttpResponseBase] = self.get_response(request)
        response = await pending
        self._record(request, response, started)
        return response

    @staticmethod
    def _record(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
        metrics.http_request(request.method or "GET", _route(request), response.status_code, perf_counter() - started)
