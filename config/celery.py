"""Celery application: `celery -A config worker`. Settings come from Django (CELERY_*)."""

import contextlib
import logging.config
import os
from typing import Any

from celery import Celery, signals

from config.env import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
load_settings_or_exit()  # a bad environment value: one line on stderr, exit 2

app = Celery("stepwise")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["engine"])


@signals.setup_logging.connect
def _logging_as_django(**_: Any) -> None:
    """The worker logs through Django's LOGGING (JSON lines or the console, LOG_LEVEL:
    config/settings/logging.py) instead of Celery's own format: a receiver of this signal
    keeps Celery from configuring the root logger itself."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.celeryd_init.connect
def _no_banner_in_json(instance: Any = None, **_: Any) -> None:
    """With LOG_FORMAT=json every line of the worker is JSON: Celery's banner (plain text
    on stdout) is left out; the "worker ready" line (engine/tasks.py) says what it said;
    what Celery says from its signal handlers ("worker: Warm shutdown") is a JSON line."""
    from django.conf import settings

    if instance is not None and settings.LOG_FORMAT == "json":
        instance.quiet = True
        from celery.apps import worker

        # celery-types' stubs of celery.apps.worker omit safe_say (Celery has it).
        worker.safe_say = _say_as_json  # type: ignore[attr-defined]


def _say_as_json(message: str, f: Any = None) -> None:
    """Celery's safe_say (what its signal handlers print, such as "worker: Warm shutdown
    (MainProcess)"), as a line of the log: rendered by the log's own handler's formatter
    and written to its stream as safe_say writes, by one os.write, without the handler's
    lock (a signal handler may have interrupted a logging call that holds it)."""
    handlers = logging.getLogger().handlers
    if not handlers or not isinstance(handlers[0], logging.StreamHandler):
        return  # no log stream to say it on: as safe_say without a stream, say nothing
    handler = handlers[0]
    record = logging.LogRecord("celery.apps.worker", logging.INFO, __file__, 0, message.strip(), None, None)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.write(handler.stream.fileno(), (handler.format(record) + "\n").encode())


# Celery's Django fixup closes every database connection before and after each task unless
# this is set: a new PostgreSQL connection (several ms) for every step message. Django's
# own CONN_MAX_AGE and health checks recycle them instead (run_chain ends with
# close_old_connections), as in the web process.
app.conf.CELERY_DB_REUSE_MAX = 1_000_000


def _redis_channel_without_client_fails_as_a_connection_error() -> None:
    """kombu 5.7's Redis transport, on a lost broker connection with a message unacked (an
    acks_late step in flight): Celery collects the connection (its transport's `client`
    becomes None), then closes it; the channel's close restores the unacked messages
    through a new client, whose parameters are read from that None: AttributeError, which
    neither kombu nor Celery expects, and the worker stops ("Unrecoverable error") instead
    of reconnecting. The same happens to the step's late ack once it finishes. Raised as
    the transport's connection error instead, it is what both handle: the close is given
    up (the broker is gone; if it kept its data, the unacked message comes back after the
    visibility timeout and finds its step finished), the ack is logged as failed, and the
    worker reconnects."""
    import redis
    from kombu.transport import redis as transport

    # celery-types' kombu stubs omit the Channel's private _connparams (kombu has it).
    original = transport.Channel._connparams  # type: ignore[attr-defined]
    if getattr(original, "stepwise_patched", False):
        return

    def _connparams(self: transport.Channel, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection of this channel is closed")
        params: dict[str, Any] = original(self, asynchronous)
        return params

    _connparams.stepwise_patched = True  # type: ignore[attr-defined]  # a marker on a function object
    transport.Channel._connparams = _connparams  # type: ignore[attr-defined]  # as above


_redis_channel_without_client_fails_as_a_connection_error()
