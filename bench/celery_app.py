"""The Celery app for the raw-Celery baselines: the project's app plus two no-op tasks.
A worker started with -A bench.celery_app serves both the engine and the baselines."""

import time

import redis
from django.conf import settings

from config.celery import app

_redis = None


def _client():  # type: ignore[no-untyped-def]
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return _redis


@app.task(name="bench.noop", ignore_result=True)
def noop(*args, **kwargs):  # type: ignore[no-untyped-def]
    return None


@app.task(name="bench.done", ignore_result=True)
def done(*args, key="bench:done", expect=1):  # type: ignore[no-untyped-def]
    """Signal completion: push once `expect` tasks have called it for `key` (a group's join)."""
    client = _client()
    if client.incr(key + ":n") >= expect:
        client.rpush(key, time.time())
