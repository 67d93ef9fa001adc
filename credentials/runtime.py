"""What a running step gets of a credential: its decrypted fields (and, for OAuth2, an
access token the engine fetched and keeps until it expires), only while the step runs.
Called by the engine as it builds the step's context; nothing here is stored in the clear.

OAuth2 client credentials (RFC 6749 section 4.4): the token is fetched through the HTTP
node's guarded client (the same address policy), with the client authenticated by HTTP
Basic, within the step's deadline; it is kept encrypted on the credential row, shared by
every step and worker, until EXPIRY_MARGIN_S before it expires. Two workers that find it
expired at once fetch it once: the row is locked while one fetches."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone

from catalog.nodes.base import StepFailed
from catalog.nodes.net import BlockedAddress, deadline, http_client
from credentials.models import Credential
from credentials.services import credential_data

EXPIRY_MARGIN_S = 30
DEFAULT_EXPIRES_IN_S = 3600
TOKEN_TIMEOUT_S = 10.0


def step_credential(*, owner_id: int, credential_id: Any, types: tuple[str, ...], field: str, until: float | None) -> dict[str, Any]:
    """{"type": ..., **fields} of the owner's credential for a step's config field; a clean
    step failure when it is gone, of a type that does not fit, or its token cannot be had."""
    if not isinstance(credential_id, int) or isinstance(credential_id, bool):
        raise StepFailed(f"`{field}` must name a credential by its id.", code="invalid_credential", retryable=False)
    credential = Credential.objects.filter(pk=credential_id, owner_id=owner_id).first()
    if credential is None:
        raise StepFailed(f"Credential {credential_id} (`{field}`) was not found.", code="unknown_credential", retryable=False)
    if credential.type not in types:
        wanted = ", ".join(types)
        message = f"Credential {credential.name!r} is a {credential.type} credential; `{field}` takes {wanted}."
        raise StepFailed(message, code="wrong_credential_type", retryable=False)
    data = {"type": credential.type, **credential_data(credential)}
    if credential.type == "oauth2.client_credentials":
        data["access_token"] = access_token(credential, until=until)
    return data


def access_token(credential: Credential, *, until: float | None) -> str:
    now = timezone.now()
    if credential.token and credential.token_expires_at and credential.token_expires_at > now:
        return str(credential.token)
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if locked.token and locked.token_expires_at and locked.token_expires_at > timezone.now():
            return str(locked.token)
        token, expires_in = fetch_token(credential_data(locked), until=until)
        locked.token = token
        locked.token_expires_at = timezone.now() + timedelta(seconds=max(expires_in - EXPIRY_MARGIN_S, 1))
        locked.save(update_fields=["token", "token_expires_at"])
        return token


def fetch_token(data: dict[str, Any], *, until: float | None) -> tuple[str, float]:
    """(access token, seconds it lasts) from the token URL; StepFailed naming what went wrong."""
    form = {"grant_type": "client_credentials"}
    for key in ("scope", "audience"):
        if data.get(key):
            form[key] = str(data[key])
    url = str(data.get("token_url"))
    stop = time.monotonic() + TOKEN_TIMEOUT_S
    if until is not None:
        stop = min(stop, until)
    try:
        with deadline(stop):
            response = http_client().post(
                url,
                data=form,
                auth=(str(data.get("client_id", "")), str(data.get("client_secret", ""))),
                headers={"Accept": "application/json"},
                timeout=max(stop - time.monotonic(), 0.001),
                follow_redirects=False,
            )
    except BlockedAddress as exc:
        raise StepFailed(f"OAuth2 token URL: {exc}", code="blocked_address", retryable=False) from None
    except httpx.HTTPError as exc:
        raise StepFailed(f"The OAuth2 token request to {url} failed: {type(exc).__name__}.", code="credential_token_failed") from None
    if response.status_code != 200:
        retryable = response.status_code >= 500 or response.status_code == 429
        message = f"The OAuth2 token URL {url} answered HTTP {response.status_code}; check the client ID and secret."
        raise StepFailed(message, code="credential_token_failed", retryable=retryable)
    try:
        body = response.json()
    except ValueError:
        body = None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise StepFailed(f"The OAuth2 token URL {url} answered without an access_token.", code="credential_token_failed", retryable=False)
    expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN_S)
    if not isinstance(expires_in, int | float) or isinstance(expires_in, bool) or expires_in <= 0:
        expires_in = DEFAULT_EXPIRES_IN_S
    return token, float(min(expires_in, 365 * 86400))
