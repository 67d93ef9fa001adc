import asyncio

import pytest
from channels.routing import URLRouter
from django.test import Client

from config.routing import websocket_urlpatterns
from engine.live.auth import TokenOrSession
from engine.live.flow import PENDING_BYTES


def queued_bytes(queue):
    """What a communicator holds for the test and the test has not read yet: the bytes
    written to the connection and not taken by the client, as daphne's transport has them."""
    return sum(len(message.get("text") or message.get("bytes") or b"") for message in list(queue._queue))


def measured(app):
    """Give the consumers the probe daphne gives them (engine/live/flow.py), over the
    communicator's output queue."""

    async def wrapped(scope, receive, send):
        queue = send.__self__  # the communicator's output_queue.put
        return await app({**scope, PENDING_BYTES: lambda: queued_bytes(queue)}, receive, send)

    return wrapped


@pytest.fixture
def ws_app():
    return measured(TokenOrSession(URLRouter(websocket_urlpatterns)))


@pytest.fixture
def run_async():
    """Run a coroutine on a fresh event loop (the consumers' loop for the test)."""
    return lambda coro: asyncio.run(coro)


def session_headers(user, origin="http://testserver", host="testserver"):
    client = Client()
    client.force_login(user)
    headers = [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
    if origin:
        headers.append((b"origin", origin.encode()))
    if host:
        headers.append((b"host", host.encode()))
    return headers
