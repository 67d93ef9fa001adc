import asyncio

import pytest
from channels.routing import URLRouter
from django.test import Client

from config.routing import websocket_urlpatterns
from engine.live.auth import TokenOrSession


@pytest.fixture
def ws_app():
    return TokenOrSession(URLRouter(websocket_urlpatterns))


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
