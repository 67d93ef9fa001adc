from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from credentials.models import Credential


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin[Credential]):
    """Names and types only: the data (and a fetched token) never show, not even to staff."""

    list_display = ["name", "type", "owner", "updated_at"]
    list_filter = ["type"]
    search_fields = ["name", "owner__username"]
    fields = ("owner", "name", "type", "created_at", "updated_at", "token_expires_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
