"""Staff read the whole log in the admin; nobody adds, changes or deletes an entry there."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from audit.models import Action, AuditEntry, AuditEntryImmutable
from tests.audit.conftest import client_from
from tests.factories import make_user, valid_graph


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "correct-horse-battery-9")


@pytest.fixture
def admin_browser(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def entry(db):
    alice = make_user("alice")
    client_from(alice).post("/api/workflows/", {"name": "Audited flow", "graph": valid_graph()}, format="json")
    return AuditEntry.objects.get(action=Action.WORKFLOW_CREATED)


def test_staff_see_every_users_entries(admin_browser, entry):
    page = admin_browser.get("/admin/audit/auditentry/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Audited flow" in text and "workflow.created" in text and "203.0.113.7" in text
    assert "/admin/audit/auditentry/add/" not in text  # no "Add" button
    assert admin_browser.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200  # a read-only view


def test_the_admin_refuses_to_add_change_or_delete(admin_browser, entry):
    assert admin_browser.get("/admin/audit/auditentry/add/").status_code == 403
    changed = admin_browser.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "workflow.deleted", "target_name": "x"})
    assert changed.status_code == 403
    assert admin_browser.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    assert admin_browser.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = admin_browser.post(
        "/admin/audit/auditentry/", {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}, follow=True
    )
    assert bulk.status_code == 200
    entry.refresh_from_db()
    assert entry.action == Action.WORKFLOW_CREATED and entry.target_name == "Audited flow"
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_non_staff_are_sent_to_sign_in(db, entry):
    client = Client()
    client.force_login(make_user("plain"))
    assert client.get("/admin/audit/auditentry/").status_code == 302


def test_an_entry_cannot_be_saved_twice(entry):
    entry.target_name = "rewritten"
    with pytest.raises(AuditEntryImmutable):
        entry.save()
