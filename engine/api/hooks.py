"""POST /hooks/<token>: the one URL that needs no login; the signature (Standard Webhooks)
is the authentication unless the owner made the hook public. An async view, so a caller
waiting for the run's result holds no thread: the database is reached through
sync_to_async, briefly, and the wait is an asyncio sleep."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from core.connections import close_thread_connections
from core.errors import DomainError, error_body
from engine.triggers.webhooks import HookAccepted, HookCall, HookRefused, run_result, webhook_receive

POLL_S = (0.01, 0.02, 0.05, 0.1, 0.2)


def _refused(exc: DomainError) -> JsonResponse:
    response = JsonResponse(error_body(exc.detail, [p.as_dict() for p in exc.problems]), status=exc.status)
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response


def _wait_seconds(request: HttpRequest, config_wait: float | None = None) -> float | None:
    """The caller's ?wait= in seconds (None when absent), clamped to the server's maximum;
    checked before anything starts, so a bad value starts no run."""
    raw = request.GET.get("wait")
    if raw is None:
        return None
    try:
        wanted = float(raw)
    except ValueError:
        raise HookRefused(400, "?wait= must be a number of seconds.") from None
    if not math.isfinite(wanted) or wanted < 0:
        raise HookRefused(400, f"?wait= must be between 0 and {settings.STEPWISE_WEBHOOK_MAX_WAIT_S} seconds.")
    return min(wanted, float(settings.STEPWISE_WEBHOOK_MAX_WAIT_S))


def _config_wait(accepted: HookAccepted) -> float:
    if accepted.config.get("response_mode") != "wait":
        return 0.0
    return min(float(accepted.config.get("wait_timeout_s", 30)), float(settings.STEPWISE_WEBHOOK_MAX_WAIT_S))


def _closing[T](fn: Callable[..., T]) -> Callable[..., T]:
    """Run `fn`, then close the thread's database connections: a caller waiting minutes for
    its run must not hold a PostgreSQL connection meanwhile."""

    def call(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            close_thread_connections()

    return call


def _accepted(accepted: HookAccepted, status: int = 202) -> JsonResponse:
    body = {"run_id": accepted.run_id, "status_url": f"/api/runs/{accepted.run_id}/", "duplicate": accepted.duplicate}
    response = JsonResponse(body, status=status)
    response["X-Stepwise-Run-Id"] = str(accepted.run_id)
    return response


@csrf_exempt
async def hook(request: HttpRequest, token: str) -> HttpResponse:
    try:
        body = request.body
    except RequestDataTooBig:
        return _refused(HookRefused(413, f"The body is over {settings.STEPWISE_MAX_BODY_BYTES} bytes."))
    call = HookCall(
        token=token,
        method=request.method or "GET",
        headers={k.lower(): v for k, v in request.headers.items()},
        query={k: request.GET.getlist(k) for k in request.GET},
        body=body,
    )
    try:
        asked = _wait_seconds(request)
        accepted = await sync_to_async(_closing(webhook_receive))(call, now=timezone.now())
    except DomainError as exc:
        return _refused(exc)
    wait_s = asked if asked is not None else _config_wait(accepted)
    if wait_s <= 0:
        return _accepted(accepted)
    deadline = time.monotonic() + wait_s
    node = accepted.config.get("respond_with_node") or None
    step = 0
    while True:
        result = await sync_to_async(_closing(run_result))(accepted.run_id, node)
        if result is not None:
            break
        if time.monotonic() >= deadline:
            return _accepted(accepted)  # still running: 202 with the run id, as in async mode
        await asyncio.sleep(min(POLL_S[min(step, len(POLL_S) - 1)], max(0.0, deadline - time.monotonic())))
        step += 1
    status, output, error = result
    if status == "succeeded":
        response = JsonResponse(output, status=200, safe=False)
    else:
        response = JsonResponse({"run_id": accepted.run_id, "status": status, "error": error}, status=502)
    response["X-Stepwise-Run-Id"] = str(accepted.run_id)
    return response
