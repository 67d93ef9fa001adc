from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only, for staff: the log is written by the application and by nothing else."""

    list_display = ("at", "owner", "actor_name", "action", "target_type", "target_id", "target_name", "how", "address")
    list_filter = ("action", "how", "target_type")
    search_fields = ("owner__username", "actor_name", "target_name", "target_id", "address")
    date_hierarchy = "at"
    list_select_related = ("owner",)
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
