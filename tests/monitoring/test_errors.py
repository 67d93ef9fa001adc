"""Broker and database errors the engine catches are counted where it catches them."""

from __future__ import annotations

import pytest
from django.db import OperationalError as DatabaseError
from kombu.exceptions import OperationalError as BrokerError

from engine.orchestration import chains
from monitoring.exposition import render
from tests.monitoring.scrape import delta, parse


def _scrape():
    return parse(render().decode())


def test_a_broker_that_cannot_be_reached_is_counted_and_raised():
    from config.celery import app
    from engine.dispatch.celery import CeleryDispatcher
    from tests.integration.celery_mode import use_broker

    previous, retry = app.conf.broker_url, app.conf.task_publish_retry
    options = app.conf.broker_transport_options
    app.conf.task_publish_retry = False
    use_broker("redis://127.0.0.1:1/0", "stepwise-test-unreachable:")  # nothing listens there
    before = _scrape()
    try:
        with pytest.raises((BrokerError, OSError)):
            CeleryDispatcher().send([1, 2])
    finally:
        app.conf.task_publish_retry = retry
        use_broker(previous, "")
        app.conf.broker_transport_options = options
    assert delta(_scrape(), before, "stepwise_broker_errors_total", operation="send") == 1


def test_a_lost_database_connection_is_counted_once_and_the_step_retried(monkeypatch):
    calls = []

    def flaky(step_id, *, worker, pure=False):
        calls.append(step_id)
        if len(calls) == 1:
            raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(chains, "run_chain", flaky)
    monkeypatch.setattr(chains.connections, "close_all", lambda: None)
    before = _scrape()
    chains.run_chain_retrying(7, worker="w")
    assert calls == [7, 7]
    assert delta(_scrape(), before, "stepwise_database_errors_total", where="step") == 1
