"""Reads, scoped to the requesting user: another user's credential is not found."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from credentials.models import Credential

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def credential_list_for_user(*, user: User) -> QuerySet[Credential]:
    return Credential.objects.filter(owner=user)


def credential_get_for_user(*, user: User, credential_id: int) -> Credential:
    try:
        return credential_list_for_user(user=user).get(pk=credential_id)
    except (Credential.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("Credential not found.") from None


def credential_types_owned(*, user: User | None, ids: Iterable[int]) -> dict[int, str]:
    """{id: type} of the given credential ids that are `user`'s (validation's question)."""
    wanted = [i for i in ids if isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63]
    if user is None or not wanted:
        return {}
    return dict(Credential.objects.filter(owner=user, pk__in=wanted).values_list("pk", "type"))


def credential_names(*, user: User, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """{id: (name, type)} of `user`'s credentials: how an export names those its graph uses."""
    wanted = [i for i in ids if isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63]
    rows = Credential.objects.filter(owner=user, pk__in=wanted).values_list("pk", "name", "type")
    return {pk: (name, kind) for pk, name, kind in rows}


def credential_by_name(*, user: User, name: str, type: str) -> Credential | None:
    return Credential.objects.filter(owner=user, name=name, type=type).first()
