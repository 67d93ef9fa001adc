"""Flow control for the websockets: what a connection holds that its client has not taken.

The server puts a probe in the scope under PENDING_BYTES, a function answering how many
bytes written to the connection are still waiting in the server (not yet handed to the
client's socket). Daphne writes whatever it is given into its transport, however long the
client takes to read it, so a consumer asks before each frame and waits while the answer
is over its bound (engine/live/consumers.py). `with_pending_bytes` gives daphne's."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

PENDING_BYTES = "stepwise.pending_bytes"

Probe = Callable[[], int]


def daphne_probe(send: Any) -> Probe | None:
    """Daphne's send is `partial(server.handle_reply, protocol)`; the protocol's Twisted
    transport buffers what the socket has not taken yet (its `dataBuffer` from `offset`,
    plus `_tempDataBuffer`). None for any other server, or a transport without them (TLS)."""
    protocol = send.args[0] if isinstance(send, functools.partial) and send.args else None
    transport = getattr(protocol, "transport", None)
    if transport is None or not all(hasattr(transport, a) for a in ("dataBuffer", "offset", "_tempDataLen")):
        return None

    def pending() -> int:
        t = getattr(protocol, "transport", None)
        if t is None:
            return 0
        return int(len(t.dataBuffer) - t.offset + t._tempDataLen)

    return pending


def with_pending_bytes(app: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The outermost websocket middleware: the one that still sees the server's own send."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> Any:
        probe = daphne_probe(send)
        return await app({**scope, PENDING_BYTES: probe} if probe is not None else scope, receive, send)

    return wrapped
