"""API tokens, stored as the hash of their key, and the counts of failed sign-ins that
lock an account or an address out for a while (README: "Sign-in and API tokens")."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models


def key_hash(key: str) -> str:
    """SHA-256 of a key, in hex. A key is 256 random bits, so a fast hash is the right one:
    nobody can search that space, and a slow hash would cost every API request."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A key for `Authorization: Token <key>`. The key itself is shown once, when it is made;
    the row keeps its first characters (to tell keys apart) and its hash."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The key's first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    # Written at most once a minute (accounts/tokens.py), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ThrottleKind(models.TextChoices):
    ACCOUNT = "account", "Account"
    ADDRESS = "address", "Address"


class SignInThrottle(models.Model):
    """Failed sign-ins of one account (by username, as typed, lowercased) or from one
    address (an IPv6 address counts by its /64) within the window; locked while
    `locked_until` is ahead. A success clears the account's row; an address's row is
    cleared only by time or by staff (a success there proves nothing about the others it
    tried)."""

    kind = models.CharField(max_length=8, choices=ThrottleKind.choices)
    key = models.CharField(max_length=150)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="accounts_throttle_kind_key")]
        ordering = ["-last_failure_at"]
        verbose_name = "sign-in throttle"

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
