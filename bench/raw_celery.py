"""Raw Celery baselines for bench/engine.py, on the same broker and workers as the engine:
a chain of no-op tasks (W1), a group with a Redis counter as its join (W2), rounds of
chains of 3 (W3), chains of HTTP GETs (W4) and chords of HTTP GETs (W5). Each waits for a
Redis list that its last task pushes to (bench.celery_app.done)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypedDict
from urllib.parse import urlparse, urlunparse


class _Options(TypedDict):
    queue: str


QUEUE: _Options = {"queue": "stepwise.steps"}


def result_backend(broker: str) -> str:
    """Raw chords' result backend: the broker's Redis, the next database number."""
    parsed = urlparse(broker)
    number = int(parsed.path.lstrip("/") or 0) + 1
    return urlunparse(parsed._replace(path=f"/{number}"))


def _blpop(client, key: str, timeout: float = 300) -> bool:  # type: ignore[no-untyped-def]
    """Wait for `key` in short blocking reads: redis-py's socket timeout (5 s by default)
    ends a longer BLPOP with "Timeout reading from socket"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.blpop([key], timeout=1):
            return True
    return False


def _timed(broker: str, key: str, submit: Callable[[str], None]) -> float:
    """Seconds from submitting (`submit(key)`) until the work pushed to `key`."""
    import redis

    client = redis.Redis.from_url(broker)
    client.delete(key, key + ":n")
    t0 = time.perf_counter()
    submit(key)
    assert _blpop(client, key), f"raw celery timed out on {key}"
    return time.perf_counter() - t0


_rounds = iter(range(1_000_000))  # a fresh key for every round of this process


def chain_and_group(broker: str, chain_length: int, fan: int) -> dict[str, float]:
    """W1: ms per task of a chain of `chain_length`; W2: ms for a group of `fan` (median of 3)."""
    from celery import chain, group

    from bench.celery_app import done, noop

    def a_chain(key: str) -> None:
        chain(*[noop.si().set(**QUEUE) for _ in range(chain_length - 1)], done.si(key=key).set(**QUEUE)).apply_async()

    def a_group(key: str) -> None:
        group(*[done.si(key=key, expect=fan).set(**QUEUE) for _ in range(fan)]).apply_async()

    w1 = [_timed(broker, f"bench:chain:{next(_rounds)}", a_chain) * 1000 / chain_length for _ in range(3)]
    w2 = [_timed(broker, f"bench:group:{next(_rounds)}", a_group) * 1000 for _ in range(3)]
    return {"W1_ms_per_step": statistics.median(w1), "W2_ms_total": statistics.median(w2)}


def chains_of_three_round(broker: str, runs: int) -> float:
    """One round of W3's baseline: `runs` chains of 3 no-op tasks; runs per second."""
    from celery import chain

    from bench.celery_app import done, noop

    def submit(key: str) -> None:
        for _ in range(runs):
            chain(noop.si().set(**QUEUE), noop.si().set(**QUEUE), done.si(key=key, expect=runs).set(**QUEUE)).apply_async()

    return runs / _timed(broker, f"bench:three:{next(_rounds)}", submit)


def chords_round(broker: str, runs: int, branches: int, url: str) -> float:
    """One round of W5's baseline: `runs` chords of `branches` GETs of `url` with a callback
    each; runs (chords) per second."""
    from celery import chord

    from bench.celery_app import done, http_get

    def submit(key: str) -> None:
        for _ in range(runs):
            header = [http_get.si(url).set(**QUEUE) for _ in range(branches)]
            chord(header, done.si(key=key, expect=runs).set(**QUEUE)).apply_async()

    return runs / _timed(broker, f"bench:chord:{next(_rounds)}", submit)


def http_chain(broker: str, length: int, url: str) -> float:
    """W4's chain: ms per task of a chain of `length` GETs of `url` (median of 5, after two
    chains that warm every worker's HTTP client, as the engine's are warmed)."""
    from celery import chain

    from bench.celery_app import http_step

    def submit(key: str) -> None:
        tasks = [http_step.si(url).set(**QUEUE) for _ in range(length - 1)]
        chain(*tasks, http_step.si(url, key=key).set(**QUEUE)).apply_async()

    for _ in range(2):
        _timed(broker, f"bench:http-chain:{next(_rounds)}", submit)
    return statistics.median(_timed(broker, f"bench:http-chain:{next(_rounds)}", submit) * 1000 / length for _ in range(5))


def http_chains_round(broker: str, runs: int, concurrency: int, length: int, url: str) -> float:
    """One round of W4's concurrent baseline: `runs` chains of `length` GETs of `url`,
    `concurrency` of them in flight at a time (the next submitted as soon as one ends);
    runs per second."""
    import redis
    from celery import chain

    from bench.celery_app import http_step

    client = redis.Redis.from_url(broker)
    prefix = f"bench:http-chains:{next(_rounds)}"

    def submit(i: int) -> str:
        key = f"{prefix}:{i}"
        tasks = [http_step.si(url).set(**QUEUE) for _ in range(length - 1)]
        chain(*tasks, http_step.si(url, key=key).set(**QUEUE)).apply_async()
        return key

    t0 = time.perf_counter()
    live = [submit(i) for i in range(min(concurrency, runs))]
    started = len(live)
    deadline = time.monotonic() + 300
    while live:
        assert time.monotonic() < deadline, f"raw celery timed out on {prefix}"
        popped = client.blpop(live, timeout=1)
        if popped:
            key = popped[0]
            live.remove(key.decode() if isinstance(key, bytes) else key)
            if started < runs:
                live.append(submit(started))
                started += 1
    return runs / (time.perf_counter() - t0)
