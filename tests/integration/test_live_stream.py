"""Live status with real parts: daphne serving the websockets, Celery worker processes
running the steps and publishing through channels-redis, PostgreSQL. Clients that drop
their sockets at random, a slow consumer pushed past the channel capacity, and a second
user who must learn nothing."""

import asyncio
import random

import pytest

from engine.orchestration.runs import run_start
from engine.store.models import Run
from tests.engine.harness import wait_for
from tests.factories import edge, make_token, make_user, make_workflow, node
from tests.integration.live_client import LiveRun
from tests.integration.server import Server
from tests.redis_server import session_redis

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

GRAPH = {
    "nodes": [
        node("start", "trigger.manual"),
        node("a", "transform", {"expression": "trigger.n * 2"}),
        node("pause", "wait", {"mode": "duration", "duration_s": 0.3}),
        node("b", "noop"),
        node("c", "noop"),
        node("j", "join", {"mode": "all"}),
        node("d", "transform", {"expression": "steps.a.output + 1"}),
    ],
    "edges": [
        edge("1", "start", "a"),
        edge("2", "a", "pause"),
        edge("3", "pause", "b"),
        edge("4", "pause", "c"),
        edge("5", "b", "j"),
        edge("6", "c", "j"),
        edge("7", "j", "d"),
    ],
}


@pytest.fixture
def live_stack(transactional_db, tmp_path):
    """Celery workers and a tick process, and daphne (websockets), on the test database;
    the workers publish to the same channels-redis layer, whose capacity is small so that
    overflow can be forced."""
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher
    from tests.integration.celery_mode import CeleryMode

    # The channel layer of the workers and daphne: the session's Redis, under the mode's prefix.
    mode = CeleryMode(tmp_path, REDIS_URL=session_redis(), CHANNELS_CAPACITY="10", STEPWISE_LIVE_POLL_S="0.5")
    previous = get_dispatcher()
    server = Server(var_dir=tmp_path, env=mode.env)
    try:
        mode.start()
        set_dispatcher(CeleryDispatcher())
        yield server.start()
    finally:
        server.stop()
        set_dispatcher(previous)
        mode.stop()


def _db_state(run_id):
    run = Run.objects.get(pk=run_id)
    steps = {s.node_id: (s.status, s.attempt) for s in run.steps.all()}
    return {"seq": run.last_seq, "status": run.status, "steps": steps}


async def _follow(base_ws, run_id, token, drops, rng):
    """Follow a run, dropping the socket `drops` times at random moments, until the client
    has seen the run's last event (checked against the database after the run ended)."""
    client = LiveRun(base_ws, run_id, token)
    for _ in range(drops):
        async with client.connect() as socket:
            await client.read(socket, rng.uniform(0.01, 0.12))
        # leaving the block closes the socket mid-stream
    async with client.connect() as socket:
        while True:
            await client.read(socket, 0.2)
            done = await asyncio.to_thread(_finished_seq, run_id)
            if done is not None and client.seq >= done:
                return client


def _finished_seq(run_id):
    from django.db import close_old_connections

    close_old_connections()
    run = Run.objects.get(pk=run_id)
    return run.last_seq if run.status in ("succeeded", "failed", "cancelled", "compensated") else None


def test_fifty_runs_with_clients_dropping_their_sockets_converge(live_stack):
    user = make_user()
    token = make_token(user)
    workflow = make_workflow(user, graph=GRAPH)
    rng = random.Random(20261125)
    base_ws = live_stack.base_url.replace("http", "ws")
    runs = [run_start(workflow=workflow, user=user, payload={"n": i}) for i in range(50)]
    drops = [rng.randint(1, 10) for _ in runs]

    async def everyone():
        return await asyncio.gather(*(_follow(base_ws, r.pk, token, d, random.Random(r.pk)) for r, d in zip(runs, drops, strict=True)))

    clients = asyncio.run(asyncio.wait_for(everyone(), timeout=180))
    converged = 0
    for run, client in zip(runs, clients, strict=True):
        wait_for(run)
        assert client.connections >= 2
        if client.state() == _db_state(run.pk):
            converged += 1
    assert converged == 50, converged
    assert all(Run.objects.get(pk=r.pk).status == "succeeded" for r in runs)


def test_a_client_behind_an_overflowing_channel_still_converges(live_stack):
    """The run's group is flooded past the channel capacity (10) with stale messages while
    the run moves: channels-redis drops what does not fit, the consumer repairs from the log."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    user = make_user()
    token = make_token(user)
    workflow = make_workflow(user, graph=GRAPH)
    base_ws = live_stack.base_url.replace("http", "ws")
    run = run_start(workflow=workflow, user=user, payload={"n": 1})

    async def scenario():
        client = LiveRun(base_ws, run.pk, token)
        layer = get_channel_layer()
        async with client.connect() as socket:
            stale = {"type": "run.events", "events": [{"type": "event", "seq": 0}]}
            for _ in range(200):  # far past the capacity, while real events are being published
                await layer.group_send(f"run.{run.pk}", stale)
            while True:
                await client.read(socket, 0.2)
                done = await asyncio.to_thread(_finished_seq, run.pk)
                if done is not None and client.seq >= done:
                    return client

    from django.test import override_settings

    with override_settings(CHANNEL_LAYERS=_layer_settings(live_stack.env)):
        client = async_to_sync(scenario)()
    wait_for(run)
    assert client.state() == _db_state(run.pk)


def _layer_settings(env):
    """The layer of the stack's processes: its Redis and its mode's key prefix."""
    config = {"hosts": [env["REDIS_URL"]], "capacity": 10, "prefix": f"{env['REDIS_KEY_PREFIX']}asgi"}
    return {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": config}}


def test_a_second_user_learns_nothing_in_100_tries(live_stack):
    owner, other = make_user(), make_user()
    other_token = make_token(other)
    workflow = make_workflow(owner, graph=GRAPH)
    run = run_start(workflow=workflow, user=owner, payload={"n": 1})
    base_ws = live_stack.base_url.replace("http", "ws")

    lost_handshakes = []

    async def attempt(i):
        path = f"/ws/runs/{run.pk}/" if i % 2 == 0 else f"/ws/workflows/{workflow.pk}/"
        import websockets

        headers = {"Authorization": f"Token {other_token}"}
        for _ in range(3):
            try:
                async with websockets.connect(f"{base_ws}{path}?after=0", additional_headers=headers) as socket:
                    frames = []
                    try:
                        while True:
                            frames.append(await asyncio.wait_for(socket.recv(), 5))
                    except websockets.ConnectionClosed as closed:
                        return frames, closed.rcvd.code if closed.rcvd else None
            except websockets.InvalidMessage:
                # The connection ended before any HTTP response (once in CI, with daphne
                # logging the handshake as accepted): nothing learnt; a client reconnects.
                lost_handshakes.append(i)
        raise AssertionError(f"attempt {i}: three handshakes lost")

    async def all_tries():
        return await asyncio.gather(*(attempt(i) for i in range(100)))

    results = asyncio.run(all_tries())
    assert all(frames == [] and code == 4404 for frames, code in results), results[:3]
    assert len(lost_handshakes) <= 3, lost_handshakes
    wait_for(run)


IDLE_GRAPH = {
    "nodes": [node("start", "trigger.manual"), node("pause", "wait", {"mode": "duration", "duration_s": 20}), node("after", "noop")],
    "edges": [edge("1", "start", "pause"), edge("2", "pause", "after")],
}


def test_an_idle_stream_over_channels_redis_stays_open_through_a_20_s_wait(live_stack):
    """A run parked in a 20 s `wait`: nothing is published for 20 s, so daphne's consumer
    sits in channels-redis' blocking read (BZPOPMIN, 5 s) the whole time. redis-py's default
    socket timeout is also 5 s: the read raced the timeout, lost, and the consumer died with
    "Timeout reading from ...", closing the socket with 1011 about every 5 s. One
    connection must see the whole run, its end included, with no such line logged."""
    import json

    import websockets

    user = make_user()
    token = make_token(user)
    workflow = make_workflow(user, graph=IDLE_GRAPH)
    run = run_start(workflow=workflow, user=user, payload={})
    client = LiveRun(live_stack.base_url.replace("http", "ws"), run.pk, token)

    async def watch():
        """Frames until the run's end; the close code if the server closed first."""
        async with client.connect() as socket:
            try:
                async with asyncio.timeout(90):
                    while client.status not in ("succeeded", "failed", "cancelled"):
                        assert client.apply(json.loads(await socket.recv())), "a gap on one open connection"
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else "closed without a close frame"
        return None

    closed = asyncio.run(watch())
    log = (live_stack.var_dir / "daphne.log").read_text()
    timeouts = [line for line in log.splitlines() if "Timeout reading" in line]
    print(f"\nidle stream: close {closed}; run {client.status}; steps {client.steps}; 'Timeout reading' lines {len(timeouts)}")
    assert closed is None, f"the server closed the stream mid-wait with {closed} (run {client.status}, steps {client.steps})"
    assert client.connections == 1
    assert client.status == "succeeded"
    assert client.steps["pause"][0] == "succeeded" and client.steps["after"][0] == "succeeded"
    assert timeouts == [], timeouts[:3]
    assert wait_for(run).status == "succeeded"
