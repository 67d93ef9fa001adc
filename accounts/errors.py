"""The refusals of accounts/, as the DomainError every layer raises (core/errors.py)."""

from __future__ import annotations

from collections.abc import Mapping

from core.errors import DomainError


class TokenRefused(DomainError):
    """A key that is wrong, expired or revoked: 401."""

    status = 401


class SignInLocked(DomainError):
    """Too many failed sign-ins from this account or address: 429 with Retry-After."""

    status = 429

    def __init__(self, detail: str, seconds: int) -> None:
        super().__init__(detail)
        self.seconds = seconds

    @property
    def headers(self) -> Mapping[str, str]:  # type: ignore[override]
        return {"Retry-After": str(self.seconds)}


class TokenNotFound(DomainError):
    """Not one of the user's tokens (another user's is the same 404)."""

    status = 404


class TokenLimitReached(DomainError):
    status = 400
