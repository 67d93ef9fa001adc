"""The size limits a graph is validated against (settings STEPWISE_MAX_*: designer.services)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_nodes: int = 2000
    max_edges: int = 5000
    max_expression_chars: int = 10_000
    max_pinned_bytes: int = 1_048_576
