"""Pruning in batches (engine.store.retention, engine.store.pruning), on whatever database the
run uses: batch and chunk boundaries (a batch of 2 runs, 3 ids a statement), trees whose
children fall in another chunk, a busy tree skipped across batches, and every row that
refers to a run deleted or cleared."""

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone

from engine.store.models import Run, RunEvent, StepRun
from engine.store.pruning import _references
from engine.store.retention import prunable, runs_prune
from engine.store.sql import backend
from engine.store.step_tests import StepTest
from engine.triggers.models import ScheduleSlot, WebhookDelivery, WebhookEndpoint
from tests.factories import make_user, make_workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(backend(), "prune_batch", 2)
    monkeypatch.setattr(backend(), "max_ids", 3)


@pytest.fixture
def workflow():
    return make_workflow(make_user())


def _run(workflow, *, status="succeeded", days=100, parent=None, **fields):
    at = timezone.now() - timedelta(days=days)
    run = Run.objects.create(
        owner=workflow.owner,
        workflow=workflow,
        version=workflow.versions.get(),
        graph_hash="x",
        status=status,
        finished_at=None if status == "running" else at,
        parent_step=parent,
        root=(parent.run.root or parent.run) if parent else None,
        depth=parent.run.depth + 1 if parent else 0,
        **fields,
    )
    Run.objects.filter(pk=run.pk).update(created_at=at)
    StepRun.objects.create(run=run, node_id="a", status="succeeded")
    RunEvent.objects.create(run=run, seq=1, kind="run", status=status)
    return run


def _call(run):
    return StepRun.objects.create(run=run, node_id="call", status="succeeded")


def test_any_number_of_old_runs_go_batch_by_batch_and_recent_or_running_ones_stay(workflow, small_batches):
    old = [_run(workflow) for _ in range(7)]
    recent = _run(workflow, days=1)
    running = _run(workflow, status="running")
    assert prunable(days=30, keep_last=0) == [r.pk for r in old]
    assert runs_prune(days=30, keep_last=0) == 7
    assert set(Run.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert StepRun.objects.count() == 2 and RunEvent.objects.count() == 2
    assert runs_prune(days=30, keep_last=0) == 0


def test_a_tree_goes_whole_even_across_chunks_and_a_busy_tree_stays_whole(workflow, small_batches):
    tree = _run(workflow)
    call = _call(tree)
    children = [_run(workflow, parent=call) for _ in range(4)]  # more than a statement's 3 ids
    grandchild = _run(workflow, parent=_call(children[0]))
    busy = _run(workflow, status="failed")
    busy_child = _run(workflow, parent=_call(busy))
    still_running = _run(workflow, status="running", parent=_call(busy_child))
    after = [_run(workflow) for _ in range(3)]  # the batches after the busy one go on
    assert prunable(days=30, keep_last=0) == sorted([tree.pk] + [r.pk for r in after])
    assert runs_prune(days=30, keep_last=0) == 4
    assert set(Run.objects.values_list("pk", flat=True)) == {busy.pk, busy_child.pk, still_running.pk}
    assert not StepRun.objects.filter(run_id__in=[tree.pk, grandchild.pk, *(c.pk for c in children)]).exists()
    assert StepRun.objects.filter(run_id=busy.pk).count() == 2


def test_what_refers_to_a_pruned_run_is_deleted_or_forgets_it(workflow, small_batches):
    old, kept = _run(workflow), _run(workflow, days=1)
    rerun = _run(workflow, days=1, rerun_of=old)
    endpoint = WebhookEndpoint.objects.create(workflow=workflow, node_id="hook", token="t" * 20, secret="whsec_x")
    WebhookDelivery.objects.create(endpoint=endpoint, message_id="m1", run=old)
    kept_delivery = WebhookDelivery.objects.create(endpoint=endpoint, message_id="m2", run=kept)
    slot = ScheduleSlot.objects.create(workflow=workflow, node_id="cron", slot_at=timezone.now(), run=old)
    now = timezone.now()
    tested = StepTest.objects.create(
        owner=workflow.owner, workflow=workflow, node_id="a", node_type="noop", status="succeeded", run=old, started_at=now, finished_at=now
    )
    assert runs_prune(days=30, keep_last=0) == 1
    assert not Run.objects.filter(pk=old.pk).exists()
    assert Run.objects.get(pk=rerun.pk).rerun_of_id is None
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [kept_delivery.pk]
    slot.refresh_from_db()
    tested.refresh_from_db()
    assert slot.run_id is None and tested.run_id is None


def test_keep_last_counts_each_workflow_and_combines_with_the_age(small_batches):
    user = make_user()
    first, second = make_workflow(user), make_workflow(user)
    a = [_run(first, days=10 - i) for i in range(5)]  # oldest first
    b = [_run(second, days=40), _run(second, days=5)]
    assert prunable(days=30, keep_last=2) == sorted([a[0].pk, a[1].pk, a[2].pk, b[0].pk])
    assert runs_prune(days=30, keep_last=2) == 4
    assert set(Run.objects.values_list("pk", flat=True)) == {a[3].pk, a[4].pk, b[1].pk}


def test_every_reference_to_a_run_is_known_to_the_pruning():
    deleted, cleared = _references()
    names = {(table.strip('"`'), column.strip('"`')) for table, column in deleted + cleared}
    assert names == {
        ("engine_run", "root_id"),
        ("engine_run", "rerun_of_id"),
        ("engine_steprun", "run_id"),
        ("engine_runevent", "run_id"),
        ("engine_webhookdelivery", "run_id"),
        ("engine_scheduleslot", "run_id"),
        ("engine_steptest", "run_id"),
    }


def test_the_migration_gives_older_child_runs_their_root(workflow):
    from django.apps import apps

    roots = importlib.import_module("engine.migrations.0008_run_list_indexes").roots
    top = _run(workflow)
    child = _run(workflow, parent=_call(top))
    grandchild = _run(workflow, parent=_call(child))
    Run.objects.filter(pk__in=[child.pk, grandchild.pk]).update(root=None)  # as before migration 0005
    roots(apps, None)
    assert set(Run.objects.filter(pk__in=[child.pk, grandchild.pk]).values_list("root_id", flat=True)) == {top.pk}
    assert Run.objects.get(pk=top.pk).root_id is None


def _dangling() -> dict[str, int]:
    """For each reference to a run (and a child run's to its parent step): how many rows
    name a run (a step) that does not exist. The database checks only a step's and an
    event's run (docs/history.md#references): the others are the store's to keep."""
    from django.db import connection

    deleted, cleared = _references()
    checks = {f"{table}.{column}": (table, column, '"engine_run"') for table, column in deleted + cleared}
    checks["engine_run.parent_step_id"] = ('"engine_run"', '"parent_step_id"', '"engine_steprun"')
    found = {}
    with connection.cursor() as cursor:
        for name, (table, column, target) in checks.items():
            missing = f"NOT EXISTS (SELECT 1 FROM {target} r WHERE r.id = t.{column})"
            cursor.execute(f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND {missing}")
            found[name.replace('"', "").replace("`", "")] = cursor.fetchone()[0]
    return found


def test_after_a_prune_nothing_refers_to_a_run_or_step_that_is_gone(workflow, small_batches):
    old = _run(workflow)
    call = _call(old)
    child = _run(workflow, parent=call)
    _run(workflow, parent=_call(child))
    kept = _run(workflow, days=1, rerun_of=old)
    endpoint = WebhookEndpoint.objects.create(workflow=workflow, node_id="hook", token="t" * 20, secret="whsec_x")
    for n, run in enumerate([old, child, kept]):
        WebhookDelivery.objects.create(endpoint=endpoint, message_id=f"m{n}", run=run)
        ScheduleSlot.objects.create(workflow=workflow, node_id="cron", slot_at=timezone.now() - timedelta(minutes=n), run=run)
    now = timezone.now()
    for run in (old, child, kept):
        fields = {"node_id": "a", "node_type": "noop", "status": "succeeded", "started_at": now, "finished_at": now}
        StepTest.objects.create(owner=workflow.owner, workflow=workflow, run=run, **fields)
    assert runs_prune(days=30, keep_last=0) == 1
    assert set(Run.objects.values_list("pk", flat=True)) == {kept.pk}
    assert set(_dangling().values()) == {0}, _dangling()
    assert WebhookDelivery.objects.count() == 1 and ScheduleSlot.objects.filter(run__isnull=False).count() == 1


def test_the_database_still_checks_a_steps_run(workflow):
    """The one reference into a run's history the database keeps checking: a step of a run
    that does not exist fails at commit (the check is deferred), with nothing written."""
    from django.db import IntegrityError, connection, transaction

    missing = (Run.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    with pytest.raises(IntegrityError), transaction.atomic():
        StepRun.objects.create(run_id=missing, node_id="a", status="succeeded")
        connection.check_constraints(table_names=[StepRun._meta.db_table])
    assert not StepRun.objects.filter(run_id=missing).exists()
