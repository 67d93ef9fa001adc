from django.contrib import admin
from django.http import HttpRequest

from designer.models import Workflow, WorkflowVersion


class VersionInline(admin.TabularInline[WorkflowVersion, Workflow]):
    model = WorkflowVersion
    fields = ("number", "message", "author", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Workflow | None = None) -> bool:
        return False


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin[Workflow]):
    list_display = ("name", "owner", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("name", "description", "owner__username")
    readonly_fields = ("created_at", "updated_at")
    inlines = [VersionInline]


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(admin.ModelAdmin[WorkflowVersion]):
    """Read-only: versions are immutable."""

    list_display = ("workflow", "number", "author", "message", "created_at")
    search_fields = ("workflow__name", "message")
    readonly_fields = ("workflow", "number", "graph", "graph_hash", "author", "message", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WorkflowVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WorkflowVersion | None = None) -> bool:
        return False
