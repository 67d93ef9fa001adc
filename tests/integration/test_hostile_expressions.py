"""Hostile expressions against the real thing: daphne in the embedded mode, and Celery
worker processes. Each hostile step fails within the expression limit plus 0.5 s with a
message naming its expression; while eight run at once, the server answers `/healthz` and
`GET /api/workflows/` promptly and another user's run succeeds; a restart in the middle of
one does not freeze the server, and the step fails cleanly again."""

from __future__ import annotations

import json
import statistics
import threading
import time
from typing import Any

import httpx
import pytest

from tests.integration.http_helpers import wait_run as _wait_run
from tests.integration.server import make_server

pytestmark = pytest.mark.integration

LIMIT_S = 1.0
SLACK_S = 0.5
# What a user could type, by where it is typed: (node type, config, the expression in it).
HOSTILE: list[tuple[str, dict[str, Any], str]] = [
    ("transform", {"expression": "$sum([1..10000000])"}, "$sum([1..10000000])"),
    ("transform", {"expression": '$eval("$sum([1..10000000])")'}, '$eval("$sum([1..10000000])")'),
    ("transform", {"expression": '[1..9999999].{"k": $}'}, '[1..9999999].{"k": $}'),
    ("condition", {"expression": "$count([1..9999999]) > 0"}, "$count([1..9999999]) > 0"),
    ("condition", {"expression": "($f := function($n){ $f($n + 1) }; $f(0))"}, "($f := function($n){ $f($n + 1) }; $f(0))"),
    ("http.request", {"method": "GET", "url": 'http://127.0.0.1:9/{{ $pad("", 1e9) }}'}, '$pad("", 1e9)'),
    (
        "http.request",
        {"method": "POST", "url": "http://127.0.0.1:9/", "json": {"x": "{{ $reduce([1..9999999], function($a, $b){ $a + $b }) }}"}},
        "$reduce([1..9999999], function($a, $b){ $a + $b })",
    ),
    ("transform", {"expression": "[1..5000].([1..5000])"}, "[1..5000].([1..5000])"),
]
CATASTROPHIC = '$match("' + "a" * 31 + '!", /(a+)+$/)'


def _graph(node_type: str, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "start", "type": "trigger.manual", "config": {}, "position": {"x": 0, "y": 0}},
            {"id": "evil", "type": node_type, "config": config, "position": {"x": 200, "y": 0}},
        ],
        "edges": [{"id": "e1", "source": "start", "target": "evil"}],
    }


class Watch:
    """Times GET /healthz and GET /api/workflows/ back to back until stopped."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url, self.token = base_url, token
        self.latencies: dict[str, list[float]] = {"/healthz": [], "/api/workflows/": []}
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        with httpx.Client(base_url=self.base_url, headers={"Authorization": f"Token {self.token}"}, timeout=10) as client:
            while not self._stop.is_set():
                for path, samples in self.latencies.items():
                    started = time.monotonic()
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError as exc:
                        self.failures.append(f"{path}: {exc!r}")
                        continue
                    samples.append(time.monotonic() - started)
                    if status != 200:
                        self.failures.append(f"{path}: {status}")
                time.sleep(0.01)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(15)

    def p99(self, path: str) -> float:
        samples = sorted(self.latencies[path])
        return samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _start_workflow(client: httpx.Client, graph: dict[str, Any], name: str) -> int:
    created = client.post("/api/workflows/", json={"name": name, "graph": graph})
    assert created.status_code == 201 and created.json()["problems"] == [], created.text
    return int(created.json()["id"])


def _assert_failed_cleanly(detail: dict[str, Any], expression: str) -> dict[str, Any]:
    assert detail["status"] == "failed", detail
    step = next(s for s in detail["steps"] if s["node_id"] == "evil")
    assert step["status"] == "failed", step
    assert step["error"]["code"] in ("expression_error", "timeout"), step["error"]
    assert expression in step["error"]["message"], step["error"]
    assert "Traceback" not in json.dumps(step) and "internal_error" not in json.dumps(step)
    assert len(step["attempts"]) == 1, step["attempts"]  # evaluated once: a hostile expression is not retried
    return step


def test_eight_hostile_steps_fail_in_time_and_the_server_keeps_answering(tmp_path):
    server = make_server(tmp_path, STEPWISE_HTTP_ALLOWED_NETWORKS="127.0.0.1/32").start()
    try:
        attacker = server.create_user_with_token("attacker")
        victim = server.create_user_with_token("victim")
        with (
            httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {attacker}"}, timeout=30) as evil,
            httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {victim}"}, timeout=30) as good,
        ):
            workflows = [(_start_workflow(evil, _graph(t, c), f"evil {i}"), source) for i, (t, c, source) in enumerate(HOSTILE)]
            regex_workflow = _start_workflow(evil, _graph("transform", {"expression": CATASTROPHIC}), "regex")
            ordinary = _start_workflow(good, _graph("transform", {"expression": "'hello ' & trigger.name"}), "ordinary")
            with Watch(server.base_url, victim) as watch:
                time.sleep(0.3)
                started = [(evil.post(f"/api/workflows/{wf}/runs/", json={"input": {}}), source) for wf, source in workflows]
                assert all(r.status_code == 201 for r, _ in started), [r.text for r, _ in started]
                time.sleep(0.2)  # the eight are running now
                theirs = good.post(f"/api/workflows/{ordinary}/runs/", json={"input": {"name": "Ada"}})
                assert theirs.status_code == 201, theirs.text
                mine = _wait_run(good, theirs.json()["id"], timeout=30)
                details = [(_wait_run(evil, r.json()["id"]), source) for r, source in started]
            assert mine["status"] == "succeeded" and mine["output"] == {"evil": "hello Ada"}, mine
            durations = []
            for detail, source in details:
                step = _assert_failed_cleanly(detail, source)
                durations.append(step["duration_ms"] / 1000)
            regex = _wait_run(evil, evil.post(f"/api/workflows/{regex_workflow}/runs/", json={"input": {}}).json()["id"])
        print(
            f"\nhostile step durations: {', '.join(f'{d:.2f}' for d in durations)} s; "
            f"/healthz p99 {watch.p99('/healthz') * 1000:.0f} ms (median {statistics.median(watch.latencies['/healthz']) * 1000:.0f}), "
            f"/api/workflows/ p99 {watch.p99('/api/workflows/') * 1000:.0f} ms over {len(watch.latencies['/healthz'])} samples"
        )
        assert max(durations) < LIMIT_S + SLACK_S, durations
        assert regex["status"] == "succeeded" and regex["output"] == {"evil": None}, regex  # RE2: no match, at once
        assert watch.failures == []
        assert len(watch.latencies["/healthz"]) >= 20
        # The bar is 200 ms; asserted with room for a loaded CI machine.
        assert watch.p99("/healthz") < 0.2 * 2 and watch.p99("/api/workflows/") < 0.2 * 2
    finally:
        server.stop()


def test_a_restart_in_the_middle_of_a_hostile_step_fails_it_cleanly_again(tmp_path):
    env = {
        "STEPWISE_LEASE_S": "1",
        "STEPWISE_LEASE_GRACE_S": "1",
        "STEPWISE_EXPRESSION_TIMEOUT_MS": "3000",
        "STEPWISE_EXPRESSION_CPU_S": "3",
    }
    server = make_server(tmp_path, **env).start()
    try:
        token = server.create_user_with_token("attacker")
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}, timeout=30) as client:
            workflow = _start_workflow(client, _graph("transform", {"expression": "$sum([1..10000000])"}), "evil")
            run = client.post(f"/api/workflows/{workflow}/runs/", json={"input": {}}).json()["id"]
            deadline = time.monotonic() + 10
            while client.get(f"/api/runs/{run}/").json()["steps"][-1]["status"] != "running":
                assert time.monotonic() < deadline, "the step never ran"
                time.sleep(0.02)
            time.sleep(0.5)  # in the middle of its evaluation
            assert server.process is not None
            server.process.kill()
            server.process.wait(10)
        server.start()  # the same database: the step is still `running`, under a dead lease
        with (
            httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}, timeout=30) as client,
            Watch(server.base_url, token) as watch,
        ):
            detail = _wait_run(client, run, timeout=60)
        step = next(s for s in detail["steps"] if s["node_id"] == "evil")
        assert detail["status"] == "failed" and step["error"]["code"] == "expression_error", step
        assert "$sum([1..10000000])" in step["error"]["message"] and "3000 ms" in step["error"]["message"]
        assert watch.failures == [] and len(watch.latencies["/healthz"]) >= 5
        assert watch.p99("/healthz") < 0.2 * 2
    finally:
        server.stop()


def test_hostile_steps_fail_in_celery_mode_and_another_users_run_succeeds(celery_mode):
    from designer import services
    from engine.orchestration.runs import run_start
    from engine.store.models import Run
    from tests.engine.harness import wait_for
    from tests.factories import make_user

    attacker, victim = make_user(), make_user()
    runs = []
    for i, (node_type, config, source) in enumerate(HOSTILE):
        workflow, problems = services.workflow_create(owner=attacker, name=f"evil {i}", graph=_graph(node_type, config))
        assert problems == []
        runs.append((run_start(workflow=workflow, user=attacker, payload={}), source))
    hello = _graph("transform", {"expression": "'hello ' & trigger.name"})
    ordinary, _ = services.workflow_create(owner=victim, name="ordinary", graph=hello)
    theirs = wait_for(run_start(workflow=ordinary, user=victim, payload={"name": "Ada"}), timeout=30)
    assert theirs.status == "succeeded" and theirs.output == {"evil": "hello Ada"}
    for run, source in runs:
        run = wait_for(run, timeout=60)
        step = Run.objects.get(pk=run.pk).steps.get(node_id="evil")
        assert run.status == "failed" and step.status == "failed", (source, step.error)
        assert step.error["code"] in ("expression_error", "timeout") and source in step.error["message"], step.error
        assert len(step.attempts) == 1
        assert (step.finished_at - step.started_at).total_seconds() < LIMIT_S + SLACK_S, (source, step.started_at, step.finished_at)
