"""Every child run gets its root (older ones had none). Indexes for the run list's filters, each starting with the owner and ending with the
list's order (created_at, id). On PostgreSQL each is built in a few seconds a million runs
(the migration holds writes to the runs table meanwhile: docs/history.md)."""

from typing import Any

from django.conf import settings
from django.db import migrations, models


def roots(apps: Any, schema_editor: Any) -> None:
    """Child runs written before 0005 have no root: give them their tree's top-level run
    (pruning finds a tree's runs by it). Parents first, by depth."""
    Run = apps.get_model("engine", "Run")
    found: dict[int, int] = {}
    orphans = Run.objects.filter(root__isnull=True, parent_step__isnull=False).order_by("depth", "id")
    for run_id, parent_id, parent_root in orphans.values_list("id", "parent_step__run_id", "parent_step__run__root_id").iterator():
        root = found.get(parent_id) or parent_root or parent_id
        found[run_id] = root
        Run.objects.filter(pk=run_id).update(root_id=root)


class Migration(migrations.Migration):
    dependencies = [
        ("designer", "0005_workflow_tags"),
        ("engine", "0007_step_tests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(roots, migrations.RunPython.noop, elidable=True),
        # The new indexes first: the old ones serve until they are built.
        migrations.AddIndex(
            model_name="run",
            index=models.Index(fields=["owner", "-created_at", "-id"], name="run_list"),
        ),
        migrations.AddIndex(
            model_name="run",
            index=models.Index(fields=["owner", "status", "-created_at", "-id"], name="run_list_status"),
        ),
        migrations.AddIndex(
            model_name="run",
            index=models.Index(fields=["owner", "workflow", "-created_at", "-id"], name="run_list_workflow"),
        ),
        migrations.AddIndex(
            model_name="run",
            index=models.Index(fields=["owner", "trigger", "-created_at", "-id"], name="run_list_trigger"),
        ),
        migrations.AddIndex(
            model_name="run",
            index=models.Index(fields=["workflow", "-created_at", "-id"], name="run_workflow_newest"),
        ),
        migrations.RemoveIndex(
            model_name="run",
            name="engine_run_owner_i_e59248_idx",
        ),
        migrations.RemoveIndex(
            model_name="run",
            name="engine_run_workflo_a90581_idx",
        ),
        migrations.RemoveIndex(
            model_name="run",
            name="engine_run_owner_i_33d6ac_idx",
        ),
    ]
