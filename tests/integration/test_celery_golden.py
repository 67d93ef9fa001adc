"""The golden workflows again, in the production mode: Celery worker processes over Redis
and an engine_tick process, on the same database. Same statuses, outputs and errors as
the embedded mode."""

import pytest

from engine.store.models import RunEvent
from tests.engine.harness import golden_names, load_golden, run_golden
from tests.factories import make_user

pytestmark = pytest.mark.integration


def test_golden_workflows_in_celery_mode(celery_mode, ledger):
    user = make_user()
    for name in golden_names():
        expect = load_golden(name)["expect"]
        run = run_golden(name, user, ledger.base, timeout=30)
        assert run.status == expect["run"], (name, run.error, list(run.steps.values_list("node_id", "status", "error")))
        steps = {s.node_id: s for s in run.steps.all()}
        for node_id, status in expect.get("steps", {}).items():
            assert steps[node_id].status == status, (name, node_id, steps[node_id].error)
        for node_id, output in expect.get("outputs", {}).items():
            assert steps[node_id].output == output, (name, node_id)
        for node_id, attempts in expect.get("attempts", {}).items():
            assert steps[node_id].attempt == attempts, (name, node_id)
        workers = {e.data.get("worker", "").split(":")[1] for e in RunEvent.objects.filter(run=run, kind="step", status="running")}
        assert workers and all(w.isdigit() for w in workers)  # executed in the worker processes, not here
        import os

        assert str(os.getpid()) not in workers
