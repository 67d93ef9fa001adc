"""A local TCP server on a free port of 127.0.0.1 for the node tests' servers (drip.py,
smtp.py): an accept loop in a thread of its own, each connection served by `_serve` in a
thread of its own, `connections` counted as they are accepted. Stopped on leaving `with`."""

from __future__ import annotations

import socket
import threading


class TCPServer:
    name = "test-server"

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True, name=f"{self.name}-accept")

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def __enter__(self):  # type: ignore[no-untyped-def]
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self._thread.join(5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self._accepted()
            threading.Thread(target=self._serve, args=(conn,), daemon=True, name=f"{self.name}-conn").start()

    def _accepted(self) -> None:
        """Called under `lock` as a connection is accepted, before it is served."""

    def _serve(self, conn: socket.socket) -> None:
        raise NotImplementedError
