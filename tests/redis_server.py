"""The Redis the tests may use, and how they leave everyone else's alone.

- With REDIS_URL given, tests use that server and database as given; every key they write
  starts with a prefix of this session's own (`REDIS_KEY_PREFIX`, read by the settings for
  the channel layer and Celery's broker), and what they clear is their own keys, found by
  that prefix, never a database.
- Without it, the first test that needs a Redis starts a private `redis-server` on a free
  port (nothing on disk), stopped at the end of the session.
- With neither (no REDIS_URL, no redis-server binary), a test that needs one is skipped
  with the reason: the embedded run passes on a machine with no Redis, the Celery and
  PostgreSQL run (`make test` with REDIS_URL) selects it.

`guard_flushes` makes FLUSHDB and FLUSHALL fail on any server this session did not start.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
import redis

_started: dict[int, tuple[subprocess.Popen[bytes], Path]] = {}  # port -> (process, its dir)
_session_prefix = f"stepwise-test-{secrets.token_hex(4)}:"
_counter = 0


def session_prefix() -> str:
    """The prefix of every Redis key this test process writes."""
    return _session_prefix


def new_prefix(label: str) -> str:
    """A prefix of its own for one user of Redis in this session (a Celery mode, a test)."""
    global _counter
    _counter += 1
    return f"{_session_prefix}{label}{_counter}:"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_private_server() -> str:
    """A redis-server of this session's own on a free port (`--port 0` is no free port for
    redis-server: a socket bound by the OS picks one, which is then given to it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("no redis-server binary")
    directory = Path(tempfile.mkdtemp(prefix="stepwise-redis-"))
    for _ in range(5):  # another process may take the port between the probe and the bind
        port = free_port()
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if redis.Redis(port=port, socket_connect_timeout=1).ping():
                    _started[port] = (process, directory)
                    return f"redis://127.0.0.1:{port}/0"
            except redis.ConnectionError:
                time.sleep(0.05)
        process.kill()
        process.wait(5)
    raise RuntimeError("a private redis-server did not start")


def stop_private_server(url: str) -> None:
    port = redis.Redis.from_url(url).connection_pool.connection_kwargs["port"]
    process, directory = _started.pop(port)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    shutil.rmtree(directory, ignore_errors=True)


_session_url: str | None = None


def session_redis() -> str:
    """The Redis of this session: REDIS_URL as given, else a private server started on first
    use. A test that can have neither is skipped, saying why."""
    global _session_url
    given = os.environ.get("REDIS_URL")
    if given:
        return given
    if _session_url is None:
        if shutil.which("redis-server") is None:
            pytest.skip("needs Redis: set REDIS_URL or install redis-server (the Celery/PostgreSQL run selects it)")
        _session_url = start_private_server()
    return _session_url


def stop_session_server() -> None:
    global _session_url
    if _session_url is not None:
        stop_private_server(_session_url)
        _session_url = None


def owned(client: redis.Redis) -> bool:
    """Whether this session started the server `client` talks to."""
    kwargs = client.connection_pool.connection_kwargs
    return kwargs.get("host") in {"127.0.0.1", "localhost"} and kwargs.get("port") in _started


def delete_prefixed(url: str, prefix: str) -> int:
    """Delete the keys that start with `prefix` (ours), in every database of the server
    that holds any: never a key of someone else, never a whole database."""
    if not prefix:
        raise ValueError("an empty prefix would match everyone's keys")
    client = redis.Redis.from_url(url)
    deleted = 0
    keyspace = client.info("keyspace")
    for name in keyspace:
        database = client_for(url, int(str(name).removeprefix("db")))
        batch = list(database.scan_iter(match=f"{_glob_escape(prefix)}*", count=1000))
        for start in range(0, len(batch), 500):
            deleted += int(database.unlink(*batch[start : start + 500]))
    return deleted


def client_for(url: str, db: int, **options: object) -> redis.Redis:
    """A client of database `db` of the server at `url` (from_url's `db=` loses to the URL's)."""
    return redis.Redis.from_url(urlunparse(urlparse(url)._replace(path=f"/{db}")), **options)  # type: ignore[arg-type]


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class FlushRefused(AssertionError):
    pass


@contextlib.contextmanager
def guard_flushes() -> Iterator[None]:
    """FLUSHDB and FLUSHALL raise unless the server is one this session started."""
    original = redis.Redis.execute_command

    def execute_command(self: redis.Redis, *args: object, **options: object) -> object:
        name = str(args[0]).upper() if args else ""
        if name in {"FLUSHDB", "FLUSHALL"} and not owned(self):
            kwargs = self.connection_pool.connection_kwargs
            raise FlushRefused(f"{name} on {kwargs.get('host')}:{kwargs.get('port')}, a Redis this test session did not start")
        return original(self, *args, **options)

    redis.Redis.execute_command = execute_command  # type: ignore[method-assign]
    try:
        yield
    finally:
        redis.Redis.execute_command = original  # type: ignore[method-assign]
