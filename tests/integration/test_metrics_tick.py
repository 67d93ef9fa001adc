"""The tick's own metrics port: on a host that runs only the tick, METRICS_PORT set, the
tick process serves its series (its passes' duration) there, as a worker's parent does."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest

from tests.integration.prod_topology import wait_for
from tests.integration.server import ROOT, free_port, make_server

pytestmark = pytest.mark.integration


def _passes(url: str) -> float:
    try:
        text = httpx.get(url, timeout=2).text
    except httpx.HTTPError:
        return 0.0
    found = re.search(r"^stepwise_tick_duration_seconds_count (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_the_tick_serves_its_metrics_on_metrics_port(tmp_path):
    port = free_port()
    server = make_server(tmp_path, METRICS_PORT=str(port))
    tick = None
    try:
        server.manage("migrate", "--no-input", "-v", "0")
        log = tmp_path / "tick.log"
        command = [sys.executable, "manage.py", "engine_tick", "--interval", "0.2"]
        tick = subprocess.Popen(command, cwd=ROOT, env=server.env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/metrics"
        wait_for("the tick's passes on its port", lambda: _passes(url) >= 3, alive=tick, log=log)
        first = _passes(url)
        wait_for("more passes counted", lambda: _passes(url) > first, alive=tick, log=log)
        assert f"metrics: serving on 127.0.0.1:{port}" in log.read_text()
    finally:
        if tick is not None:
            tick.terminate()
            tick.wait(15)
        server.stop()
