"""Writes, and the decrypted values a running step gets. Keyword-only arguments; each
function is one use case."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from catalog.credentials import TYPES, CredentialType
from catalog.schemas import instance_problems
from core.problems import Problem
from credentials.errors import CredentialInvalid
from credentials.models import Credential

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def credential_type(type_name: str) -> CredentialType:
    kind = TYPES.get(type_name)
    if kind is None:
        known = ", ".join(sorted(TYPES))
        raise CredentialInvalid(
            f"Unknown credential type {type_name!r}.",
            [Problem("unknown_type", f"Unknown credential type; one of: {known}.", field="/type")],
        )
    return kind


def credential_data(credential: Credential) -> dict[str, Any]:
    """The decrypted fields (never leaves the server: a step's context, a test call)."""
    data = json.loads(credential.data)  # the field decrypts it
    return data if isinstance(data, dict) else {}


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))


def _checked(kind: CredentialType, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CredentialInvalid("`data` must be an object.", [Problem("invalid", "Must be an object.", field="/data")])
    problems = [Problem("invalid", message, field="/data" + pointer) for pointer, message in instance_problems(kind.schema, data)]
    if problems:
        raise CredentialInvalid("The credential's data is invalid: see the problems listed.", problems)
    return data


def _named(owner: User, name: Any, exclude: int | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise CredentialInvalid("A credential needs a name.", [Problem("required", "A credential needs a name.", field="/name")])
    clean: str = name.strip()[:200]
    same = Credential.objects.filter(owner=owner, name=clean)
    taken = (same.exclude(pk=exclude) if exclude is not None else same).exists()
    if taken:
        raise CredentialInvalid(
            f"You already have a credential named {clean!r}.",
            [Problem("unique", "You already have a credential with this name.", field="/name")],
        )
    return clean


def credential_create(*, owner: User, name: Any, type: Any, data: Any) -> Credential:
    kind = credential_type(type) if isinstance(type, str) else credential_type(str(type))
    checked = _checked(kind, data)
    try:
        with transaction.atomic():
            return Credential.objects.create(owner=owner, name=_named(owner, name), type=kind.type, data=_json(checked))
    except IntegrityError:  # the same name, written at the same moment
        raise CredentialInvalid("You already have a credential with this name.", [Problem("unique", "Taken.", field="/name")]) from None


def credential_update(*, credential: Credential, name: Any = None, data: Any = None) -> Credential:
    """A new name and/or new data. Data is merged over what is stored: a field left out
    keeps its value (a secret one above all: the API never sends it back, so a form cannot
    resend it); `null` clears a field."""
    kind = credential_type(credential.type)
    fields = ["updated_at"]
    if name is not None:
        credential.name = _named(credential.owner, name, exclude=credential.pk)
        fields.append("name")
    if data is not None:
        if not isinstance(data, dict):
            raise CredentialInvalid("`data` must be an object.", [Problem("invalid", "Must be an object.", field="/data")])
        merged = credential_data(credential)
        merged.update(data)
        merged = {k: v for k, v in merged.items() if v is not None}
        credential.data = _json(_checked(kind, merged))
        credential.token, credential.token_expires_at = "", None  # a cached token belongs to the old data
        fields += ["data", "token", "token_expires_at"]
    credential.save(update_fields=fields)
    return credential


def credential_delete(*, credential: Credential) -> None:
    credential.delete()


def credential_public(credential: Credential) -> dict[str, Any]:
    """What the API shows: the non-secret fields' values and which secret fields are set."""
    kind = TYPES.get(credential.type)
    data = credential_data(credential)
    secret = set(kind.secret_fields if kind else data)
    return {
        "fields": {k: v for k, v in data.items() if k not in secret},
        "secrets_set": sorted(k for k in data if k in secret),
    }
