"""The configured channel layer works: channels-redis when REDIS_URL is set (CI), the
in-memory layer in the embedded default."""

import os

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings


def test_channel_layer_matches_the_environment_and_round_trips():
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert backend == "channels_redis.core.RedisChannelLayer"
    else:
        assert backend == "channels.layers.InMemoryChannelLayer"
    layer = get_channel_layer()

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add("stepwise-test", channel)
        await layer.group_send("stepwise-test", {"type": "ping", "n": 7})
        message = await layer.receive(channel)
        await layer.group_discard("stepwise-test", channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "ping", "n": 7}


def _realtime_settings(monkeypatch, **env):  # the URLs given are parsed, never connected to
    """config/settings/realtime.py's names as read with `env` (the module is read again
    after, with the real environment)."""
    import importlib
    from types import SimpleNamespace

    import config.settings.realtime as realtime

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        return SimpleNamespace(**vars(importlib.reload(realtime)))
    finally:
        monkeypatch.undo()
        importlib.reload(realtime)


def test_channels_redis_sockets_outwait_its_blocking_read(monkeypatch):
    """The layer's redis-py connections time out well after channels-redis' BZPOPMIN
    returns: with redis-py's default (5 s, the same as the blocking read) an idle stream's
    consumer died with "Timeout reading from ..." about every 5 s (daphne: close 1011)."""
    from channels_redis.core import RedisChannelLayer

    realtime = _realtime_settings(monkeypatch, REDIS_URL="redis://127.0.0.1:1/3")
    assert RedisChannelLayer.brpop_timeout == realtime.CHANNELS_BLOCKING_READ_S  # an upgrade that changes it shows here
    config = realtime.CHANNEL_LAYERS["default"]["CONFIG"]
    layer = RedisChannelLayer(**config)
    pool = layer.create_pool(0)
    assert pool.connection_kwargs["db"] == 3
    assert pool.connection_kwargs["socket_timeout"] == 15.0
    assert pool.connection_kwargs["socket_timeout"] >= 2 * RedisChannelLayer.brpop_timeout
    assert pool.connection_kwargs["socket_connect_timeout"] == 5.0


def test_the_socket_timeout_is_configurable_but_not_below_the_blocking_read(monkeypatch):
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    realtime = _realtime_settings(monkeypatch, REDIS_URL="redis://127.0.0.1:1/0", CHANNELS_SOCKET_TIMEOUT_S="30")
    assert realtime.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["socket_timeout"] == 30.0
    with pytest.raises(ImproperlyConfigured, match="CHANNELS_SOCKET_TIMEOUT_S"):
        _realtime_settings(monkeypatch, REDIS_URL="redis://127.0.0.1:1/0", CHANNELS_SOCKET_TIMEOUT_S="5")
