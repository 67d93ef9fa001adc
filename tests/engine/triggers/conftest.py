"""Builders for trigger tests: an owned workflow with a webhook or schedule trigger, activated,
and a signer that is the Standard Webhooks reference library (not our code)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from designer import services
from engine.triggers.activation import workflow_activate
from engine.triggers.models import WebhookEndpoint
from tests.factories import edge, make_user, node


def hook_graph(config=None, *, extra_nodes=(), extra_edges=()):
    nodes = [
        node("hook", "trigger.webhook", {"methods": ["POST"], **(config or {})}),
        node("shape", "transform", {"expression": "{'order': trigger.body.order, 'doubled': trigger.body.qty * 2}"}),
        *extra_nodes,
    ]
    return {"nodes": nodes, "edges": [edge("e1", "hook", "shape"), *extra_edges]}


def make_hook(config=None, *, owner=None, **kwargs):
    owner = owner or make_user()
    workflow, problems = services.workflow_create(owner=owner, name="Hooked", graph=hook_graph(config, **kwargs))
    assert problems == []
    workflow = workflow_activate(workflow=workflow, actor=owner)
    endpoint = WebhookEndpoint.objects.get(workflow=workflow, node_id="hook")
    return workflow, endpoint


def signed(endpoint, body: bytes, *, msg_id="msg_1", at: datetime | None = None, secret: str | None = None):
    at = at or datetime.now(UTC)
    signature = Webhook(secret or endpoint.secret).sign(msg_id, at, body.decode())
    return {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(at.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }


def post(endpoint, payload, *, headers=None, content_type="application/json", path_suffix=""):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    client = APIClient()
    return client.generic("POST", f"/hooks/{endpoint.token}{path_suffix}", body, content_type=content_type, **(headers or {}))


@pytest.fixture
def owner(db):
    return make_user("hookowner")
