"""Credential types: what a credential of each kind holds (a JSON Schema, like a node's
config) and how a node applies it. Pure definitions: the encrypted rows, their API and
the OAuth2 token cache live in the `credentials` app; a step sees a credential's values
only while it runs (StepContext.secrets).

Schema keywords: `writeOnly: true` marks a secret field (never sent back by the API,
masked in what a step stores). A node's config names a credential by id in a property
made with `credential_field(...)`, which lists the types that fit it."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

JSONDict = dict[str, Any]

# A header's name as RFC 9110 allows it (a token), so a credential cannot smuggle a line.
_HEADER_NAME = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"}
_SECRET = {"type": "string", "minLength": 1, "maxLength": 8192, "writeOnly": True, "pattern": "^[^\\r\\n]*$"}
CREDENTIAL_TYPES_KEYWORD = "x-credential-types"


@dataclass(frozen=True)
class CredentialType:
    type: str
    title: str
    description: str
    schema: JSONDict
    # A "test" action exists: it checks the credential against the far side.
    testable: bool = False

    @property
    def secret_fields(self) -> tuple[str, ...]:
        return tuple(name for name, prop in self.schema["properties"].items() if prop.get("writeOnly"))

    def describe(self) -> JSONDict:
        return {
            "type": self.type,
            "title": self.title,
            "description": self.description,
            "schema": self.schema,
            "secret_fields": list(self.secret_fields),
            "testable": self.testable,
        }


def _schema(properties: JSONDict, *required: str) -> JSONDict:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


TYPES: dict[str, CredentialType] = {
    t.type: t
    for t in (
        CredentialType(
            "http.header",
            "HTTP header",
            "A header sent with each request, such as X-API-Key: ….",
            _schema({"name": {**_HEADER_NAME, "title": "Header name"}, "value": {**_SECRET, "title": "Value"}}, "name", "value"),
            testable=True,
        ),
        CredentialType(
            "http.bearer",
            "Bearer token",
            "Authorization: Bearer <token>.",
            _schema({"token": {**_SECRET, "title": "Token"}}, "token"),
            testable=True,
        ),
        CredentialType(
            "http.basic",
            "Basic auth",
            "Authorization: Basic with a user name and a password.",
            _schema(
                {
                    "username": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^:\\r\\n]*$", "title": "User name"},
                    "password": {**_SECRET, "title": "Password"},
                },
                "username",
                "password",
            ),
            testable=True,
        ),
        CredentialType(
            "http.query",
            "API key in the query",
            "A query parameter added to each request's URL, such as ?api_key=….",
            _schema(
                {
                    "name": {"type": "string", "minLength": 1, "maxLength": 100, "title": "Parameter name"},
                    "value": {**_SECRET, "title": "Value"},
                },
                "name",
                "value",
            ),
            testable=True,
        ),
        CredentialType(
            "oauth2.client_credentials",
            "OAuth2 client credentials",
            "The engine fetches an access token from the token URL (client credentials grant), keeps it until it expires "
            "and sends it as Authorization: Bearer.",
            _schema(
                {
                    "token_url": {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": "^https?://", "title": "Token URL"},
                    "client_id": {"type": "string", "minLength": 1, "maxLength": 500, "title": "Client ID"},
                    "client_secret": {**_SECRET, "title": "Client secret"},
                    "scope": {"type": "string", "maxLength": 2000, "title": "Scope"},
                    "audience": {"type": "string", "maxLength": 2000, "title": "Audience"},
                },
                "token_url",
                "client_id",
                "client_secret",
            ),
            testable=True,
        ),
        CredentialType(
            "smtp",
            "SMTP server",
            "The mail server the email node sends through, instead of the server's own.",
            _schema(
                {
                    "host": {"type": "string", "minLength": 1, "maxLength": 253, "title": "Host"},
                    "port": {"type": "integer", "minimum": 1, "maximum": 65535, "title": "Port"},
                    "security": {"enum": ["starttls", "tls", "none"], "title": "Security"},
                    "username": {"type": "string", "maxLength": 320, "title": "User name"},
                    "password": {**_SECRET, "title": "Password"},
                },
                "host",
                "port",
                "security",
            ),
            testable=True,
        ),
    )
}
HTTP_TYPES = ("http.header", "http.bearer", "http.basic", "http.query", "oauth2.client_credentials")


def credential_field(*types: str, title: str = "Credential") -> JSONDict:
    """A config property naming a credential of one of `types` by its id (never a
    template: which secret a step uses is fixed when the workflow is saved)."""
    unknown = [t for t in types if t not in TYPES]
    assert not unknown, unknown
    return {"type": "integer", "minimum": 1, "title": title, "x-expression": False, CREDENTIAL_TYPES_KEYWORD: list(types)}


def credential_fields(config_schema: JSONDict) -> dict[str, tuple[str, ...]]:
    """The config properties of a node type that name a credential, with the types that fit."""
    return {
        name: tuple(prop[CREDENTIAL_TYPES_KEYWORD])
        for name, prop in config_schema.get("properties", {}).items()
        if isinstance(prop, dict) and CREDENTIAL_TYPES_KEYWORD in prop
    }


def secret_values(credential_type: str, data: Mapping[str, Any]) -> list[str]:
    """The values of a credential that must never be shown or stored in the clear: its
    secret fields and what is derived from them (a basic-auth header, an access token)."""
    kind = TYPES.get(credential_type)
    values = [str(data[name]) for name in (kind.secret_fields if kind else ()) if data.get(name)]
    if credential_type == "http.basic" and data.get("password"):
        values.append(_basic(data))
    if data.get("access_token"):
        values.append(str(data["access_token"]))
    return values


def _basic(data: Mapping[str, Any]) -> str:
    return base64.b64encode(f"{data.get('username', '')}:{data.get('password', '')}".encode()).decode()


def http_auth(credential_type: str, data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query parameters) that apply a credential to an HTTP request. An OAuth2
    credential's data carries the `access_token` the engine fetched for the step."""
    if credential_type == "http.header":
        return {str(data["name"]): str(data["value"])}, {}
    if credential_type == "http.bearer":
        return {"Authorization": f"Bearer {data['token']}"}, {}
    if credential_type == "http.basic":
        return {"Authorization": f"Basic {_basic(data)}"}, {}
    if credential_type == "http.query":
        return {}, {str(data["name"]): str(data["value"])}
    if credential_type == "oauth2.client_credentials":
        return {"Authorization": f"Bearer {data['access_token']}"}, {}
    raise ValueError(f"A {credential_type} credential does not apply to an HTTP request.")


MASK = "••••••"


def mask(value: Any, secrets: list[str]) -> Any:
    """`value` with every occurrence of a secret replaced by MASK, in strings, keys and
    nested values alike (a server that echoes a header must not put it in the step's
    output). Works on the value's JSON text, so depth costs nothing."""
    wanted = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)
    if not wanted:
        return value
    text = json.dumps(value, ensure_ascii=False, default=str)
    found = False
    forms = {form for secret in wanted for form in (secret, quote(secret, safe=""), quote_plus(secret)) if len(form) >= 4}
    for secret in sorted(forms, key=len, reverse=True):
        escaped = json.dumps(secret, ensure_ascii=False)[1:-1]
        if escaped in text:
            text, found = text.replace(escaped, MASK), True
    if not found:
        return value
    try:
        return json.loads(text)
    except ValueError:  # a secret that spelled JSON's own punctuation ("1, 2"): keep nothing of it
        return MASK
