"""RequestBodyLimit, the ASGI guard in front of the HTTP application: a body past
STEPWISE_MAX_BODY_BYTES gets the JSON 413 when Content-Length announces it (nothing read) or
when the received bytes pass it (nothing more read, the application's answer dropped)."""

from __future__ import annotations

import asyncio
import json

import pytest

from core.middleware import RequestBodyLimit

LIMIT = 1024


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.STEPWISE_MAX_BODY_BYTES = LIMIT


class Client:
    """A client sending `chunks` one message at a time, counting what the app took."""

    def __init__(self, chunks: list[bytes], headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.chunks = chunks
        self.headers = headers or []
        self.taken = 0
        self.sent: list[dict] = []

    async def receive(self) -> dict:
        if self.taken == len(self.chunks):
            await asyncio.sleep(3600)  # a client that never finishes
        self.taken += 1
        return {"type": "http.request", "body": self.chunks[self.taken - 1], "more_body": self.taken < len(self.chunks)}

    async def send(self, message: dict) -> None:
        self.sent.append(message)

    def run(self, app) -> None:
        scope = {"type": "http", "method": "POST", "path": "/hooks/x", "headers": self.headers}
        asyncio.run(asyncio.wait_for(RequestBodyLimit(app)(scope, self.receive, self.send), 10))

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def body(self) -> dict:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent[1:]))


async def reading_app(scope, receive, send):
    """Like Django's handler: reads the whole body, stops at a disconnect, then answers."""
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            await send({"type": "http.response.start", "status": 599, "headers": []})  # must be dropped
            return
        size += len(message["body"])
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": json.dumps({"size": size}).encode()})


def test_an_announced_length_past_the_limit_is_refused_before_anything_is_read():
    client = Client([b"x" * 10], headers=[(b"content-length", b"5000")])
    client.run(reading_app)
    assert client.status == 413 and client.taken == 0
    assert client.body == {"detail": "The request body is 5000 bytes; the limit is 1024.", "problems": []}
    assert (b"content-type", b"application/json") in client.sent[0]["headers"]


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit():
    client = Client([b"x" * 600] * 100)
    client.run(reading_app)
    assert client.taken == 2, "read on after the limit"
    assert [m.get("status") for m in client.sent if m["type"] == "http.response.start"] == [413]
    assert client.body["detail"] == "The request body is over 1024 bytes; the limit is 1024."


def test_a_body_at_the_limit_reaches_the_app():
    client = Client([b"x" * 512, b"x" * 512])
    client.run(reading_app)
    assert client.status == 200 and client.body == {"size": 1024}


def test_a_response_already_started_is_not_followed_by_a_413():
    async def early_answer(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while (await receive())["type"] != "http.disconnect":
            pass
        await send({"type": "http.response.body", "body": b"late"})

    client = Client([b"x" * 600] * 5)
    client.run(early_answer)
    assert [m.get("status") for m in client.sent] == [200]


def test_websockets_pass_untouched():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(RequestBodyLimit(app)({"type": "websocket", "headers": []}, None, None))
    assert seen == ["websocket"]
