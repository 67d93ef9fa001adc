"""Stepwise's own limits and knobs."""

from __future__ import annotations

from config.env import env_int

# Graph size limits: a graph over them is refused (413) with the problem named.
STEPWISE_MAX_NODES = env_int("STEPWISE_MAX_NODES", 2000, minimum=1)
STEPWISE_MAX_EDGES = env_int("STEPWISE_MAX_EDGES", 5000, minimum=1)
# Largest request body accepted by the API, in bytes (413 past it).
STEPWISE_MAX_BODY_BYTES = env_int("STEPWISE_MAX_BODY_BYTES", 5 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = STEPWISE_MAX_BODY_BYTES
# Longest JSONata expression accepted inside {{ }}.
STEPWISE_MAX_EXPRESSION_CHARS = env_int("STEPWISE_MAX_EXPRESSION_CHARS", 10_000, minimum=10)
