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
