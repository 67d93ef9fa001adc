"""The Celery app for the raw-Celery baselines: the project's app plus a few tasks.
A worker started with -A bench.celery_app serves both the engine and the baselines.
BENCH_RESULT_BACKEND gives raw chords the result backend their join needs (the engine's
tasks ignore results, so they never touch it)."""

import os
import time

import httpx
import redis
from django.conf import settings

from config.celery import app

__all__ = ["app", "done", "http_get", "noop"]

if os.environ.get("BENCH_RESULT_BACKEND"):
    app.conf.update(result_backend=os.environ["BENCH_RESULT_BACKEND"])

_redis: redis.Redis | None = None


def _client() -> redis.Redis:
    global _redis
    if _redis is None:
        assert settings.CELERY_BROKER_URL, "the raw Celery baselines run on a broker"
        _redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return _redis


@app.task(name="bench.noop", ignore_result=True)
def noop(*args: object, **kwargs: object) -> None:
    return None


@app.task(name="bench.done", ignore_result=True)
def done(*args: object, key: str = "bench:done", expect: int = 1) -> None:
    """Signal completion: push once `expect` tasks have called it for `key` (a group's join)."""
    client = _client()
    if client.incr(key + ":n") >= expect:
        client.rpush(key, time.time())


_http: httpx.Client | None = None
_http_pid = 0


def _http_client() -> httpx.Client:
    """One kept-alive httpx client per worker process (made again after a fork), as the
    engine's HTTP node has (catalog.nodes.net.http_client)."""
    global _http, _http_pid
    if _http is None or _http_pid != os.getpid():
        _http, _http_pid = httpx.Client(timeout=10), os.getpid()
    return _http


@app.task(name="bench.http_get", ignore_result=False)
def http_get(url: str) -> int:
    """A chord's branch: the GET a W5 branch makes, on the process's kept-alive client.
    Its result (the status) is what the chord's join counts."""
    return _http_client().get(url).status_code


@app.task(name="bench.http_step", ignore_result=True)
def http_step(url: str, key: str | None = None, expect: int = 1) -> None:
    """A W4 chain's task: the GET a W4 step makes; the last one of a chain (given `key`)
    signals completion as `done` does."""
    _http_client().get(url).raise_for_status()
    if key is not None:
        done(key=key, expect=expect)
