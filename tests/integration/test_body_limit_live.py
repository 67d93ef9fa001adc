"""An oversized request body over real HTTP (daphne): refused with the JSON 413 while it
arrives, announced (Content-Length) or not (chunked), and never stored or held in memory
past the limit (STEPWISE_MAX_BODY_BYTES) on the way."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
BODY = 200 * MIB
CHUNK = 64 * 1024
LIMIT = 5 * MIB


def _status(pid: int, field: str) -> int:
    """A /proc/<pid>/status figure (VmRSS, VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


def _open_file_bytes(pid: int) -> int:
    """What the server's open regular files hold, deleted temporary files included (a
    spooled body is unlinked at once: only its descriptor shows it)."""
    total = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            st = os.stat(fd)
        except OSError:
            continue
        if (st.st_mode & 0o170000) == 0o100000:
            total += st.st_size
    return total


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


class Probe:
    """The body, 64 KiB at a time, counting what was handed to the socket and sampling the
    server's disk on the way."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.sent = 0
        self.files_peak = 0
        self.files_before = _open_file_bytes(pid)

    def body(self):
        block = b"x" * CHUNK
        while self.sent < BODY:
            if self.sent % (4 * MIB) == 0:
                self.files_peak = max(self.files_peak, _open_file_bytes(self.pid) - self.files_before)
            self.sent += CHUNK
            yield block


@pytest.fixture
def server(tmp_path):
    from tests.integration.server import make_server

    (tmp_path / "tmp").mkdir()
    server = make_server(tmp_path, TMPDIR=str(tmp_path / "tmp"), STEPWISE_MAX_BODY_BYTES=str(LIMIT))
    try:
        yield server.start()
    finally:
        server.stop()


def _refused_while_arriving(server, path: str, headers: dict[str, str]) -> None:
    pid = server.process.pid
    rss_before = _status(pid, "VmRSS")
    disk_before = _tree_bytes(server.var_dir)
    probe = Probe(pid)
    response = httpx.post(f"{server.base_url}{path}", content=probe.body(), headers=headers, timeout=60)
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "problems"} and str(LIMIT) in body["detail"]
    # Refused on the way: the client was stopped long before the end of its body.
    assert probe.sent < BODY // 2, f"sent {probe.sent} of {BODY} bytes before the 413"
    # Neither disk nor memory took the body: each grew by far less than it.
    assert probe.files_peak <= LIMIT + MIB, f"the server's open files grew by {probe.files_peak} bytes"
    assert _tree_bytes(server.var_dir) - disk_before <= LIMIT + MIB
    grown = _status(pid, "VmHWM") - rss_before
    assert grown < 40 * MIB, f"the server's peak memory grew by {grown} bytes"
    # The server is still there for the next caller.
    assert httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200


def test_a_chunked_body_past_the_limit_is_refused_while_it_arrives(server):
    # A generator without Content-Length: httpx sends it chunked.
    _refused_while_arriving(server, "/hooks/no-such-hook", {"content-type": "application/json"})


def test_an_announced_body_past_the_limit_is_refused_before_it_is_read(server):
    headers = {"content-type": "application/json", "content-length": str(BODY)}
    _refused_while_arriving(server, "/api/workflows/", headers)


def test_a_body_within_the_limit_still_reaches_the_app(server):
    """The cut-off is the limit, not less: 4 MiB to an unknown hook gets the hook's 404."""

    def body():
        for _ in range(4 * MIB // CHUNK):
            yield b"x" * CHUNK

    response = httpx.post(f"{server.base_url}/hooks/no-such-hook", content=body(), headers={"content-type": "text/plain"}, timeout=60)
    assert response.status_code == 404, response.text
