"""Celery. Without CELERY_BROKER_URL the engine runs steps in-process (embedded mode)."""

from __future__ import annotations

from config.env import env_str, env_url

CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", schemes=("redis", "rediss", "amqp", "amqps", "memory"))
STEPWISE_EXECUTOR = "celery" if CELERY_BROKER_URL else "inprocess"

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "stepwise.steps"
# Above the longest step timeout, so a long step's message is not redelivered while it runs.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 2 * 86400}
# REDIS_KEY_PREFIX (config/settings/realtime.py) before every key of a Redis broker: its
# queues, bindings, unacked messages and control replies (kombu's global_keyprefix).
_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "") or ""
if _KEY_PREFIX and CELERY_BROKER_URL and CELERY_BROKER_URL.startswith(("redis", "rediss")):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = _KEY_PREFIX
# False: a step in flight when the broker connection is lost runs to its end and records
# its result, which needs only the database (the claim and the fenced update are there).
# True made Celery terminate it ("cannot be acknowledged after a connection loss ...
# Terminating it instead"): its lease then expired and the step ran, and called its HTTP
# endpoint, a second time. Its ack is lost with the connection; if the broker kept the
# message, it comes back after the visibility timeout and finds the step finished: a
# no-op (tests/integration/test_broker_restart.py). config/celery.py keeps the worker
# alive through the loss on the Redis transport.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
