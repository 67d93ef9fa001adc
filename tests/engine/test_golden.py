"""Golden workflows (tests/fixtures/workflows/*.json) run end to end in the embedded mode:
real threads, real database, a local HTTP ledger; statuses, outputs, errors asserted."""

import time

import pytest

from engine.store.models import Run, RunEvent
from tests.engine.harness import golden_names, load_golden, run_golden
from tests.factories import make_user


@pytest.mark.parametrize("name", golden_names())
def test_golden_workflow_embedded(name, embedded, ledger):
    user = make_user()
    expect = load_golden(name)["expect"]
    started = time.monotonic()
    run = run_golden(name, user, ledger.base)
    assert run.status == expect["run"], (run.error, list(run.steps.values_list("node_id", "status", "error")))
    steps = {s.node_id: s for s in run.steps.all()}
    for node_id, status in expect.get("steps", {}).items():
        assert steps[node_id].status == status, (node_id, steps[node_id].status, steps[node_id].error)
    for node_id in expect.get("absent", []):
        assert node_id not in steps
    for node_id, output in expect.get("outputs", {}).items():
        assert steps[node_id].output == output, node_id
    for node_id, ports in expect.get("ports", {}).items():
        assert steps[node_id].ports == ports
    for node_id, error in expect.get("errors", {}).items():
        assert {k: steps[node_id].error.get(k) for k in error} == error
    for node_id, fragment in expect.get("error_contains", {}).items():
        assert fragment in steps[node_id].error["message"]
    for node_id, config in expect.get("inputs", {}).items():
        assert steps[node_id].input == config
    for node_id, attempts in expect.get("attempts", {}).items():
        assert steps[node_id].attempt == attempts and len(steps[node_id].attempts) == attempts
    if "order" in expect:
        finished = sorted((s for s in steps.values() if s.node_id in expect["order"]), key=lambda s: s.finished_at)
        assert [s.node_id for s in finished] == expect["order"]
    if "run_output" in expect:
        assert run.output == expect["run_output"]
    if "run_error" in expect:
        assert {k: run.error.get(k) for k in expect["run_error"]} == expect["run_error"]
    for node_id, expected in expect.get("children", {}).items():
        children = list(Run.objects.filter(parent_step=steps[node_id]).order_by("item_index", "id"))
        assert [c.status for c in children] == [c["status"] for c in expected], node_id
        for child, wanted in zip(children, expected, strict=True):
            assert child.depth == run.depth + 1 and child.owner_id == run.owner_id and child.trigger == "subworkflow"
            if "input" in wanted:
                assert child.input == wanted["input"]
    for node_id, items in expect.get("item_outputs", {}).items():
        output = steps[node_id].output
        assert len(output) == len(items)
        for got, wanted in zip(output, items, strict=True):
            assert {k: got.get(k) for k in wanted} == wanted, (got, wanted)
    for node_id, limit in expect.get("max_children_in_flight", {}).items():
        spans = Run.objects.filter(parent_step=steps[node_id]).values_list("started_at", "finished_at")
        points = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans], key=lambda p: (p[0], p[1]))
        level = peak = 0
        for _, delta in points:
            level += delta
            peak = max(peak, level)
        assert peak == limit, (node_id, peak)
    if "min_seconds" in expect:
        assert time.monotonic() - started >= expect["min_seconds"]
    if "same_idempotency_key" in expect:
        node_id = expect["same_idempotency_key"]
        keys = {c["key"] for c in ledger.calls}
        assert keys == {f"{run.pk}:{node_id}:0"}
    # The event log is gap-free and tells the whole story: every step's final status is its last event.
    events = list(RunEvent.objects.filter(run=run).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    last = {}
    for event in events:
        if event.kind == "step":
            last[event.node_id] = event.status
    assert last == {node_id: step.status for node_id, step in steps.items()}
    assert events[-1].kind == "run" and events[-1].status == run.status
