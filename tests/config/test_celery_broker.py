"""config/celery.py: a Redis channel whose broker connection Celery has collected fails
with the transport's connection error, which kombu and Celery handle (the worker
reconnects), not with the AttributeError that stopped the worker ("Unrecoverable error")
when the broker went away with a step in flight. The whole scenario runs in
tests/integration/test_broker_restart.py."""

from types import SimpleNamespace

import pytest
import redis
from kombu.transport import redis as transport

import config.celery  # applies the patch, as a worker's `-A config` does


def _channel(client):  # type: ignore[no-untyped-def]
    channel = transport.Channel.__new__(transport.Channel)  # no broker needed: only _connparams is called
    channel.connection = SimpleNamespace(client=client, default_port=6379)
    for name, value in {
        "max_connections": 10,
        "socket_timeout": None,
        "socket_connect_timeout": None,
        "socket_keepalive": None,
        "socket_keepalive_options": None,
        "health_check_interval": 25,
        "retry_on_timeout": None,
        "client_name": None,
        "connection_class": redis.Connection,
        "connection_class_ssl": redis.SSLConnection,
    }.items():
        setattr(channel, name, value)
    return channel


def test_a_collected_channel_fails_as_a_connection_error_that_kombu_handles():
    with pytest.raises(redis.exceptions.ConnectionError):
        _channel(None)._connparams()
    assert redis.exceptions.ConnectionError in transport.Transport.connection_errors


def test_a_live_channel_gets_its_parameters_as_before():
    from kombu import Connection

    params = _channel(Connection("redis://127.0.0.1:6399/4"))._connparams()
    assert (params["host"], params["port"], params["db"]) == ("127.0.0.1", 6399, 4)


def test_the_patch_wraps_once():
    patched = transport.Channel._connparams
    config.celery._redis_channel_without_client_fails_as_a_connection_error()
    assert transport.Channel._connparams is patched
