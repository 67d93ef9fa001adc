"""GET /api/audit/: the signed-in user's own audit log, newest first."""

from __future__ import annotations

from collections.abc import Sequence

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.filters import BaseFilterBackend
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from audit import selectors, targets
from audit.api.serializers import AuditEntrySerializer
from audit.models import Action, AuditEntry, TargetType
from core.api.plumbing import StrictDateTimeFilter, StrictFilterSet, StrictIdFilter, signed_in_user


class AuditFilter(StrictFilterSet):
    action = django_filters.ChoiceFilter(choices=Action.choices)
    target_type = django_filters.ChoiceFilter(choices=TargetType.choices)
    target_id = django_filters.CharFilter(field_name="target_id", max_length=64, help_text="With target_type, one object's entries.")
    workflow = StrictIdFilter(field_name="workflow_id", help_text="A workflow's entries and its runs'.")
    after = StrictDateTimeFilter(field_name="at", lookup_expr="gte")
    before = StrictDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["action", "target_type", "target_id", "workflow"]


@extend_schema_view(
    get=extend_schema(
        operation_id="audit_list",
        description="Who created, changed, ran, approved, exported or deleted what of yours, when, from which address "
        "and how (session, API token, webhook, schedule); your sign-ins too. Newest first.",
    )
)
class AuditListView(ListAPIView[AuditEntry]):
    serializer_class = AuditEntrySerializer
    filterset_class = AuditFilter
    filter_backends: Sequence[type[BaseFilterBackend]] = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet[AuditEntry]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return AuditEntry.objects.none()
        return selectors.entry_list_for_user(user=signed_in_user(self.request)).order_by("-at", "-id")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        entries = list(page or [])
        wanted: dict[TargetType, set[str]] = {}
        for entry in entries:
            if entry.target_type:
                wanted.setdefault(TargetType(entry.target_type), set()).add(entry.target_id)
            if entry.workflow_id is not None:
                wanted.setdefault(TargetType.WORKFLOW, set()).add(str(entry.workflow_id))
        existing = targets.existing(signed_in_user(request).pk, wanted)
        data = AuditEntrySerializer(entries, many=True, context={"existing": existing}).data
        return self.get_paginated_response(data)
