"""Retention over a large history on PostgreSQL: prune_runs deletes 700,000 runs in one call
(it used to bind every id in one statement and fail past 65,535: "number of parameters must
be between 0 and 65535"), keeps what is recent or unfinished, and counts exactly."""

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bench.history_seed import seed_runs
from engine.store.models import Run, RunEvent, StepRun
from tests.factories import make_user, make_workflow

OLD = 700_000
RECENT = 3_000
OLD_RUNNING = 300


def _run(workflow, **fields):
    version = workflow.versions.get()
    return Run.objects.create(owner=workflow.owner, workflow=workflow, version=version, graph_hash="x", **fields)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # each batch commits, as in production
def test_prune_runs_deletes_700000_runs_in_one_call_and_nothing_recent_or_unfinished():
    user = make_user()
    workflow = make_workflow(user)
    pairs = [(workflow.pk, workflow.versions.get().pk)]
    now = timezone.now()
    with connection.cursor() as cursor:
        # Finished 31 to 200 days ago; recent (finished within 29 days); old but running.
        seed_runs(cursor, owner=user.pk, workflows=pairs, total=OLD, now=now - timedelta(days=31), span_days=169, steps=1, events=1)
        seed_runs(cursor, owner=user.pk, workflows=pairs, total=RECENT, now=now, span_days=29, steps=1, events=1)
        seed_runs(
            cursor, owner=user.pk, workflows=pairs, total=OLD_RUNNING, now=now - timedelta(days=60), span_days=30, steps=1,
            events=1, running=OLD_RUNNING,
        )  # fmt: skip
    long_ago = now - timedelta(days=100)
    # An old finished run whose child still runs waits for it; an old finished tree goes whole.
    busy = _run(workflow, status="succeeded", created_at=long_ago, finished_at=long_ago)
    busy_step = StepRun.objects.create(run=busy, node_id="call", status="running")
    child = _run(workflow, status="running", parent_step=busy_step, root=busy, depth=1)
    done = _run(workflow, status="failed", created_at=long_ago, finished_at=long_ago)
    done_step = StepRun.objects.create(run=done, node_id="call", status="succeeded")
    done_child = _run(workflow, status="succeeded", parent_step=done_step, root=done, depth=1, finished_at=long_ago)
    # A recent rerun of a pruned run stays, its link to the pruned run cleared.
    rerun = _run(workflow, status="succeeded", finished_at=now, rerun_of=done)
    Run.objects.filter(pk__in=[busy.pk, done.pk, done_child.pk]).update(created_at=long_ago)
    assert Run.objects.filter(finished_at__lt=now - timedelta(days=30)).count() > 65_535

    out = StringIO()
    started = time.perf_counter()
    call_command("prune_runs", "--days", "30", "--keep-last", "0", stdout=out)
    print(f"prune_runs: {OLD + 1} runs in {time.perf_counter() - started:.1f} s")  # the figure, with -s; not asserted

    assert f"{OLD + 1} run(s) deleted." in out.getvalue()
    kept = RECENT + OLD_RUNNING + 3  # the busy run, its child and the rerun
    assert Run.objects.count() == kept
    assert set(Run.objects.filter(pk__in=[busy.pk, child.pk, rerun.pk, done.pk, done_child.pk]).values_list("pk", flat=True)) == {
        busy.pk,
        child.pk,
        rerun.pk,
    }
    assert not Run.objects.filter(finished_at__lt=now - timedelta(days=30)).exclude(pk=busy.pk).exists()
    assert Run.objects.filter(status="running", finished_at__isnull=True).count() == OLD_RUNNING + 1
    assert Run.objects.get(pk=rerun.pk).rerun_of_id is None
    assert StepRun.objects.count() == RECENT + OLD_RUNNING + 1  # the busy run's step
    assert RunEvent.objects.count() == RECENT + OLD_RUNNING
    assert not StepRun.objects.filter(run_id__in=[done.pk, done_child.pk]).exists()
