"""Fan-in in production mode, with no tick to rescue anything: 200 runs whose 4-6 parallel
HTTP branches finish within the same few milliseconds, into `join all`, `join any`, and a
condition whose branches reconverge, on PostgreSQL with two Celery worker processes of
concurrency 4. Every run ends by itself, each join is created once, no worker logs an
IntegrityError, and no idempotency key reaches the ledger twice."""

import time
from collections import Counter

import pytest

from designer import services
from engine.orchestration.runs import run_start
from engine.store.models import Run, StepRun
from engine.store.statuses import RUN_TERMINAL
from tests.engine.harness import Ledger
from tests.factories import make_user
from tests.integration.celery_mode import CeleryMode

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def _http(node_id: str) -> dict:
    return {"id": node_id, "type": "http.request", "config": {"method": "POST", "url": "{{ vars.base }}/slow/0.05", "json": {}}}


def _fan(base: str, width: int, join: dict, *, condition: bool = False) -> dict:
    """start -> b0..b{width-1} (HTTP) -> j (join) -> after. With `condition`, the branches
    hang off the condition's true port and a false branch `f` (skipped) joins them too."""
    nodes = [{"id": "start", "type": "trigger.manual", "config": {}}, {"id": "j", "type": "join", "config": join}]
    nodes.append({"id": "after", "type": "transform", "config": {"expression": "$count($keys(steps.j.output))"}})
    edges = [{"id": "ja", "source": "j", "target": "after"}]
    head, port = "start", "out"
    if condition:
        nodes += [
            {"id": "c", "type": "condition", "config": {"expression": "trigger.n >= 0"}},
            {"id": "f", "type": "noop", "config": {}},
        ]
        edges += [
            {"id": "sc", "source": "start", "target": "c"},
            {"id": "cf", "source": "c", "source_port": "false", "target": "f"},
            {"id": "fj", "source": "f", "target": "j"},
        ]
        head, port = "c", "true"
    for i in range(width):
        nodes.append(_http(f"b{i}"))
        edges += [
            {"id": f"h{i}", "source": head, "source_port": port, "target": f"b{i}"},
            {"id": f"t{i}", "source": f"b{i}", "target": "j"},
        ]
    return {"vars": {"base": base}, "nodes": nodes, "edges": edges}


SHAPES = {
    "join_all": ({"mode": "all"}, 6, False, 80),
    "join_any": ({"mode": "any"}, 4, False, 60),
    "reconverge": ({"mode": "all"}, 4, True, 60),
}


def test_fan_in_under_concurrency_needs_no_tick(transactional_db, tmp_path, settings):
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher

    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    mode = CeleryMode(tmp_path, workers=4)
    previous = get_dispatcher()
    runs: dict[str, list[Run]] = {}
    with Ledger() as ledger:
        try:
            mode.start(tick=False)
            mode.start_worker("w2")
            set_dispatcher(CeleryDispatcher())
            user = make_user()
            for name, (join, width, condition, _count) in SHAPES.items():
                workflow, problems = services.workflow_create(
                    owner=user, name=name, graph=_fan(ledger.base, width, join, condition=condition)
                )
                assert problems == []
                runs[name] = []
            for i in range(max(count for *_, count in SHAPES.values())):
                for name, (*_, count) in SHAPES.items():
                    if i < count:
                        workflow = user.workflows.get(name=name)
                        runs[name].append(run_start(workflow=workflow, user=user, payload={"n": i}))
            every = [run.pk for group in runs.values() for run in group]
            assert len(every) >= 200
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and Run.objects.filter(pk__in=every).exclude(status__in=RUN_TERMINAL).exists():
                time.sleep(0.2)
        finally:
            set_dispatcher(previous)
            mode.stop()
        logs = "".join(path.read_text(errors="replace") for path in tmp_path.glob("worker-*.log"))
        statuses = Counter(Run.objects.filter(pk__in=every).values_list("status", flat=True))
        stuck = list(Run.objects.filter(pk__in=every).exclude(status="succeeded").values_list("id", "status")[:10])
        print(f"\nfan-in: {len(every)} runs {dict(statuses)}; ledger calls {len(ledger.calls)}")
        assert statuses == {"succeeded": len(every)}, (
            stuck,
            [list(StepRun.objects.filter(run_id=r).values_list("node_id", "status")) for r, _ in stuck[:3]],
        )
        joins = Counter(StepRun.objects.filter(run_id__in=every, node_id="j").values_list("run_id", flat=True))
        assert set(joins) == set(every) and set(joins.values()) == {1}
        assert "IntegrityError" not in logs and "deadlock" not in logs.lower(), logs[-3000:]
        per_key = Counter(call["key"] for call in ledger.calls)
        expected = sum(count * width for _join, width, _c, count in SHAPES.values())
        assert len(per_key) == expected and max(per_key.values()) == 1, [k for k, n in per_key.items() if n > 1][:10]
