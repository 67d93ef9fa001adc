"""POST /hooks/<token>: the one URL that needs no login; the signature (Standard Webhooks)
is the authentication unless the owner made the hook public. An async view, so a caller
waiting for the run's result holds no thread: the database is reached through
sync_to_async, briefly, and the wait is an asyncio sleep."""

from __future__ import annotations

import asyncio
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.errors import error_body
from designer.errors import DomainError
from engine.triggers.webhooks import HookAccepted, HookCall, HookRefused, run_result, webhook_receive

POLL_S = (0.01, 0.02, 0.05, 0.1, 0.2)


def _refused(exc: DomainError) -> JsonResponse:
    response = JsonResponse(error_body(exc.detail, [p.as_dict() for p in exc.problems]), status=exc.status)
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response


def _wait_seconds(request: HttpRequest, accepted: HookAccepted) -> float:
    raw = request.GET.get("wait")
    if raw is not None:
        try:
            wanted = float(raw)
        except ValueError:
            raise HookRefused(400, "?wait= must be a number of seconds.") from None
    elif accepted.config.get("response_mode") == "wait":
        wanted = float(accepted.config.get("wait_timeout_s", 30))
    else:
        return 0.0
    return max(0.0, min(wanted, float(settings.STEPWISE_WEBHOOK_MAX_WAIT_S)))


def _accepted(accepted: HookAccepted, status: int = 202) -> JsonResponse:
    body = {"run_id": accepted.run_id, "status_url": f"/api/runs/{accepted.run_id}/", "duplicate": accepted.duplicate}
    response = JsonResponse(body, status=status)
    response["X-Stepwise-Run-Id"] = str(accepted.run_id)
    return response


@csrf_exempt
async def hook(request: HttpRequest, token: str) -> HttpResponse:
    call = HookCall(
        token=token,
        method=request.method or "GET",
        headers={k.lower(): v for k, v in request.headers.items()},
        query={k: request.GET.getlist(k) for k in request.GET},
        body=request.body,
    )
    try:
        accepted = await sync_to_async(webhook_receive)(call, now=timezone.now())
        wait_s = _wait_seconds(request, accepted)
    except DomainError as exc:
        return _refused(exc)
    if wait_s <= 0:
        return _accepted(accepted)
    deadline = time.monotonic() + wait_s
    node = accepted.config.get("respond_with_node") or None
    step = 0
    while True:
        result = await sync_to_async(run_result)(accepted.run_id, node)
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
