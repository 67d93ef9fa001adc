"""Clients that come from a known address with a known user agent, so each entry's "from
where" can be checked, and a reader of the log as the API gives it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from audit.models import Action, AuditEntry
from tests.engine.conftest import collecting, embedded  # noqa: F401  (fixtures for runs)
from tests.factories import make_token

ADDRESS = "203.0.113.7"
AGENT = "Audit-Test/1.0 (+checks where from)"


def client_from(user, *, token: bool = False, address: str = ADDRESS, agent: str = AGENT) -> APIClient:
    client = APIClient(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    else:
        client.force_login(user)
    return client


def entries(**filters) -> list[AuditEntry]:
    """Entries other than sign-ins (every force_login signs in)."""
    return list(AuditEntry.objects.exclude(action=Action.SIGNED_IN).filter(**filters).order_by("id"))


@pytest.fixture
def session(user) -> APIClient:
    return client_from(user)
