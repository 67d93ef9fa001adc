"""The tests leave other people's Redis alone (tests/redis_server.py): no FLUSHDB or
FLUSHALL on a server this session did not start, and a Celery mode on a shared server
writes only keys under its own prefix, deletes them when it stops, and leaves every other
key of every database where it was."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import redis

from engine.store.models import RunEvent
from tests import redis_server
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, make_workflow, node


def test_a_flush_of_a_server_this_session_did_not_start_is_refused():
    # No server listens there: the guard refuses before any byte is sent.
    foreign = redis.Redis(host="127.0.0.1", port=redis_server.free_port(), socket_connect_timeout=0.2)
    for flush in (foreign.flushdb, foreign.flushall):
        with pytest.raises(redis_server.FlushRefused, match="did not start"):
            flush()
    with pytest.raises(redis_server.FlushRefused):
        foreign.execute_command("flushdb")  # spelt in lower case, as redis-py passes it through


def test_an_empty_prefix_deletes_nothing():
    with pytest.raises(ValueError, match="empty prefix"):
        redis_server.delete_prefixed("redis://127.0.0.1:1/0", "")


@pytest.fixture
def shared_redis(tmp_path):
    """A redis-server standing for a shared one: started here, but not registered as this
    session's, so that the guard treats it as someone else's."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server binary")
    port = redis_server.free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                import time

                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


SEEDED = {
    0: {"someone:a": "1", "asgi:group:run.1": "x", "stepwise.steps": "theirs"},
    11: {"b": "2"},
    13: {"_kombu.binding.stepwise.steps": "c"},
}


def _seed(url):
    for db, keys in SEEDED.items():
        client = redis_server.client_for(url, db)
        for key, value in keys.items():
            client.set(key, value)


def _contents(url):
    found = {}
    for db in range(16):
        client = redis_server.client_for(url, db, decode_responses=True)
        keys = {key: client.get(key) if client.type(key) == "string" else client.type(key) for key in client.scan_iter()}
        if keys:
            found[db] = keys
    return found


@pytest.mark.integration
def test_a_celery_mode_on_a_shared_redis_keeps_to_its_own_keys(transactional_db, tmp_path, shared_redis):
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher
    from engine.orchestration.runs import run_start
    from tests.integration.celery_mode import CeleryMode

    _seed(shared_redis)
    assert not redis_server.owned(redis.Redis.from_url(shared_redis))
    mode = CeleryMode(tmp_path, workers=1, broker=shared_redis, REDIS_URL=shared_redis)
    previous = get_dispatcher()
    user = make_user()
    graph = {
        "nodes": [node("start", "trigger.manual"), node("double", "transform", {"expression": "trigger.n * 2"})],
        "edges": [edge("1", "start", "double")],
    }
    try:
        mode.start(tick=False)
        set_dispatcher(CeleryDispatcher())
        run = wait_for(run_start(workflow=make_workflow(user, graph=graph), user=user, payload={"n": 21}), timeout=30)
        assert run.status == "succeeded" and run.steps.get(node_id="double").output == 42
        assert RunEvent.objects.filter(run=run, kind="step", status="running").exists()
        during = _contents(shared_redis)
        ours = [key for keys in during.values() for key in keys if key.startswith(mode.prefix)]
        assert any("stepwise.steps" in key for key in ours), during  # the queue really was on this server
        assert {db: {k: v for k, v in keys.items() if not k.startswith(mode.prefix)} for db, keys in during.items()} == SEEDED
    finally:
        set_dispatcher(previous)
        mode.stop()
    assert _contents(shared_redis) == SEEDED  # every other key where it was, ours gone
