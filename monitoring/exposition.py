"""The metrics as Prometheus' text format: summed over every process's files in multiprocess
mode (the default, config/settings/metrics.py), else this process's registry; and the
optional port of their own (METRICS_PORT), served by prometheus-client's HTTP server."""

from __future__ import annotations

import logging
import os
import threading
from functools import cache

from django.conf import settings
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess, start_http_server
from prometheus_client import values as _values

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST

_serving = threading.Lock()
_served: list[int] = []


def multiprocess_mode() -> bool:
    return bool(getattr(_values.ValueClass, "_multiprocess", False))


@cache
def registry() -> CollectorRegistry:
    """What a scrape reads: every process's files (read at each scrape) or this process's registry."""
    if not multiprocess_mode():
        return REGISTRY
    summed = CollectorRegistry(auto_describe=True)
    multiprocess.MultiProcessCollector(summed, path=os.environ["PROMETHEUS_MULTIPROC_DIR"])  # type: ignore[no-untyped-call]
    return summed


def render() -> bytes:
    return generate_latest(registry())


def serve_port() -> int | None:
    """Start the metrics' own HTTP server in this process when METRICS_PORT is set (once);
    the port, or None. A port another process on the host serves already is left to it:
    the processes share their files, so either answers for all."""
    port = int(settings.METRICS_PORT)
    if not port:
        return None
    with _serving:
        if _served:
            return _served[0]
        try:
            start_http_server(port, addr=str(settings.METRICS_ADDRESS), registry=registry())
        except OSError as exc:
            logger.warning("metrics: port %s not served by this process (%s)", port, exc)
            return None
        _served.append(port)
        logger.info("metrics: serving on %s:%s", settings.METRICS_ADDRESS, port)
        return port


def process_exited(pid: int | None = None) -> None:
    """A process that ends takes its live gauges (open websockets) out of the sums."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(pid or os.getpid())  # type: ignore[no-untyped-call]
