"""The Celery app for the raw-Celery baselines: the project's app plus a few tasks.
A worker started with -A bench.celery_app serves both the engine and the baselines.
BENCH_RESULT_BACKEND gives raw chords the result backend their join needs (the engine's
tasks ignore results, so they never touch it)."""

import os
import time

import redis
from django.conf import settings

from config.celery import app

if os.environ.get("BENCH_RESULT_BACKEND"):
    app.conf.result_backend = os.environ["BENCH_RESULT_BACKEND"]

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


@app.task(name="bench.http_get", ignore_result=False)
def http_get(url):  # type: ignore[no-untyped-def]
    """A chord's branch: the GET a W5 branch makes (a new client per call, as the engine's
    HTTP node does). Its result (the status) is what the chord's join counts."""
    import httpx

    with httpx.Client(timeout=10) as client:
        return client.get(url).status_code
