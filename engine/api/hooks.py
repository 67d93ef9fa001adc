"""POST /hooks/<token>: the one URL that needs no login; the signature (Standard Webhooks)
is the authentication unless the owner made the hook public. An async view, so a caller
waiting for the run's result holds no thread: the database is reached through
sync_to_async, briefly, and the wait listens on the run's channel group
(docs/architecture.md#waiting-for-a-run)."""

from __future__ import annotations

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

from audit.models import How
from audit.services import origin_of
from core.connections import close_thread_connections
from core.errors import DomainError, error_body
from engine.live.waiting import ends_run, run_bell
from engine.triggers.webhooks import HookAccepted, HookCall, HookRefused, run_result, webhook_receive
from monitoring import metrics

# The run is read when its group says it ended; this is the safety re-read in between, for
# a message the layer lost. A lost message costs at most this much, never the timeout.
RECHECK_S = 5.0

RunResult = tuple[str, Any, Any]


def _refused(exc: DomainError) -> JsonResponse:
    metrics.webhook_call(str(exc.status))
    response = JsonResponse(error_body(exc.detail, [p.as_dict() for p in exc.problems]), status=exc.status)
    for name, value in exc.headers.items():
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


async def _wait_result(run_id: int, node: str | None, wait_s: float) -> RunResult | None:
    """The run's result once it has ended, or None if it is still going after `wait_s`.
    The run is read once subscribed (it may have ended before), after a message saying it
    ended, every RECHECK_S, and once more at the deadline."""
    deadline = time.monotonic() + wait_s
    read = sync_to_async(_closing(run_result))
    async with run_bell(run_id) as bell:
        while True:
            result = await read(run_id, node)
            if result is not None:
                return result
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                events = await bell.ring(min(left, RECHECK_S))
                if events is None or ends_run(events):
                    break  # a re-read is due (safety, deadline or fallback), or the run ended


@csrf_exempt
async def hook(request: HttpRequest, token: str) -> HttpResponse:
    try:
        body = request.body
    except RequestDataTooBig:
        return _refused(HookRefused(413, f"The body is over {settings.STEPWISE_MAX_BODY_BYTES} bytes."))
    origin = origin_of(request, how=How.WEBHOOK)
    call = HookCall(
        token=token,
        method=request.method or "GET",
        headers={k.lower(): v for k, v in request.headers.items()},
        query={k: request.GET.getlist(k) for k in request.GET},
        body=body,
        # The client's address as the audit log has it (through trusted proxies only).
        address=origin.address or "",
        origin=origin,
    )
    try:
        asked = _wait_seconds(request)
        accepted = await sync_to_async(_closing(webhook_receive))(call, now=timezone.now())
    except DomainError as exc:
        return _refused(exc)
    metrics.webhook_call("duplicate" if accepted.duplicate else "accepted")
    wait_s = asked if asked is not None else _config_wait(accepted)
    if wait_s <= 0:
        return _accepted(accepted)
    result = await _wait_result(accepted.run_id, accepted.config.get("respond_with_node") or None, wait_s)
    if result is None:
        return _accepted(accepted)  # still running: 202 with the run id, as in async mode
    status, output, error = result
    if status == "succeeded":
        response = JsonResponse(output, status=200, safe=False)
    else:
        response = JsonResponse({"run_id": accepted.run_id, "status": status, "error": error}, status=502)
    response["X-Stepwise-Run-Id"] = str(accepted.run_id)
    return response
