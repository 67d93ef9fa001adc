"""Logging: JSON lines or a terminal's console (LOG_FORMAT), at LOG_LEVEL, through one
renderer for structlog and the standard library's loggers (core/logging.py; docs/logging.md).
Traces (OpenTelemetry) are on when OTEL_EXPORTER_OTLP_ENDPOINT is set (core/tracing.py)."""

from __future__ import annotations

import sys

from config.env import env_choice, env_url

# Unset: the console when stderr is a terminal (a person reads it), JSON lines otherwise
# (a process manager or a log shipper reads it).
LOG_FORMAT = env_choice("LOG_FORMAT", ("json", "console")) or ("console" if sys.stderr.isatty() else "json")
LOG_LEVEL = env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), "INFO")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"stepwise": {"()": "core.logging.formatter", "fmt": LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "stepwise"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # httpx logs every request at INFO, URL and query string included: a cost on every
        # HTTP step and a leak of whatever a URL carries (a token). The step's own record
        # says what it called.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # billiard (Celery's pool) logs a pool process's death here and turns propagation
        # off: without a handler of its own, Python printed it as bare text.
        "multiprocessing": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# Where traces go (OTLP over HTTP); unset, tracing is off and its packages are not imported.
OTEL_EXPORTER_OTLP_ENDPOINT = env_url("OTEL_EXPORTER_OTLP_ENDPOINT", schemes=("http", "https"))
