"""What the production-topology tests start for themselves: a redis-server of their own on
a free port, a PostgreSQL database of their own beside DATABASE_URL's, and a wait for a
condition (a deadline that fails the test, never a timed assertion)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from tests.integration.server import _admin_connection, free_port


def wait_for[T](
    what: str, probe: Callable[[], T | None], *, seconds: float = 60, alive: subprocess.Popen | None = None, log: Path | None = None
) -> T:
    """Call `probe` until it returns something truthy; fail naming `what` past the deadline,
    or at once if `alive` (a process the condition needs) has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if alive is not None and alive.poll() is not None:
            raise AssertionError(f"exited ({alive.returncode}) before {what}:\n{log.read_text() if log else ''}")
        with contextlib.suppress(Exception):
            result = probe()
            if result:
                return result
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds:g} s: {what}\n{log.read_text()[-5000:] if log else ''}")


@contextlib.contextmanager
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A redis-server of this test's own (nothing on disk), stopped by its pid."""
    import redis

    port = free_port()
    command = [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for("the private redis-server answers", lambda: redis.Redis(port=port, socket_timeout=1).ping(), seconds=20, alive=process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def own_database() -> Iterator[str]:
    """A new PostgreSQL database on DATABASE_URL's server, dropped at the end."""
    url = os.environ["DATABASE_URL"]
    name = f"{urlparse(url).path.lstrip('/')}_prod_{secrets.token_hex(4)}"
    with _admin_connection(url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunparse(urlparse(url)._replace(path=f"/{name}"))
    finally:
        with _admin_connection(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
