"""Readiness (GET /readyz, health/): how long a check may take, how many of the tick's
intervals may pass without a heartbeat."""

from __future__ import annotations

from config.env import env_float, env_int

# Each check (database, broker, channel layer, tick) answers within this, or fails.
STEPWISE_HEALTH_TIMEOUT_S = env_float("STEPWISE_HEALTH_TIMEOUT_S", 2.0, minimum=0.1)
# The tick is unhealthy when it has not beaten for this many of its intervals.
STEPWISE_HEALTH_TICK_INTERVALS = env_int("STEPWISE_HEALTH_TICK_INTERVALS", 3, minimum=1)
