"""The readiness checks. Each answers `Check(ok, error)`; none raises. What each one
reaches is bounded by STEPWISE_HEALTH_TIMEOUT_S (health/probe.py runs them), and an error
says what failed in one line, with every password masked (health/masking.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections

from health import heartbeat
from health.masking import one_line


@dataclass(frozen=True)
class Check:
    ok: bool
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok, **self.detail}
        if self.error is not None:
            body["error"] = self.error
        return body


def failed(error: BaseException | str) -> Check:
    if isinstance(error, BaseException):
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    else:
        text = error
    return Check(False, one_line(text))


def database(timeout_s: float) -> Check:
    """`SELECT 1` on a connection of its own, made with the server's settings and a connect
    timeout: the request's pooled connection is left alone, and an address that swallows
    packets answers within the timeout instead of the system's two minutes."""
    alias = "default"
    source = connections[alias].settings_dict
    options = dict(source.get("OPTIONS") or {})
    vendor = source["ENGINE"].rsplit(".", 1)[-1]
    if vendor == "postgresql":
        options["connect_timeout"] = max(1, round(timeout_s))  # libpq takes whole seconds
        options["options"] = f"{options.get('options', '')} -c statement_timeout={int(timeout_s * 1000)}".strip()
    elif vendor == "sqlite3":
        options["timeout"] = timeout_s
    wrapper = connections[alias].__class__({**source, "OPTIONS": options}, alias)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        wrapper.close()
    return Check(True)


def _redis_ping(url: str, timeout_s: float) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s, retry_on_timeout=False)
    try:
        client.ping()
    finally:
        client.close()


def broker(timeout_s: float) -> Check:
    """Celery mode: the broker answers (a Redis PING, or an AMQP connection opened)."""
    url = str(settings.CELERY_BROKER_URL)
    scheme = url.split(":", 1)[0]
    if scheme in ("redis", "rediss", "unix"):
        _redis_ping(url, timeout_s)
    elif scheme in ("amqp", "amqps"):
        from kombu import Connection

        with Connection(url, connect_timeout=timeout_s) as connection:
            connection.ensure_connection(max_retries=1, timeout=max(1, round(timeout_s)))
    return Check(True, detail={"transport": scheme})


def _layer_urls(config: dict[str, Any]) -> list[str]:
    urls = []
    for host in config.get("hosts") or []:
        if isinstance(host, str):
            urls.append(host)
        elif isinstance(host, dict) and "address" in host:
            urls.append(str(host["address"]))
        elif isinstance(host, list | tuple) and len(host) == 2:
            urls.append(f"redis://{host[0]}:{host[1]}/0")
    return urls


def channel_layer(timeout_s: float) -> Check:
    """channels-redis: each of its Redis servers answers PING. The in-memory layer lives in
    this process: nothing to reach."""
    layer: dict[str, Any] = settings.CHANNEL_LAYERS.get("default", {})
    backend = str(layer.get("BACKEND", ""))
    if not backend.startswith("channels_redis."):
        return Check(True, detail={"backend": "in-memory" if backend.endswith("InMemoryChannelLayer") else backend})
    for url in _layer_urls(layer.get("CONFIG") or {}):
        _redis_ping(url, timeout_s)
    return Check(True, detail={"backend": "redis"})


def _fresh(beat: heartbeat.Beat | None, *, missing: str) -> Check:
    intervals: int = settings.STEPWISE_HEALTH_TICK_INTERVALS
    if beat is None:
        return Check(False, missing)
    allowed = intervals * beat.interval_s
    detail = {"age_s": round(beat.age_s, 1)}
    if beat.age_s > allowed:
        return Check(
            False,
            f"the tick last beat {beat.age_s:.1f} s ago, more than {intervals} intervals of {beat.interval_s:g} s",
            detail,
        )
    return Check(True, detail=detail)


def tick_durable(timeout_s: float) -> Check:
    """Production: some `manage.py engine_tick` beat within N of its intervals."""
    return _fresh(heartbeat.durable_age(heartbeat.TICK), missing="no tick has beaten yet: start `manage.py engine_tick`")


def tick_local(timeout_s: float) -> Check:
    """Embedded mode: this server's own tick thread beat within N of its intervals."""
    return _fresh(heartbeat.local_age(heartbeat.TICK), missing="the tick thread of this server is not running")
