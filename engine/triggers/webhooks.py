"""Receiving a webhook: the checks in the order a caller can act on them (unknown hook 404,
method 405, size 413, content type 415, signature 401, body 400), then one run per
`webhook-id`. The rate limit (429) counts the calls that may use the sender's budget: on a
signed hook only those whose signature verified (after the 401), on a public hook every
call (before the 413). A signed hook's unverified calls have caps of their own, in memory
(engine/triggers/refusals.py): past them a bad signature is answered 429, not 401.
Synchronous and ORM-only: the HTTP view (engine/api/hooks.py) does the I/O and the
waiting."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from django.db import IntegrityError, transaction
from django.db.models import F

from audit.models import Action, How
from audit.services import Detail, Origin, record, run_target
from catalog.nodes.trigger_webhook import WebhookTrigger
from core.errors import DomainError
from core.json_values import finite_float
from core.logging import bound, get_logger
from designer.models import Workflow
from engine.orchestration.admission import RunsInFlightExceeded
from engine.orchestration.creation import InputInvalid
from engine.store import reads
from engine.triggers.models import WebhookDelivery, WebhookEndpoint
from engine.triggers.refusals import unverified_over_cap
from engine.triggers.signatures import SignatureError, verify
from engine.triggers.start import trigger_run_start

logger = get_logger(__name__)
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# Request headers never copied into the run's input.
PRIVATE_HEADERS = {"authorization", "cookie", "webhook-signature", "proxy-authorization"}


class HookRefused(DomainError):
    """A refused call: status, a sentence saying what to change, and headers (Allow,
    Retry-After) where HTTP has one."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.headers = dict(headers or {})


@dataclass
class HookCall:
    token: str
    method: str
    headers: dict[str, str]  # lower-case names
    query: dict[str, list[str]]
    body: bytes
    address: str = ""  # the caller's (core/client.py): unverified calls are capped per address
    # Where the call came from, for the audit log (engine/api/hooks.py reads the request).
    origin: Origin = field(default_factory=lambda: Origin(how=How.WEBHOOK))


@dataclass
class HookAccepted:
    run_id: int
    duplicate: bool
    config: dict[str, Any] = field(default_factory=dict)


def token_new() -> str:
    return secrets.token_urlsafe(24)


def active_graph(workflow: Workflow) -> dict[str, Any]:
    """The graph the workflow's triggers start, or an empty one while it is inactive."""
    version = workflow.active_version
    return version.graph if workflow.active and version is not None else {}


def endpoint_config(endpoint: WebhookEndpoint) -> dict[str, Any] | None:
    """The hook's settings from the workflow's active version, or None when the hook is not
    live (workflow inactive, or its node is not a webhook trigger of the active version)."""
    for node in active_graph(endpoint.workflow).get("nodes", []):
        if isinstance(node, dict) and node.get("id") == endpoint.node_id and node.get("type") == WebhookTrigger.type:
            return WebhookTrigger.config_of(node)
    return None


def _media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _rate_limited(endpoint: WebhookEndpoint, per_minute: int, now: datetime) -> bool:
    """A fixed one-minute window counted by conditional updates: exact with any number of
    web processes, no check-then-act."""
    window = now.replace(second=0, microsecond=0)
    rows = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    counted = rows.filter(rate_window=window, rate_count__lt=per_minute)
    if counted.update(rate_count=F("rate_count") + 1) or rows.exclude(rate_window=window).update(rate_window=window, rate_count=1):
        return False
    # Another call opened this window between the two updates: count in it.
    return not counted.update(rate_count=F("rate_count") + 1)


def _within_rate(endpoint: WebhookEndpoint, config: dict[str, Any], now: datetime) -> None:
    """Count the call in the hook's minute, or refuse it (429) past rate_limit_per_minute."""
    if _rate_limited(endpoint, int(config["rate_limit_per_minute"]), now):
        retry = 60 - now.second
        raise HookRefused(
            429, f"More than {config['rate_limit_per_minute']} calls this minute; retry in {retry} s.", {"Retry-After": str(retry)}
        )


def _unverified(endpoint: WebhookEndpoint, address: str, now: datetime, why: str) -> HookRefused:
    """A call whose signature did not verify: 401 saying why, or 429 once this hook's
    unverified calls this minute are past their caps (from this address, or from all)."""
    if unverified_over_cap(endpoint.pk, address, now):
        retry = 60 - now.second
        detail = f"Too many calls without a valid signature this minute; retry in {retry} s."
        return HookRefused(429, detail, {"Retry-After": str(retry)})
    return HookRefused(401, why)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _storable(value: Any, where: str) -> None:
    """Refuse what the database's JSON cannot hold (NUL characters, lone surrogates) with a
    400 naming where it was, instead of failing at the INSERT."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                raise HookRefused(400, f"The {where} holds a NUL character or an unpaired surrogate, which cannot be stored.")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _parse(call: HookCall, media: str) -> Any:
    if not call.body:
        return None
    if media == "application/json" or media.endswith("+json"):
        try:
            return json.loads(call.body, parse_constant=_refuse_constant, parse_float=finite_float)
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            raise HookRefused(400, f"The body is not valid JSON: {exc}.") from None
        except RecursionError:
            raise HookRefused(400, "The body is nested too deeply.") from None
    if media == "application/x-www-form-urlencoded":
        form = parse_qs(call.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in form.items()}
    try:
        return call.body.decode("utf-8")
    except UnicodeDecodeError:
        raise HookRefused(415, "The body is not UTF-8 text; send JSON, a form or text.") from None


def webhook_receive(call: HookCall, *, now: datetime) -> HookAccepted:
    endpoint = WebhookEndpoint.objects.select_related("workflow__active_version", "workflow__owner").filter(token=call.token).first()
    config = endpoint_config(endpoint) if endpoint is not None else None
    if endpoint is None or config is None:
        raise HookRefused(404, "No active webhook at this URL.")
    methods = [m.upper() for m in config["methods"]]
    if call.method.upper() not in methods:
        raise HookRefused(405, f"This hook accepts {', '.join(methods)}.", {"Allow": ", ".join(methods)})
    public = bool(config.get("public"))
    if public:
        _within_rate(endpoint, config, now)
    if len(call.body) > int(config["max_body_bytes"]):
        raise HookRefused(413, f"The body is {len(call.body)} bytes; this hook accepts at most {config['max_body_bytes']}.")
    media = _media_type(call.headers)
    accepted = [c.lower() for c in config["content_types"]]
    if call.body and media not in accepted:
        raise HookRefused(415, f"Content-Type {media or '(none)'} is not accepted; send one of: {', '.join(accepted)}.")
    message_id = call.headers.get("webhook-id") or None
    if not public:
        in_force = [endpoint.secret]
        if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
            in_force.append(endpoint.previous_secret)
        try:
            message_id = verify(call.headers, call.body, in_force, now=now.timestamp())
        except SignatureError as exc:
            raise _unverified(endpoint, call.address, now, str(exc)) from None
        # Only a verified call uses the sender's budget: whoever knows the URL cannot spend it.
        _within_rate(endpoint, config, now)
    if message_id is not None and len(message_id) > 200:
        raise HookRefused(400, "webhook-id is longer than 200 characters.")
    query = {k: v[0] if len(v) == 1 else v for k, v in call.query.items()}
    headers = {k: v for k, v in call.headers.items() if k not in PRIVATE_HEADERS}
    _storable(query, "query")
    _storable(headers, "headers")
    payload: dict[str, Any] = {"body": _parse(call, media)}
    _storable(payload["body"], "body")
    if public:
        payload.update(query=query, headers=headers)
    else:
        # The signature covers the id, the timestamp and the body; the query and the headers
        # are whatever reached the server (a proxy or a forger may have changed them), so
        # they never sit beside what was verified.
        payload["unsigned"] = {"query": query, "headers": headers}
    payload.update(method=call.method.upper(), webhook_id=message_id)
    key = message_id
    if message_id is not None and public:
        # Unsigned: anyone may send any id, so an id only deduplicates the same body (a
        # guessed id cannot swallow someone else's event or read its run's output).
        key = f"{message_id[:100]}:{hashlib.sha256(call.body).hexdigest()[:32]}"
    return _start_once(endpoint, key, payload, config, call.origin)


def _delivered(endpoint: WebhookEndpoint, message_id: str | None) -> int | None:
    """The run an earlier delivery of this id started, if any."""
    if message_id is None:
        return None
    return WebhookDelivery.objects.filter(endpoint=endpoint, message_id=message_id).values_list("run_id", flat=True).first()


def _start_once(endpoint: WebhookEndpoint, message_id: str | None, payload: Any, config: dict[str, Any], origin: Origin) -> HookAccepted:
    """The run and its delivery record commit together; a second call with the same id
    (even at the same moment: the unique index makes it wait, then fail) gets that run."""
    with bound(workflow_id=endpoint.workflow_id, node_id=endpoint.node_id, webhook_id=message_id):
        return _start_once_bound(endpoint, message_id, payload, config, origin)


def _start_once_bound(
    endpoint: WebhookEndpoint, message_id: str | None, payload: Any, config: dict[str, Any], origin: Origin
) -> HookAccepted:
    workflow = endpoint.workflow
    seen = _delivered(endpoint, message_id)
    if seen is not None:
        return HookAccepted(run_id=seen, duplicate=True, config=config)
    try:
        with transaction.atomic():
            run = trigger_run_start(workflow=workflow, node_id=endpoint.node_id, payload=payload, trigger="webhook")
            if message_id is not None:
                WebhookDelivery.objects.create(endpoint=endpoint, message_id=message_id, run=run)
            details: dict[str, Detail] = {"trigger": "webhook", "node_id": endpoint.node_id, "version": run.version.number}
            record(action=Action.RUN_STARTED, origin=origin, owner=workflow.owner, target=run_target(run), details=details)
    except InputInvalid:
        raise  # the caller's payload: 422 with the problems is theirs to read
    except RunsInFlightExceeded as exc:
        # The caller is not the owner: told to come back, not how many runs the owner has.
        raise HookRefused(429, "The workflow's owner has too many runs in flight; try again later.", exc.headers) from None
    except DomainError as exc:
        # The active version cannot run any more (a workflow it calls was deleted): the
        # caller learns that much; the problems are the owner's.
        logger.warning("webhook started no run", detail=exc.detail)
        raise HookRefused(503, "The workflow behind this hook cannot run right now; its owner can see why.") from None
    except IntegrityError:
        existing = _delivered(endpoint, message_id)
        if existing is None:
            raise
        return HookAccepted(run_id=existing, duplicate=True, config=config)
    return HookAccepted(run_id=run.pk, duplicate=False, config=config)


def run_result(run_id: int, node_id: str | None) -> tuple[str, Any, Any] | None:
    """(status, output, error) of a finished run (the output of `node_id` if given), or None
    while it is still going."""
    return reads.run_result(run_id, node_id)
