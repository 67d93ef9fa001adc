"""The "test" action: does a credential work against the far side? An HTTP credential
calls a URL the user gives (GET, through the HTTP node's guarded client); OAuth2 fetches
a token; SMTP connects and signs in. The answer says what happened, never a secret."""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from typing import Any

import httpx

from catalog.credentials import HTTP_TYPES, http_auth, mask, secret_values
from catalog.nodes.base import StepFailed
from catalog.nodes.net import SECRET_HEADERS, BlockedAddress, allowed_networks, deadline, http_client, is_allowed, ssl_context
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
    host, port, security = str(data["host"]), int(data["port"]), data.get("security", "starttls")
    try:
        address = _checked_address(host, port)
    except BlockedAddress as exc:
        return {"ok": False, "message": str(exc), "status": None}
    except OSError:
        return {"ok": False, "message": f"{host} could not be resolved.", "status": None}
    try:
        if security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(address, port, timeout=TIMEOUT_S, context=ssl_context())
        else:
            client = smtplib.SMTP(address, port, timeout=TIMEOUT_S)
        with client:
            if security == "starttls":
                client.starttls(context=ssl_context())
            if data.get("username"):
                client.login(str(data["username"]), str(data.get("password", "")))
    except smtplib.SMTPAuthenticationError:
        return {"ok": False, "message": "The server refused the user name or password.", "status": None}
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return {"ok": False, "message": f"Could not talk to {host}:{port}: {type(exc).__name__}.", "status": None}
    return {"ok": True, "message": f"Connected to {host}:{port}" + (" and signed in." if data.get("username") else "."), "status": None}


def _checked_address(host: str, port: int) -> str:
    """An address of `host` that the HTTP node's address policy allows (BlockedAddress if none)."""
    import ipaddress

    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if is_allowed(address, allowed_networks()):
            return str(address)
    raise BlockedAddress(host, str(infos[0][4][0]) if infos else "?")
