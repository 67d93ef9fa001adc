from __future__ import annotations

from core.errors import DomainError


class CredentialInvalid(DomainError):
    status = 400


class CredentialUnusable(DomainError):
    """A credential that cannot give a step its values (its OAuth2 token could not be fetched)."""

    status = 400
