"""A Celery pool process starts clean. Celery's Django fixup has a worker_process_init
receiver of its own that os.close()s the descriptor of every database connection it finds
open (taking it for the parent's) and then closes the connection: a connection opened by a
receiver of ours that ran first had its descriptor closed twice, the second time after the
expression evaluators' warm-up thread had been given the same number for a pipe. Seen: the
warm-up failed with EBADF, a later step's database call failed on a closed socket and the
step ran twice (the hostile-expression test in Celery mode, one fresh CI run in three)."""

from __future__ import annotations

import pytest
from django.db import connections

from tests.integration.test_hostile_expressions import HOSTILE, _graph

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
CHILDREN = 4


def test_warm_up_leaves_no_connection_for_the_django_fixup_to_close(transactional_db):
    from engine.tasks import warm_up

    connections.close_all()
    warm_up()
    still_open = [c.alias for c in connections.all(initialized_only=True) if c.connection is not None]
    assert still_open == []


def test_pool_processes_start_without_closing_each_others_descriptors(transactional_db, tmp_path):
    from designer import services
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher
    from engine.orchestration.runs import run_start
    from engine.store.models import Run
    from tests.engine.harness import wait_for
    from tests.factories import make_user
    from tests.integration.celery_mode import CeleryMode

    mode, previous = CeleryMode(tmp_path, workers=CHILDREN), get_dispatcher()
    try:
        mode.start()
        set_dispatcher(CeleryDispatcher())
        user = make_user()
        node_type, config, _ = HOSTILE[0]  # an evaluator that its CPU limit ends, in every child
        runs = []
        for i in range(CHILDREN):
            workflow, _ = services.workflow_create(owner=user, name=f"cpu {i}", graph=_graph(node_type, config))
            runs.append(run_start(workflow=workflow, user=user, payload={}))
        for run in runs:
            run = wait_for(run, timeout=60)
            step = Run.objects.get(pk=run.pk).steps.get(node_id="evil")
            assert step.status == "failed" and len(step.attempts) == 1, step.attempts
    finally:
        set_dispatcher(previous)
        mode.stop()
    log = (tmp_path / "worker-w1.log").read_text()
    assert "Bad file descriptor" not in log and "could not start the expression evaluators" not in log, log
