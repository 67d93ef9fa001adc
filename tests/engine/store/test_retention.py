"""Retention: by age and by count per workflow; a run in progress is never pruned; child
runs go with their parent; manage.py prune_runs."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from engine.orchestration.runs import run_start
from engine.store.models import Run, RunEvent, StepRun
from engine.store.retention import prunable, runs_prune
from tests.engine.harness import wait_for
from tests.factories import edge, make_user, make_workflow, node

QUICK = {"nodes": [node("start", "trigger.manual"), node("a", "noop")], "edges": [edge("1", "start", "a")]}
SLOW = {
    "nodes": [node("start", "trigger.manual"), node("p", "wait", {"mode": "duration", "duration_s": 3600})],
    "edges": [edge("1", "start", "p")],
}


def _age(run, days):
    Run.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(days=days), finished_at=timezone.now() - timedelta(days=days)
    )


@pytest.mark.django_db(transaction=True)
def test_old_finished_runs_go_and_a_run_in_progress_stays(embedded):
    user = make_user()
    done = [wait_for(run_start(workflow=make_workflow(user, graph=QUICK), user=user)) for _ in range(3)]
    running = wait_for(run_start(workflow=make_workflow(user, graph=SLOW), user=user), statuses={"running"})
    for run in done[:2]:
        _age(run, 40)
    Run.objects.filter(pk=running.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert prunable(days=30, keep_last=0) == sorted(r.pk for r in done[:2])
    assert runs_prune(days=30, keep_last=0) == 2
    assert set(Run.objects.values_list("pk", flat=True)) == {done[2].pk, running.pk}
    assert not StepRun.objects.filter(run_id__in=[r.pk for r in done[:2]]).exists()
    assert not RunEvent.objects.filter(run_id__in=[r.pk for r in done[:2]]).exists()


@pytest.mark.django_db(transaction=True)
def test_only_the_newest_n_per_workflow_are_kept(embedded):
    user = make_user()
    first, second = make_workflow(user, graph=QUICK), make_workflow(user, graph=QUICK)
    runs = [wait_for(run_start(workflow=first, user=user)) for _ in range(4)]
    other = wait_for(run_start(workflow=second, user=user))
    assert prunable(days=0, keep_last=2) == sorted(r.pk for r in runs[:2])
    out = StringIO()
    call_command("prune_runs", "--keep-last", "2", "--days", "0", stdout=out)
    assert "2 run(s) deleted" in out.getvalue()
    assert set(Run.objects.values_list("pk", flat=True)) == {runs[2].pk, runs[3].pk, other.pk}


@pytest.mark.django_db(transaction=True)
def test_child_runs_go_with_their_parent_and_the_dry_run_deletes_nothing(embedded):
    user = make_user()
    sub = make_workflow(user, graph=QUICK)
    parent = make_workflow(
        user,
        graph={
            "nodes": [node("start", "trigger.manual"), node("each", "map", {"workflow_id": sub.pk, "items": [1, 2]})],
            "edges": [edge("1", "start", "each")],
        },
    )
    run = wait_for(run_start(workflow=parent, user=user))
    assert Run.objects.filter(parent_step__run=run).count() == 2
    _age(run, 100)
    Run.objects.filter(parent_step__run=run).update(finished_at=timezone.now() - timedelta(days=100))
    assert prunable(days=30, keep_last=0) == [run.pk]  # children are not listed on their own
    out = StringIO()
    call_command("prune_runs", "--dry-run", "--days", "30", stdout=out)
    assert "1 run(s) would be deleted" in out.getvalue() and Run.objects.count() == 3
    call_command("prune_runs", "--days", "30", stdout=StringIO())
    assert Run.objects.count() == 0


def test_step_tests_older_than_the_days_go_too(db):
    from engine.store.step_tests import StepTest, step_test_record

    user = make_user()
    workflow = make_workflow(user, graph=QUICK)
    now = timezone.now()

    def tested(days_ago):
        at = now - timedelta(days=days_ago)
        return step_test_record(
            owner_id=user.pk, workflow=workflow, node_id="start", node_type="trigger.manual", run_id=None, inputs={},
            config={}, output={}, ports=["out"], error=None, started_at=at, finished_at=at,
        )  # fmt: skip

    old, recent = tested(100), tested(10)
    out = StringIO()
    call_command("prune_runs", "--dry-run", "--days", "30", stdout=out)
    assert "1 step test(s) would be deleted" in out.getvalue() and StepTest.objects.count() == 2
    call_command("prune_runs", "--days", "0", stdout=StringIO())
    assert StepTest.objects.count() == 2  # 0: no age limit
    call_command("prune_runs", "--days", "30", stdout=out)
    assert list(StepTest.objects.values_list("pk", flat=True)) == [recent.pk] and old.pk != recent.pk
