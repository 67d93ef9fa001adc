"""Reads of the audit log: a user's own entries, never anyone else's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from audit.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def entry_list_for_user(*, user: User) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(owner_id=user.pk)
