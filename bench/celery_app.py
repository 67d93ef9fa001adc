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


_http = None
_http_pid = 0


def _http_client():  # type: ignore[no-untyped-def]
    """One kept-alive httpx client per worker process (made again after a fork), as the
    engine's HTTP node has (catalog.nodes.net.http_client)."""
    global _http, _http_pid
    if _http is None or _http_pid != os.getpid():
        import httpx

        _http, _http_pid = httpx.Client(timeout=10), os.getpid()
    return _http


@app.task(name="bench.http_get", ignore_result=False)
def http_get(url):  # type: ignore[no-untyped-def]
    """A chord's branch: the GET a W5 branch makes, on the process's kept-alive client.
    Its result (the status) is what the chord's join counts."""
    return _http_client().get(url).status_code


@app.task(name="bench.http_step", ignore_result=True)
def http_step(url, key=None, expect=1):  # type: ignore[no-untyped-def]
    """A W4 chain's task: the GET a W4 step makes; the last one of a chain (given `key`)
    signals completion as `done` does."""
    _http_client().get(url).raise_for_status()
    if key is not None:
        done(key=key, expect=expect)
