"""Channels: in-memory layer by default, channels-redis when REDIS_URL is set."""

from __future__ import annotations

from config.env import env_float, env_int, env_str, env_url

REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))
# Put before every key Stepwise writes in Redis (the channel layer's and, on a Redis broker,
# Celery's): two deployments, or two test sessions, can then share one Redis database
# without reading each other's messages.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "") or ""

# channels-redis' receive blocks in BZPOPMIN for this long (RedisChannelLayer.brpop_timeout,
# checked by tests/config) on a connection from its own redis-py pool. redis-py's default
# socket timeout is also 5 s: on an idle stream (a run in a wait or an approval) the read
# raced the timeout, lost about every 5 s, raised "Timeout reading from ..." in the consumer
# and daphne closed the websocket with 1011. The socket timeout must stay well above the
# blocking read; it still bounds a read from a Redis that stopped answering.
CHANNELS_BLOCKING_READ_S = 5
CHANNELS_SOCKET_TIMEOUT_S = env_float("CHANNELS_SOCKET_TIMEOUT_S", 15.0, minimum=CHANNELS_BLOCKING_READ_S + 2)

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # A dict host: "address" goes to redis-py's ConnectionPool.from_url, the rest as its options.
                "hosts": [{"address": REDIS_URL, "socket_timeout": CHANNELS_SOCKET_TIMEOUT_S, "socket_connect_timeout": 5.0}],
                "capacity": env_int("CHANNELS_CAPACITY", 1000, minimum=10),
                "expiry": env_int("CHANNELS_EXPIRY_S", 60, minimum=1),
                "prefix": f"{REDIS_KEY_PREFIX}asgi",  # "asgi" is channels-redis' own default
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
