"""DRF's plaintext tokens become hashed ones (accounts migration 0002): every key in use
keeps working, and no key is left in the database as it is."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import make_user

migration = importlib.import_module("accounts.migrations.0002_hash_drf_tokens")
DRF_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # 40 hex digits, as DRF made them


def _make_drf_table(user_id: int) -> None:
    """The table DRF's authtoken app created, with one key in it, as on a database from
    before this change."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone NOT NULL, "
            "user_id integer NOT NULL UNIQUE REFERENCES auth_user (id))"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [DRF_KEY, datetime(2026, 3, 1, tzinfo=UTC), user_id])
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', '0001_initial', %s)",
            [datetime(2026, 3, 1, tzinfo=UTC)],
        )


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses to run inside a transaction
def test_an_existing_drf_key_keeps_working_and_is_stored_only_as_its_hash():
    user = make_user("legacy")
    _make_drf_table(user.pk)
    with connection.schema_editor() as editor:
        migration.hash_drf_tokens(apps, editor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {DRF_KEY}")
    assert client.get("/api/me/").json()["username"] == "legacy"
    from accounts.models import ApiToken

    token = ApiToken.objects.get()
    assert token.owner == user and token.prefix == DRF_KEY[:10] and token.created_at == datetime(2026, 3, 1, tzinfo=UTC)
    assert DRF_KEY not in token.key_hash
    assert "authtoken_token" not in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses to run inside a transaction
def test_a_database_without_drf_tokens_migrates_as_it_is():
    with connection.schema_editor() as editor:
        migration.hash_drf_tokens(apps, editor)
    from accounts.models import ApiToken

    assert ApiToken.objects.count() == 0
