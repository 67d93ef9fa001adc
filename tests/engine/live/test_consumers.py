"""The live-status consumers with Channels' WebsocketCommunicator on the embedded engine:
who may connect, replay from a seq, live events without gaps or duplicates, resume, the
snapshot past a long gap, and the workflow stream."""

import asyncio
import itertools

from channels.testing import WebsocketCommunicator

from engine.live import messages as m
from engine.orchestration.runs import run_start
from engine.store.models import Run, RunEvent
from tests.engine.harness import wait_for
from tests.engine.live.conftest import queued_bytes, session_headers
from tests.factories import edge, make_token, make_user, make_workflow, node

CHAIN = {
    "nodes": [node("start", "trigger.manual"), node("a", "noop"), node("b", "noop"), node("c", "noop")],
    "edges": [edge("1", "start", "a"), edge("2", "a", "b"), edge("3", "b", "c")],
}
SLOW = {
    "nodes": [
        node("start", "trigger.manual"),
        node("pause", "wait", {"mode": "duration", "duration_s": 0.4}),
        node("a", "noop"),
        node("b", "noop"),
    ],
    "edges": [edge("1", "start", "pause"), edge("2", "pause", "a"), edge("3", "a", "b")],
}


async def _connect(app, path, headers):
    communicator = WebsocketCommunicator(app, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def _frames_until_done(communicator, run_id, timeout=10):
    """Frames until the run's terminal event (by seq against the database)."""
    frames = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        # receive_nothing, not a receive timeout: asgiref cancels the consumer on a timeout.
        if not await communicator.receive_nothing(timeout=0.2, interval=0.01):
            frames.append(await communicator.receive_json_from())
        done = await _run_done(run_id)
        if done is not None and frames and frames[-1].get("seq") == done:
            return frames
    raise AssertionError(f"stream of run {run_id} never caught up: {frames[-3:]}")


async def _run_done(run_id):
    from channels.db import database_sync_to_async

    @database_sync_to_async
    def read():
        run = Run.objects.get(pk=run_id)
        return run.last_seq if run.status in ("succeeded", "failed", "cancelled", "compensated") else None

    return await read()


def _db_events(run):
    return list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", "kind", "node_id", "status"))


def test_anonymous_clients_are_closed_with_4401(embedded, ws_app, run_async):
    user = make_user()
    run = wait_for(run_start(workflow=make_workflow(user, graph=CHAIN), user=user))

    async def scenario():
        anonymous = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        communicator, connected, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/", anonymous)
        assert connected
        closed = await communicator.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": m.CLOSE_UNAUTHENTICATED}

    run_async(scenario())


def test_another_users_run_is_indistinguishable_from_a_missing_one(embedded, ws_app, run_async):
    owner, other = make_user(), make_user()
    run = wait_for(run_start(workflow=make_workflow(owner, graph=CHAIN), user=owner))
    workflow_id = run.workflow_id

    headers = session_headers(other)

    async def scenario():
        answers = []
        for path in (f"/ws/runs/{run.pk}/", f"/ws/runs/{run.pk + 1000}/", f"/ws/workflows/{workflow_id}/", "/ws/workflows/999999/"):
            communicator, _, _ = await _connect(ws_app, path, headers)
            answers.append(await communicator.receive_output(timeout=2))
        assert all(a == {"type": "websocket.close", "code": m.CLOSE_NOT_FOUND} for a in answers), answers

    run_async(scenario())


def test_a_foreign_origin_is_refused(embedded, ws_app, run_async):
    user = make_user()
    run = wait_for(run_start(workflow=make_workflow(user, graph=CHAIN), user=user))

    headers = session_headers(user, origin="http://evil.example")

    async def scenario():
        _, connected, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/", headers)
        assert not connected

    run_async(scenario())


def test_only_the_exact_origin_is_allowed(embedded, ws_app, run_async, settings):
    """Scheme, host and port, as Django's CSRF checks them: another port of the same host is
    another origin (browsers send its session cookie all the same)."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver", "app.example"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://console.example", "https://*.trusted.example"]
    user = make_user()
    key = make_token(user)
    run = wait_for(run_start(workflow=make_workflow(user, graph=CHAIN), user=user))

    def headers(origin, host="127.0.0.1:8000", token=False, extra=()):
        if token:
            base = [(b"authorization", f"Token {key}".encode()), (b"origin", origin.encode())]
        else:
            return [*session_headers(user, origin=origin, host=host), *extra]
        return [*base, (b"host", host.encode()), *extra]

    cases = [
        (headers("http://127.0.0.1:8000"), True),  # the app's own origin
        (headers("http://127.0.0.1:5173"), False),  # another port of the same host
        (headers("http://127.0.0.1"), False),  # no port is port 80: another origin
        (headers("https://127.0.0.1:8000"), False),  # another scheme
        (headers("http://127.0.0.1:5173", token=True), False),  # a page sending a token, same rule
        (headers("http://127.0.0.1:8000", token=True), True),
        (headers("null"), False),
        (headers("http://evil.example:8000", host="evil.example:8000"), False),  # not an allowed host
        (headers("https://console.example"), True),  # CSRF_TRUSTED_ORIGINS, exactly
        (headers("https://console.example:444"), False),
        (headers("http://console.example"), False),
        (headers("https://a.trusted.example"), True),  # and its subdomain pattern
        (headers("https://app.example", host="app.example", extra=[(b"x-forwarded-proto", b"https")]), False),
    ]

    async def scenario():
        results = []
        for hdrs, _ in cases:
            communicator, connected, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/", hdrs)
            results.append(connected)
            await communicator.disconnect()
        return results

    assert run_async(scenario()) == [allowed for _, allowed in cases]

    # Behind a TLS proxy, with Django's setting for it, https is the app's own scheme.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    behind = headers("https://app.example", host="app.example", extra=[(b"x-forwarded-proto", b"https")])

    async def proxied():
        communicator, connected, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/", behind)
        await communicator.disconnect()
        return connected

    assert run_async(proxied())


def test_replay_from_zero_then_live_without_gaps_or_duplicates(embedded, ws_app, run_async):
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=SLOW), user=user)

    headers = session_headers(user)

    async def scenario():
        communicator, connected, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/?after=0", headers)
        assert connected
        frames = await _frames_until_done(communicator, run.pk)
        await communicator.disconnect()
        return frames

    frames = run_async(scenario())
    assert all(f["type"] == m.EVENT and set(f) == set(m.SERVER_FIELDS[m.EVENT]) for f in frames)
    assert [(f["seq"], f["kind"], f["node_id"], f["status"]) for f in frames] == _db_events(run)


def test_resume_after_a_seq_sends_only_what_followed(embedded, ws_app, run_async):
    user = make_user()
    run = wait_for(run_start(workflow=make_workflow(user, graph=CHAIN), user=user))

    headers = session_headers(user)

    async def scenario():
        communicator, _, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/?after=5", headers)
        frames = await _frames_until_done(communicator, run.pk)
        # The client noticed a gap: it asks again from 3 and gets 4.. once more, in order.
        await communicator.send_json_to({"type": m.RESUME, "after": 3})
        again = await _frames_until_done(communicator, run.pk)
        await communicator.send_json_to({"type": "resume", "after": -1})
        error = await communicator.receive_json_from(timeout=2)
        await communicator.disconnect()
        return frames, again, error

    frames, again, error = run_async(scenario())
    last = run.last_seq
    assert [f["seq"] for f in frames] == list(range(6, last + 1))
    assert [f["seq"] for f in again] == list(range(4, last + 1))
    assert error["type"] == m.ERROR and "resume" in error["detail"]


LONG = {
    "nodes": [node("start", "trigger.manual"), *(node(f"n{i}", "noop") for i in range(30))],
    "edges": [edge(f"e{i}", "start" if i == 0 else f"n{i - 1}", f"n{i}") for i in range(30)],
}


def test_a_client_that_never_reads_is_held_to_a_bound_then_closed(embedded, ws_app, run_async, settings):
    """A client keeps sending `resume` and reads nothing: the consumer writes no more than the
    bound for it, then closes it as too slow. (Before, each resume queued the whole run again,
    without end.)"""
    settings.STEPWISE_LIVE_PENDING_BYTES = 16_384
    settings.STEPWISE_LIVE_SLOW_CLOSE_S = 1.0
    user = make_user()
    run = wait_for(run_start(workflow=make_workflow(user, graph=LONG), user=user))
    headers = session_headers(user)

    async def scenario():
        communicator, connected, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/?after={run.last_seq}", headers)
        assert connected
        queue = communicator.output_queue
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while loop.time() < deadline and queued_bytes(queue) < 50 * settings.STEPWISE_LIVE_PENDING_BYTES:
            if any(message["type"] == "websocket.close" for message in list(queue._queue)):
                break
            for _ in range(10):
                await communicator.send_json_to({"type": m.RESUME, "after": 0})
            await asyncio.sleep(0.05)
        held = queued_bytes(queue)
        messages = [await communicator.receive_output(timeout=1) for _ in range(queue.qsize())]
        return held, messages

    held, messages = run_async(scenario())
    biggest = max(len(message.get("text") or "") for message in messages)
    assert held <= settings.STEPWISE_LIVE_PENDING_BYTES + biggest, held
    assert messages[-1]["type"] == "websocket.close" and messages[-1]["code"] == m.CLOSE_TOO_SLOW, messages[-1]


def test_repeated_resumes_are_coalesced(embedded, ws_app, run_async):
    """A hundred resumes in a row are one or a few replays, and the client that reads gets
    everything after the least of them."""
    user = make_user()
    run = wait_for(run_start(workflow=make_workflow(user, graph=LONG), user=user))
    headers = session_headers(user)

    async def scenario():
        communicator, _, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/?after={run.last_seq}", headers)
        for i in range(100):
            await communicator.send_json_to({"type": m.RESUME, "after": 10 + (99 - i) // 2})  # 59 down to 10
        frames = []
        while not frames or frames[-1]["seq"] != run.last_seq or not await communicator.receive_nothing(timeout=0.5):
            frames.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return [f["seq"] for f in frames]

    seqs = run_async(scenario())
    replays = 1 + sum(1 for before, after in itertools.pairwise(seqs) if after <= before)
    assert replays <= 10, replays
    assert seqs[-(run.last_seq - 10) :] == list(range(11, run.last_seq + 1))


def test_a_long_gap_gets_a_snapshot(embedded, ws_app, run_async, settings):
    settings.STEPWISE_LIVE_SNAPSHOT_AFTER = 3
    user = make_user()
    run = wait_for(run_start(workflow=make_workflow(user, graph=CHAIN), user=user))

    headers = session_headers(user)

    async def scenario():
        communicator, _, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/?after=1", headers)
        frame = await communicator.receive_json_from(timeout=2)
        await communicator.disconnect()
        return frame

    frame = run_async(scenario())
    assert frame["type"] == m.SNAPSHOT and frame["seq"] == run.last_seq
    assert frame["run"]["status"] == "succeeded" and {s["node_id"] for s in frame["run"]["steps"]} == {"start", "a", "b", "c"}


def test_a_dropped_layer_message_is_repaired_from_the_log(embedded, ws_app, run_async, monkeypatch, settings):
    """The channel layer loses every message: the consumer's poll still delivers it all."""
    settings.STEPWISE_LIVE_POLL_S = 0.1
    from engine.live import publish

    monkeypatch.setattr(publish.Publisher, "__call__", lambda self, events: None)
    user = make_user()
    run = run_start(workflow=make_workflow(user, graph=SLOW), user=user)

    headers = session_headers(user)

    async def scenario():
        communicator, _, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/", headers)
        frames = await _frames_until_done(communicator, run.pk)
        await communicator.disconnect()
        return frames

    frames = run_async(scenario())
    assert [(f["seq"], f["kind"], f["node_id"], f["status"]) for f in frames] == _db_events(run)


def test_an_api_client_connects_with_a_token_and_no_origin(embedded, ws_app, run_async):
    user = make_user()
    key = make_token(user)
    run = wait_for(run_start(workflow=make_workflow(user, graph=CHAIN), user=user))

    async def scenario():
        communicator, connected, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/", [(b"authorization", f"Token {key}".encode())])
        assert connected
        frames = await _frames_until_done(communicator, run.pk)
        # A wrong token without an Origin is refused at the handshake, like any non-browser without one.
        _, bad_connected, _ = await _connect(ws_app, f"/ws/runs/{run.pk}/", [(b"authorization", b"Token wrong")])
        return frames, bad_connected

    frames, bad_connected = run_async(scenario())
    assert [f["seq"] for f in frames] == list(range(1, run.last_seq + 1))
    assert not bad_connected


def test_the_workflow_stream_lists_recent_runs_then_relays_every_run(embedded, ws_app, run_async):
    user = make_user()
    workflow = make_workflow(user, graph=SLOW)
    earlier = wait_for(run_start(workflow=workflow, user=user))

    headers = session_headers(user)

    async def scenario():
        communicator, _, _ = await _connect(ws_app, f"/ws/workflows/{workflow.pk}/", headers)
        first = await communicator.receive_json_from(timeout=2)
        from channels.db import database_sync_to_async

        new = await database_sync_to_async(lambda: run_start(workflow=workflow, user=user))()
        frames = []
        while not frames or frames[-1]["kind"] != "run" or frames[-1]["status"] != "succeeded":
            frames.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return first, new, frames

    first, new, frames = run_async(scenario())
    assert first["type"] == m.RUNS and [r["id"] for r in first["runs"]] == [earlier.pk]
    assert {f["run_id"] for f in frames} == {new.pk} and frames[0]["status"] == "queued"


def test_wrong_tokens_from_one_address_lock_it_out_of_the_stream_too(embedded, ws_app, run_async, settings):
    """The handshake's token is checked as the REST API checks it (accounts/tokens.py): a run
    of wrong keys from one address locks it, the right key included, while others connect."""
    settings.STEPWISE_SIGNIN_MAX_FAILURES_PER_ADDRESS = 3
    user = make_user()
    key = make_token(user)
    run = wait_for(run_start(workflow=make_workflow(user, graph=CHAIN), user=user))

    async def attempt(token, address):
        communicator = WebsocketCommunicator(ws_app, f"/ws/runs/{run.pk}/", headers=[(b"authorization", f"Token {token}".encode())])
        communicator.scope["client"] = (address, 40000)
        connected, _ = await communicator.connect(timeout=5)
        if connected:
            await communicator.disconnect()
        return connected

    async def scenario():
        before = await attempt(key, "10.4.4.4")
        guesses = [await attempt(f"guess-{n}", "10.4.4.4") for n in range(3)]
        return before, guesses, await attempt(key, "10.4.4.4"), await attempt(key, "10.4.4.5")

    before, guesses, locked, elsewhere = run_async(scenario())
    assert before and not any(guesses)
    assert not locked and elsewhere
