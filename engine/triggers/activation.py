"""Activating a workflow pins its latest valid version for its triggers: each webhook node
gets its URL (kept across activations), each schedule node its next slot. Deactivating
stops both. Manual and API runs are not affected: they always start the latest version."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from catalog.nodes.trigger_schedule import ScheduleTrigger
from catalog.nodes.trigger_webhook import WebhookTrigger
from designer.models import Workflow
from designer.services import workflow_set_active
from engine.orchestration.creation import version_runnable
from engine.triggers.models import Schedule, WebhookEndpoint
from engine.triggers.schedules import next_after, upcoming
from engine.triggers.signatures import secret_new
from engine.triggers.webhooks import active_graph, token_new


def _trigger_nodes(graph: Any, node_type: str) -> list[dict[str, Any]]:
    nodes = graph.get("nodes", []) if isinstance(graph, dict) else []
    return [n for n in nodes if isinstance(n, dict) and n.get("type") == node_type and isinstance(n.get("id"), str)]


def _drafted_or_live(draft: Any, active: Any, node_type: str) -> list[dict[str, Any]]:
    """The trigger nodes of the draft, then those of the active version that the draft has
    dropped but that still start runs until the next activation."""
    drafted = _trigger_nodes(draft, node_type)
    ids = {n["id"] for n in drafted}
    return drafted + [n for n in _trigger_nodes(active, node_type) if n["id"] not in ids]


def _endpoint(workflow: Workflow, node_id: str) -> WebhookEndpoint:
    endpoint, _ = WebhookEndpoint.objects.get_or_create(
        workflow=workflow, node_id=node_id, defaults={"token": token_new(), "secret": secret_new()}
    )
    return endpoint


def _endpoints(workflow: Workflow, node_ids: list[str]) -> dict[str, WebhookEndpoint]:
    """The endpoints of these webhook nodes, creating the missing ones: one read for all."""
    found = {e.node_id: e for e in WebhookEndpoint.objects.filter(workflow=workflow, node_id__in=node_ids)}
    for node_id in node_ids:
        if node_id not in found:
            found[node_id] = _endpoint(workflow, node_id)
    return found


@transaction.atomic
def workflow_activate(*, workflow: Workflow, actor: Any, now: datetime | None = None) -> Workflow:
    """Pin the latest version (422 with its problems when it cannot run) and arm its triggers."""
    now = now or timezone.now()
    locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
    version = version_runnable(workflow=locked, user=actor)
    workflow_set_active(workflow=locked, version=version)
    _endpoints(locked, [node["id"] for node in _trigger_nodes(version.graph, WebhookTrigger.type)])
    current = {s.node_id: s for s in Schedule.objects.filter(workflow=locked)}
    wanted = []
    for node in _trigger_nodes(version.graph, ScheduleTrigger.type):
        config = ScheduleTrigger.config_of(node)
        wanted.append(node["id"])
        row = current.get(node["id"])
        # The same cron keeps its next slot: re-activating neither skips nor repeats one.
        if row is None or (row.cron, row.timezone) != (config["cron"], config["timezone"]):
            next_fire_at = next_after(config["cron"], config["timezone"], now)
        else:
            next_fire_at = row.next_fire_at
        Schedule.objects.update_or_create(
            workflow=locked,
            node_id=node["id"],
            defaults={"cron": config["cron"], "timezone": config["timezone"], "misfire": config["misfire"], "next_fire_at": next_fire_at},
        )
    Schedule.objects.filter(workflow=locked).exclude(node_id__in=wanted).delete()
    return locked


@transaction.atomic
def workflow_deactivate(*, workflow: Workflow) -> Workflow:
    locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
    workflow_set_active(workflow=locked, version=None)
    Schedule.objects.filter(workflow=locked).delete()
    return locked


def triggers_describe(*, workflow: Workflow, base_url: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every webhook and schedule trigger of the draft, with its URL or its next fire times
    and whether it is live (in the active version)."""
    now = now or timezone.now()
    live = active_graph(workflow)
    live_ids = {n["id"] for t in (WebhookTrigger.type, ScheduleTrigger.type) for n in _trigger_nodes(live, t)}
    described: list[dict[str, Any]] = []
    hooks = _drafted_or_live(workflow.graph, live, WebhookTrigger.type)
    endpoints = _endpoints(workflow, [node["id"] for node in hooks])
    live_nodes = {n["id"]: n for n in _trigger_nodes(live, WebhookTrigger.type)}
    for node in hooks:
        endpoint = endpoints[node["id"]]
        # A live hook answers with the active version's settings; a drafted one will.
        config = WebhookTrigger.config_of(live_nodes.get(node["id"], node))
        described.append(
            {
                "node_id": node["id"],
                "type": WebhookTrigger.type,
                "live": node["id"] in live_ids,
                "url": f"{base_url}/hooks/{endpoint.token}",
                "public": bool(config.get("public")),
                "methods": config["methods"],
                "response_mode": config["response_mode"],
                "secret_hint": endpoint.secret[:6] + "…" + endpoint.secret[-4:],
                "previous_secret_expires_at": endpoint.previous_secret_expires_at if endpoint.previous_secret else None,
            }
        )
    schedules = {s.node_id: s for s in Schedule.objects.filter(workflow=workflow)}
    for node in _drafted_or_live(workflow.graph, live, ScheduleTrigger.type):
        config = ScheduleTrigger.config_of(node)
        row = schedules.get(node["id"]) if node["id"] in live_ids else None
        cron, tz = (row.cron, row.timezone) if row else (config["cron"], config["timezone"])
        try:
            times = upcoming(cron, tz, now)
        except (ValueError, KeyError, LookupError):
            times = []  # an invalid draft: validation lists the problem
        described.append(
            {
                "node_id": node["id"],
                "type": ScheduleTrigger.type,
                "live": row is not None,
                "cron": cron,
                "timezone": tz,
                "misfire": row.misfire if row else config["misfire"],
                "next_fire_at": row.next_fire_at if row else None,
                "upcoming": times,
            }
        )
    return described


@transaction.atomic
def webhook_secret_rotate(*, workflow: Workflow, node_id: str, now: datetime | None = None) -> WebhookEndpoint:
    """A new signing secret; the one it replaces stays valid for the rotation grace, so
    senders can switch without a refused call."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=webhook_endpoint_get(workflow=workflow, node_id=node_id).pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + timedelta(seconds=settings.STEPWISE_WEBHOOK_ROTATION_GRACE_S)
    endpoint.secret = secret_new()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


def webhook_endpoint_get(*, workflow: Workflow, node_id: str) -> WebhookEndpoint:
    if node_id not in {n["id"] for n in _drafted_or_live(workflow.graph, active_graph(workflow), WebhookTrigger.type)}:
        endpoint = WebhookEndpoint.objects.filter(workflow=workflow, node_id=node_id).first()
        if endpoint is None:
            raise Http404(f"No webhook trigger {node_id!r} in this workflow.")
        return endpoint
    return _endpoint(workflow, node_id)
