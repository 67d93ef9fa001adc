"""A user's credentials: a name, a type (catalog.credentials.TYPES) and the data, stored
encrypted (core.crypto). The OAuth2 access token the engine fetched is kept encrypted
beside it until it expires."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.crypto import EncryptedTextField


class Credential(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credentials")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=64)
    data = EncryptedTextField(help_text="The credential's fields as JSON, encrypted.")
    token = EncryptedTextField(blank=True, default="", help_text="An OAuth2 access token fetched for it, encrypted.")
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_credential_name_per_owner")]

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"
