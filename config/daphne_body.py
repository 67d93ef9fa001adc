"""The request body limit at the socket, for daphne. Daphne (Twisted's HTTP request) reads a
whole body into a temporary file before it calls the application: an ASGI middleware sees
the first byte only once the last has arrived, however large. Here the request refuses the
body while it arrives: a Content-Length past the limit, or received bytes passing it, get
the JSON 413 at once and the connection is closed (Twisted stops reading it); at most the
limit is ever stored. config/asgi.py installs it when daphne serves the application."""

from __future__ import annotations

import json
import sys
from typing import Any

from core.errors import body_too_large


def refusal(limit: int, length: int | None) -> bytes:
    """The whole 413 response, status line to body."""
    body = json.dumps(body_too_large(limit, length)).encode()
    head = (
        "HTTP/1.1 413 Request Entity Too Large\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def install(limit: int) -> bool:
    """Make daphne's HTTP requests refuse bodies past `limit` bytes. Only when daphne is the
    server (its module is loaded: importing Twisted's HTTP otherwise could install a
    reactor of its own before some other server's). True when installed."""
    if "daphne.server" not in sys.modules:
        return False
    from daphne import http_protocol  # type: ignore[import-untyped]

    base = http_protocol.WebRequest
    if getattr(base, "body_limit", None) is not None:
        base.body_limit = limit  # already installed (a second import of config.asgi)
        return True

    class BoundedWebRequest(base):  # type: ignore[misc, valid-type]
        body_limit = limit
        _body_received = 0
        _body_refused = False

        def gotLength(self, length: int | None) -> None:
            if length is not None and length > self.body_limit:
                # No "100 Continue" after the refusal (Twisted sends it after this call).
                self.requestHeaders.removeHeader(b"Expect")
                self._refuse(length)
                length = 0
            super().gotLength(length)

        def handleContentChunk(self, data: bytes) -> None:
            if self._body_refused:
                return
            self._body_received += len(data)
            if self._body_received > self.body_limit:
                self._refuse(None)
                return
            super().handleContentChunk(data)

        def process(self) -> Any:
            if self._body_refused:
                return None  # the body was cut off: the application never sees it
            return super().process()

        def _refuse(self, length: int | None) -> None:
            self._body_refused = True
            channel = self.channel
            channel.persistent = False
            channel.transport.write(refusal(self.body_limit, length))
            channel.loseConnection()

    http_protocol.WebRequest = BoundedWebRequest
    return True
