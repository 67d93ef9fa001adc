"""The "test" action: does a credential work against the far side? An HTTP credential
calls a URL the user gives (GET, through the HTTP node's guarded client); OAuth2 fetches
a token; SMTP connects and signs in. The answer says what happened, never a secret."""

from __future__ import annotations

import smtplib
import ssl
import time
from typing import Any

import httpcore
import httpx

from catalog.credentials import HTTP_TYPES, http_auth, mask, secret_values
from catalog.nodes import smtp
from catalog.nodes.base import StepFailed
from catalog.nodes.net import SECRET_HEADERS, BlockedAddress, deadline, http_client
from credentials.models import Credential
from credentials.runtime import access_token
from credentials.services import credential_data

TIMEOUT_S = 10.0


def credential_check(credential: Credential, *, url: str | None) -> dict[str, Any]:
    """{"ok": bool, "message": str, "status": int | None}."""
    data = credential_data(credential)
    until = time.monotonic() + TIMEOUT_S
    try:
        if credential.type == "smtp":
            return _smtp(data)
        if credential.type == "oauth2.client_credentials":
            data["access_token"] = access_token(credential, until=until)
            if not url:
                return {"ok": True, "message": "The token URL gave an access token.", "status": None}
        if credential.type in HTTP_TYPES:
            if not url:
                return {"ok": False, "message": "Give a URL to call with this credential.", "status": None}
            return _http(credential.type, data, url, until)
    except StepFailed as exc:
        return {"ok": False, "message": str(mask(exc.message, secret_values(credential.type, data))), "status": None}
    return {"ok": False, "message": f"A {credential.type} credential cannot be tested.", "status": None}


def _http(kind: str, data: dict[str, Any], url: str, until: float) -> dict[str, Any]:
    headers, query = http_auth(kind, data)
    try:
        target = httpx.URL(url)
        if target.scheme not in ("http", "https"):
            return {"ok": False, "message": "The URL must start with http:// or https://.", "status": None}
        if query:
            target = target.copy_merge_params(query)
        with deadline(until):
            response = http_client().get(
                target, headers=headers, timeout=TIMEOUT_S, follow_redirects=True, extensions={SECRET_HEADERS: tuple(headers)}
            )
    except BlockedAddress as exc:
        return {"ok": False, "message": str(exc), "status": None}
    except httpx.InvalidURL:
        return {"ok": False, "message": "The URL is not valid.", "status": None}
    except httpx.HTTPError as exc:
        return {"ok": False, "message": f"The call failed: {type(exc).__name__}.", "status": None}
    ok = response.status_code < 400
    said = "accepted" if ok else "refused"
    return {"ok": ok, "message": f"HTTP {response.status_code}: the server {said} the credential.", "status": response.status_code}


def _smtp(data: dict[str, Any]) -> dict[str, Any]:
    """Connect (at an address the address policy allows), TLS as configured, sign in."""
    host, port = str(data["host"]), int(data["port"])
    try:
        backend = smtp.credential_backend(data, TIMEOUT_S, alias="credential-test")
    except BlockedAddress as exc:
        return {"ok": False, "message": str(exc), "status": None}
    except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError):
        return {"ok": False, "message": f"{host} could not be resolved.", "status": None}
    try:
        with smtp.deadline(time.monotonic() + TIMEOUT_S):
            backend.open()
    except smtplib.SMTPAuthenticationError:
        return {"ok": False, "message": "The server refused the user name or password.", "status": None}
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return {"ok": False, "message": f"Could not talk to {host}:{port}: {type(exc).__name__}.", "status": None}
    finally:
        backend.close()
    signed = " and signed in." if data.get("username") else "."
    return {"ok": True, "message": f"Connected to {host}:{port}{signed}", "status": None}
