"""Indexes for the run list's filters, each starting with the owner and ending with the
list's order (created_at, id). On PostgreSQL each is built in a few seconds a million runs
(the migration holds writes to the runs table meanwhile: docs/history.md)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("designer", "0005_workflow_tags"),
        ("engine", "0007_step_tests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
