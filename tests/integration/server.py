"""Run the real server (daphne) as a subprocess on a fresh database of its own, the way
`make run` does: PostgreSQL when DATABASE_URL is set (a new database beside it), else a
SQLite file. Used by tests that need real HTTP (schemathesis, first run, browsers)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_connection(url: str):
    import psycopg

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    return psycopg.connect(admin, autocommit=True)


@dataclass
class Server:
    var_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    _database: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> Server:
        self.manage("migrate", "--no-input", "-v", "0")
        log = open(self.var_dir / "daphne.log", "w")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: {(self.var_dir / 'daphne.log').read_text()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not answer /healthz within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self._database:
            with _admin_connection(os.environ["DATABASE_URL"]) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._database}" WITH (FORCE)')

    def create_user_with_token(self, username: str, password: str = "s3cret-pass-word") -> str:
        code = f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user({username!r}, password={password!r})"
        self.manage("shell", "-c", code)
        return self.manage("create_api_token", username).strip()


def make_server(var_dir: Path, **extra_env: str) -> Server:
    env = {**os.environ, "STEPWISE_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "config.settings", **extra_env}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = Server(var_dir=var_dir, env=env)
    url = os.environ.get("DATABASE_URL")
    if url:
        name = f"{urlparse(url).path.lstrip('/')}_live_{secrets.token_hex(4)}"
        with _admin_connection(url) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        server._database = name
        env["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path=f"/{name}"))
    return server
