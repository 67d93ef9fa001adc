"""Readiness (GET /readyz) in-process: what it checks in each mode, the 503 naming what
failed and why (never a password), the tick's heartbeat, the bound on a check that hangs.
The database gone and the production processes are tests/integration/test_readiness_live.py."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models.functions import Now
from django.test import Client

from health import heartbeat
from health.checks import Check
from health.masking import mask, one_line
from health.models import Heartbeat
from health.probe import run_checks
from tests.integration.server import free_port


def _ready(path: str = "/readyz"):
    response = Client().get(path)
    return response.status_code, response.json()


@pytest.fixture(autouse=True)
def _patient_checks(settings):
    """The timeout is a bound, not what is tested here (but in the test of a hung check):
    on a loaded machine a fresh connection can take seconds."""
    settings.STEPWISE_HEALTH_TIMEOUT_S = 30


@pytest.fixture(autouse=True)
def _no_tick_thread_of_another_test():
    """A test that imported config.asgi left the embedded tick thread running in this
    process: these tests say themselves which tick runs."""
    with heartbeat._local_lock:
        saved = dict(heartbeat._local)
        heartbeat._local.clear()
    yield
    with heartbeat._local_lock:
        heartbeat._local.clear()
        heartbeat._local.update(saved)


@pytest.fixture
def celery_mode_settings(settings):
    """Celery mode as the web process sees it, on the in-memory transport (nothing to reach)."""
    settings.STEPWISE_EXECUTOR = "celery"
    settings.CELERY_BROKER_URL = "memory://"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return settings


def test_embedded_mode_checks_the_database_and_the_layer_without_signing_in(transactional_db, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    status, body = _ready()
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": {"ok": True}, "channel_layer": {"ok": True, "backend": "in-memory"}}}
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_readiness_is_get_only_and_never_cached(transactional_db):
    assert Client().post("/readyz").status_code == 405
    assert "no-store" in Client().get("/readyz")["Cache-Control"]


def test_production_mode_wants_a_tick_that_beat_lately(transactional_db, celery_mode_settings):
    status, body = _ready()
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["tick"] == {"ok": False, "error": "no tick has beaten yet: start `manage.py engine_tick`"}
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"] and body["checks"]["channel_layer"]["ok"]

    call_command("engine_tick", "--once", "--interval", "60")  # a beat, allowed 3 x 60 s
    status, body = _ready()
    assert status == 200, body
    assert body["checks"]["tick"]["ok"] is True and 0 <= body["checks"]["tick"]["age_s"] < 180

    # The same beat an hour old, by the database's clock.
    Heartbeat.objects.filter(name="tick").update(beaten_at=Now() - timedelta(hours=1))
    status, body = _ready()
    assert status == 503
    tick = body["checks"]["tick"]
    assert tick["ok"] is False and tick["error"].startswith("the tick last beat 360") and "more than 3 intervals of 60 s" in tick["error"]
    assert [name for name, check in body["checks"].items() if not check["ok"]] == ["tick"]


def test_the_number_of_intervals_is_a_setting(transactional_db, celery_mode_settings):
    call_command("engine_tick", "--once", "--interval", "1")
    Heartbeat.objects.filter(name="tick").update(beaten_at=Now() - timedelta(seconds=100))
    assert _ready()[0] == 503
    celery_mode_settings.STEPWISE_HEALTH_TICK_INTERVALS = 1000
    assert _ready()[0] == 200


def test_an_unreachable_broker_and_layer_are_named_without_their_passwords(transactional_db, celery_mode_settings):
    call_command("engine_tick", "--once", "--interval", "60")
    closed = free_port()
    celery_mode_settings.CELERY_BROKER_URL = f"redis://:broker-pass-7781@127.0.0.1:{closed}/0"
    celery_mode_settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": f"redis://:layer-pass-9932@127.0.0.1:{closed}/1"}]},
        }
    }
    response = Client().get("/readyz")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": True} and checks["tick"]["ok"] is True
    for name in ("broker", "channel_layer"):
        assert checks[name]["ok"] is False
        assert f"127.0.0.1:{closed}" in checks[name]["error"] and "Connection refused" in checks[name]["error"], checks[name]
    assert "pass-77" not in response.text and "pass-99" not in response.text and "Traceback" not in response.text


def test_the_embedded_tick_thread_is_checked_while_it_runs(transactional_db, settings):
    from tests.engine.conftest import embedded_mode

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.STEPWISE_HEALTH_TICK_INTERVALS = 60  # a busy machine may hold the thread back for seconds
    with embedded_mode(1.0):
        status, body = _ready()
        assert status == 200 and body["checks"]["tick"]["ok"] is True, body
        # A thread that stopped beating ten intervals ago.
        settings.STEPWISE_HEALTH_TICK_INTERVALS = 3
        with heartbeat._local_lock:
            heartbeat._local["tick"] = (1.0, time.monotonic() - 10)
        status, body = _ready()
        assert status == 503 and body["checks"]["tick"]["error"].startswith("the tick last beat 10.")
    assert "tick" not in _ready()[1]["checks"], "a stopped dispatcher's tick is no longer expected"


def test_the_in_process_tick_beats_after_each_pass(transactional_db):
    from engine.dispatch.inprocess import InProcessDispatcher

    passes = threading.Semaphore(0)
    dispatcher = InProcessDispatcher(workers=1, tick=passes.release)
    dispatcher.start_ticker(interval_s=0.01)
    try:
        started = heartbeat._local["tick"]
        assert started[0] == 0.01
        for _ in range(3):  # the first two passes have beaten once the third has begun
            assert passes.acquire(timeout=30)
        assert heartbeat._local["tick"][1] > started[1]
    finally:
        dispatcher.stop()
    assert heartbeat.local_age("tick") is None


def test_engine_tick_beats_one_row_whichever_copy_beats(transactional_db):
    call_command("engine_tick", "--once", "--interval", "2")
    call_command("engine_tick", "--once", "--interval", "5")
    [row] = Heartbeat.objects.all()
    assert row.name == "tick" and row.interval_s == 5 and row.process.endswith(f":{os.getpid()}")
    beat = heartbeat.durable_age("tick")
    assert beat is not None and beat.age_s >= 0


def test_a_check_that_hangs_fails_within_the_timeout_and_is_not_started_twice():
    release = threading.Event()
    calls = []

    def hangs(timeout_s: float) -> Check:
        calls.append(timeout_s)
        release.wait(60)
        return Check(True)

    try:
        first = run_checks({"slow": hangs, "fine": lambda t: Check(True)}, timeout_s=0.2)
        assert first["slow"] == Check(False, "no answer within 0.2 s") and first["fine"].ok
        second = run_checks({"slow": hangs}, timeout_s=0.2)
        assert second["slow"] == Check(False, "the previous check has not returned yet")
        assert len(calls) == 1
    finally:
        release.set()


def test_a_check_that_raises_is_one_masked_line():
    def raises(timeout_s: float) -> Check:
        raise RuntimeError("could not reach\npostgres://stepwise:db-pass-1234@db.internal:5432/stepwise")

    [result] = run_checks({"x": raises}, timeout_s=5).values()
    assert result == Check(False, "RuntimeError: could not reach postgres://stepwise:***@db.internal:5432/stepwise")


def test_masking_takes_passwords_out_of_urls_and_the_settings(settings, monkeypatch):
    monkeypatch.setitem(settings.DATABASES["default"], "PASSWORD", "s3cr3t-db")
    settings.CELERY_BROKER_URL = "amqp://rabbit:r%40bbit-pw@mq:5672//"
    assert mask('password authentication failed for user "x" (s3cr3t-db)') == 'password authentication failed for user "x" (***)'
    assert mask("amqp://rabbit:r%40bbit-pw@mq:5672// and r@bbit-pw") == "amqp://rabbit:***@mq:5672// and ***"
    assert mask("redis://:pw@h:1/0") == "redis://:***@h:1/0"
    assert len(one_line("x" * 1000)) == 300


def test_readiness_answers_over_plain_http_with_the_redirect_on(transactional_db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert Client().get("/login/").status_code == 301
    assert Client().get("/readyz").status_code == 200 and Client().get("/healthz").status_code == 200
