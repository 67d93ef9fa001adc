"""GET /readyz: can this process serve, and does the rest of the system it needs answer?
(Liveness, GET /healthz, is designer.pages.health: it touches nothing.) Both are open
without signing in and exempt from the HTTPS redirect (config/settings/base.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from health import checks, heartbeat
from health.checks import Check
from health.probe import run_checks


def expected_checks() -> dict[str, Callable[[float], Check]]:
    """The database and the channel layer always; the broker in Celery mode; the tick where
    one is expected: `engine_tick` processes in Celery mode, this server's own thread in
    the embedded mode (when it runs one)."""
    expected: dict[str, Callable[[float], Check]] = {"database": checks.database}
    celery = settings.STEPWISE_EXECUTOR == "celery"
    if celery:
        expected["broker"] = checks.broker
    expected["channel_layer"] = checks.channel_layer
    if celery:
        expected["tick"] = checks.tick_durable
    elif heartbeat.local_age(heartbeat.TICK) is not None:
        expected["tick"] = checks.tick_local
    return expected


@require_GET
@never_cache
def readiness(request: HttpRequest) -> JsonResponse:
    expected = expected_checks()
    results = run_checks(expected, settings.STEPWISE_HEALTH_TIMEOUT_S)
    if not results["database"].ok and "tick" in results and expected["tick"] is checks.tick_durable:
        results["tick"] = Check(False, "unknown: the database, where the tick beats, does not answer")
    ready = all(result.ok for result in results.values())
    body = {"status": "ok" if ready else "unavailable", "checks": {name: result.as_json() for name, result in results.items()}}
    return JsonResponse(body, status=200 if ready else 503)
