"""Structured logs: one renderer for structlog's loggers and the standard library's
(django, celery, daphne, ours), JSON lines or a terminal's console, and the context every
line of a step carries (run_id, step_id, node_id, workflow_id). docs/logging.md says what
an operator gets.

Settings wire it in (config/settings/logging.py) by naming `formatter` in LOGGING: Django's
dictConfig calls it at start, which configures structlog too, so the settings import none
of this module."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

# The keys the engine binds while it works on a run; every line logged meanwhile has them.
CONTEXT_KEYS = ("run_id", "step_id", "node_id", "workflow_id")


def _add_process(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    record = event.get("_record")
    event["process"] = record.process if record is not None else os.getpid()
    return event


def _shared_processors() -> list[Processor]:
    """What every line gets, whether it comes from structlog or from a stdlib logger."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        _add_process,
    ]


_FIRST = ("timestamp", "level", "logger", "event")


def _first_keys(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """timestamp, level, logger and event lead each JSON line, for a person reading it."""
    ordered = {key: event.pop(key) for key in _FIRST if key in event}
    ordered.update(event)
    return ordered


def _renderer(fmt: str) -> list[Processor]:
    if fmt == "json":
        # Tracebacks as one string field: a JSON line stays one line.
        return [structlog.processors.format_exc_info, _first_keys, structlog.processors.JSONRenderer(default=str)]
    return [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]


def formatter(fmt: str = "json") -> logging.Formatter:
    """The formatter of LOGGING's handlers (`"()": "core.logging.formatter"`), which also
    configures structlog: its loggers hand their events to the standard library, so both
    kinds leave through this one renderer."""
    configure_structlog()
    logging.captureWarnings(True)  # a library's warning is a line of the log too, not raw text
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *_shared_processors()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_renderer(fmt)],
    )


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A logger whose calls are events with key-value fields: `logger.info("step finished",
    status="succeeded")`."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


@contextlib.contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Bind these fields to every line logged in this context (this thread, this task), and
    restore what was bound before when it ends. A field given None is left out meanwhile,
    even if an outer context bound it (an inline step with no id yet does not carry the
    id of the step that runs it)."""
    # structlog's merge leaves out a context variable set to Ellipsis (what unbind sets).
    given = {key: Ellipsis if value is None else value for key, value in values.items()}
    tokens = structlog.contextvars.bind_contextvars(**given)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


def mask_url(url: str | None) -> str | None:
    """A URL without its password (redis://:secret@host/0 -> redis://:***@host/0), to say
    in a log what a process connected to."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def database_description(db: Mapping[str, Any]) -> str:
    """A DATABASES entry as a URL without its password."""
    engine = str(db.get("ENGINE", ""))
    if engine.endswith("sqlite3"):
        return f"sqlite:///{db.get('NAME', '')}"
    vendor = engine.rsplit(".", 1)[-1]
    user = db.get("USER") or ""
    at = f"{user}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"{vendor}://{at}{db.get('HOST') or 'localhost'}{port}/{db.get('NAME', '')}"


def connections_summary() -> dict[str, Any]:
    """What this process talks to, for its start line: the database, the broker (or the
    in-process executor) and the channel layer, with no password."""
    from django.conf import settings

    layer: dict[str, Any] = settings.CHANNEL_LAYERS.get("default", {})
    hosts = layer.get("CONFIG", {}).get("hosts", [])
    addresses = [mask_url(host["address"] if isinstance(host, dict) else str(host)) for host in hosts]
    return {
        "database": database_description(settings.DATABASES["default"]),
        "broker": mask_url(getattr(settings, "CELERY_BROKER_URL", None)) or "in-process",
        "channel_layer": str(layer.get("BACKEND", "")).rsplit(".", 1)[-1] + (f" {', '.join(map(str, addresses))}" if addresses else ""),
    }
