"""Channels: in-memory layer by default, channels-redis when REDIS_URL is set."""

from __future__ import annotations

from config.env import env_int, env_url

REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "capacity": env_int("CHANNELS_CAPACITY", 1000, minimum=10),
                "expiry": env_int("CHANNELS_EXPIRY_S", 60, minimum=1),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
