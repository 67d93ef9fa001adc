"""Carry the keys of DRF's authtoken (stored as they are, in `authtoken_token`) over as
hashes, so that every key in use keeps working, then drop that table: after this migration
no key is in the database in plaintext. Irreversible: the keys are not known any more."""

import hashlib

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

DRF_TABLE = "authtoken_token"
MIGRATED_NAME = "API token (from before hashing)"


def hash_drf_tokens(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if DRF_TABLE not in connection.introspection.table_names():
        return  # a database that never had DRF's tokens
    ApiToken = apps.get_model("accounts", "ApiToken")
    table = schema_editor.quote_name(DRF_TABLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM " + table)
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        token = ApiToken.objects.create(
            owner_id=user_id, name=MIGRATED_NAME, prefix=key[:10], key_hash=hashlib.sha256(key.encode()).hexdigest()
        )
        ApiToken.objects.filter(pk=token.pk).update(created_at=created)  # auto_now_add set it to now
    schema_editor.execute("DROP TABLE " + table)
    # The app is no longer installed: its record of applied migrations goes with its table.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop)]
