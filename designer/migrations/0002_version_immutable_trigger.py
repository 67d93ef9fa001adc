"""A workflow version never changes: the database itself refuses UPDATE on it, so no code
path (queryset.update, raw SQL, admin) can alter a graph that runs have pinned."""

from collections.abc import Callable

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION designer_version_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'workflow versions are immutable (version %)', OLD.id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER designer_version_no_update BEFORE UPDATE ON designer_workflowversion
    FOR EACH ROW EXECUTE FUNCTION designer_version_immutable();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS designer_version_no_update ON designer_workflowversion;
DROP FUNCTION IF EXISTS designer_version_immutable();
"""
SQLITE_UP = """
CREATE TRIGGER designer_version_no_update BEFORE UPDATE ON designer_workflowversion
BEGIN
    SELECT RAISE(ABORT, 'workflow versions are immutable');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS designer_version_no_update;"


def _run(sql_by_vendor: dict[str, str]) -> Callable[[Apps, BaseDatabaseSchemaEditor], None]:
    def run(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql, params=None)  # None: the % in the PL/pgSQL is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("designer", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
