"""A local server that answers slowly on purpose: after the request it sends one byte at a
time, every `interval_s`, so that no single read ever waits long enough to trip a read
timeout. Used to check that the HTTP node's timeout bounds the whole call.

Paths: /drip (the headers at once, then the body one byte at a time), /drip-headers (the
status line and headers themselves one byte at a time), /redirect (a 302 to /drip on this
server), /ok (a short answer at once). Every connection is closed after its answer."""

from __future__ import annotations

import contextlib
import socket
import time

from tests.catalog.nodes.tcp import TCPServer

DRIP_MAX_S = 20.0  # a client that never hangs up is let go after this long


class DripServer(TCPServer):
    name = "drip"

    def __init__(self, interval_s: float = 0.5) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.requests: list[str] = []
        self.active = 0  # connections being answered

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accepted(self) -> None:
        self.active += 1

    def _serve(self, conn: socket.socket) -> None:
        self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                received += chunk
            path = received.split(b" ", 2)[1].decode()
            with self.lock:
                self.requests.append(path)
            if path.startswith("/ok"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            elif path.startswith("/redirect"):
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /drip\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            elif path.startswith("/drip-headers"):
                self._drip(conn, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 10_000 + b"\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n")
                self._drip(conn, b"x" * 100_000)
        except OSError:  # the client hung up: the answer ends here
            pass
        finally:
            conn.close()
            with self.lock:
                self.active -= 1

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        until = time.monotonic() + DRIP_MAX_S
        for i in range(len(data)):
            if self.stopped.is_set() or time.monotonic() > until:
                return
            conn.sendall(data[i : i + 1])
            if self.stopped.wait(self.interval_s):
                return
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_WR)
