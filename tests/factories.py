"""Builders for users, graphs and workflows used across the suite."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from designer import services

FIXTURES = Path(__file__).parent / "fixtures" / "graphs"
GOLDEN = Path(__file__).parent / "fixtures" / "workflows"
_counter = itertools.count(1)


def make_user(username: str | None = None, password: str = "correct-horse-battery-9"):
    username = username or f"user{next(_counter)}"
    return get_user_model().objects.create_user(username=username, password=password)


def make_token(user, name: str = "tests") -> str:
    """A new API token of the user's; its key (only its hash is stored)."""
    from accounts.tokens import token_create

    return token_create(owner=user, name=name).key


def node(node_id: str, node_type: str, config: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "name": node_id.title(), "position": {"x": 0, "y": 0}, "config": config or {}, **extra}


def edge(edge_id: str, source: str, target: str, source_port: str = "out") -> dict[str, Any]:
    return {"id": edge_id, "source": source, "source_port": source_port, "target": target, "target_port": "in"}


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def valid_graph() -> dict[str, Any]:
    """A small graph with a trigger, an HTTP call, a condition and both branches."""
    return copy.deepcopy(load_fixture("http_condition"))


def make_workflow(owner, name: str = "Flow", graph: dict[str, Any] | None = None):
    workflow, _ = services.workflow_create(owner=owner, name=name, graph=valid_graph() if graph is None else graph)
    return workflow
