"""Staff see tokens (never a key: none is stored) and revoke them; they see who is locked
out of signing in and lift it."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import throttle
from accounts.models import ApiToken, SignInThrottle


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "owner", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "owner__username"]
    readonly_fields = ["owner", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a key is made where its owner can see it once: the Account page, the API, create_api_token

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=throttle.now())
        self.message_user(request, f"{count} token(s) revoked.")


@admin.register(SignInThrottle)
class SignInThrottleAdmin(admin.ModelAdmin[SignInThrottle]):
    list_display = ["kind", "key", "failures", "last_failure_at", "locked_until"]
    list_filter = ["kind"]
    search_fields = ["key"]
    readonly_fields = ["kind", "key", "failures", "window_started_at", "last_failure_at", "locked_until"]
    actions = ["unlock"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Unlock: forget the failures and lift the lockout")
    def unlock(self, request: HttpRequest, queryset: QuerySet[SignInThrottle]) -> None:
        count = queryset.delete()[0]
        self.message_user(request, f"{count} lockout(s) lifted.")
