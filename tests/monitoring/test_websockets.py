"""stepwise_websocket_connections: up while a stream is open, down once it closes, for a
refused connection too (accepted to tell the client why, then closed)."""

from __future__ import annotations

import asyncio

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from config.routing import websocket_urlpatterns
from engine.live.auth import TokenOrSession
from monitoring.exposition import render
from tests.engine.live.conftest import measured, session_headers
from tests.factories import make_user, make_workflow
from tests.monitoring.scrape import parse, value


def _open(stream: str) -> float:
    return value(parse(render().decode()), "stepwise_websocket_connections", stream=stream)


@pytest.mark.django_db(transaction=True)
def test_open_streams_are_counted_until_they_close():
    user = make_user()
    workflow = make_workflow(user)
    app = measured(TokenOrSession(URLRouter(websocket_urlpatterns)))
    headers = session_headers(user)
    before = _open("workflow")

    async def scenario():
        first = WebsocketCommunicator(app, f"/ws/workflows/{workflow.pk}/", headers=headers)
        second = WebsocketCommunicator(app, f"/ws/workflows/{workflow.pk}/", headers=headers)
        assert (await first.connect(timeout=5))[0]
        assert (await second.connect(timeout=5))[0]
        assert _open("workflow") == before + 2
        await first.disconnect()
        assert _open("workflow") == before + 1
        await second.disconnect()
        assert _open("workflow") == before
        refused = WebsocketCommunicator(app, f"/ws/workflows/{workflow.pk + 1000}/", headers=headers)
        assert (await refused.connect(timeout=5))[0]
        assert (await refused.receive_output(timeout=2))["type"] == "websocket.close"
        await refused.disconnect()
        assert _open("workflow") == before

    asyncio.run(scenario())
