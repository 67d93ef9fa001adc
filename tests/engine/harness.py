"""Shared by the engine tests: a local HTTP ledger that records every call (and can fail on
demand), and helpers to start a fixture workflow and wait for its run."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from designer import services
from engine.orchestration import execute
from engine.orchestration.runs import run_start
from engine.store.models import Run, StepRun
from engine.store.statuses import RUN_TERMINAL
from tests.factories import GOLDEN


class Ledger:
    """Records (path, Idempotency-Key) of every request. /status/<code> answers that code;
    /flaky/<n> fails with 503 the first n times per Idempotency-Key, then answers 200;
    /after/<s>/<n> likewise, with `Retry-After: <s>`; /slow/<s> answers after s seconds,
    /slowfirst/<s> only on a key's first call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.per_key: Counter[str] = Counter()
        self.lock = threading.Lock()
        ledger = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                key = self.headers.get("Idempotency-Key", "")
                with ledger.lock:
                    ledger.calls.append({"path": self.path, "key": key, "body": body.decode()})
                    ledger.per_key[key] += 1
                    count = ledger.per_key[key]
                parts = self.path.strip("/").split("/")
                status = 200
                if parts[0] in ("sleep", "slow") or (parts[0] == "slowfirst" and count == 1):
                    time.sleep(float(parts[1]))
                if parts[0] == "status":
                    status = int(parts[1])
                elif (parts[0] == "flaky" and count <= int(parts[1])) or (parts[0] == "after" and count <= int(parts[2])):
                    status = 503
                payload = json.dumps({"calls": count, "path": self.path}).encode()
                self.send_response(status)
                if parts[0] == "after" and status == 503:
                    self.send_header("Retry-After", parts[1])
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Ledger:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def load_golden(name: str, base: str = "http://127.0.0.1:1") -> dict[str, Any]:
    text = (GOLDEN / f"{name}.json").read_text().replace("$BASE", base)
    return json.loads(text)


def golden_names() -> list[str]:
    return sorted(p.stem for p in GOLDEN.glob("*.json"))


def start_golden(name: str, user: Any, base: str) -> Run:
    """Create the fixture's workflow (and its `subworkflows` first, in order: "$WF:<name>"
    in a graph stands for that sub-workflow's id) and start a run of it."""
    fixture = load_golden(name, base)
    ids: dict[str, int] = {}

    def create(label: str, graph: dict[str, Any]) -> Any:
        text = json.dumps(graph)
        for sub, pk in ids.items():
            text = text.replace(f'"$WF:{sub}"', str(pk))
        workflow, problems = services.workflow_create(owner=user, name=label, graph=json.loads(text))
        assert problems == [], (label, problems)
        return workflow

    for sub, graph in fixture.get("subworkflows", {}).items():
        ids[sub] = create(f"{name}/{sub}", graph).pk
    return run_start(workflow=create(name, fixture["graph"]), user=user, payload=fixture["input"])


def run_golden(name: str, user: Any, base: str, timeout: float = 20) -> Run:
    """Start a golden workflow, do its `actions` (approve or reject a waiting approval,
    cancel the run) when their step reaches the given status, and wait for the run's end."""
    from engine.orchestration.cancel import run_cancel
    from engine.orchestration.control import step_decide

    run = start_golden(name, user, base)
    for action in load_golden(name).get("actions", []):
        wait_for_step(run, action["when"]["node"], action["when"]["status"], timeout=timeout)
        if action["do"] == "cancel":
            run_cancel(run=run)
        else:
            approve = action["do"] == "approve"
            step_decide(
                run=run,
                node_id=action["when"]["node"],
                approve=approve,
                user=user,
                comment=action.get("comment", ""),
                payload=action.get("payload"),
            )
    return wait_for(run, timeout=timeout)


def wait_for(run: Run, *, statuses: frozenset[str] | set[str] = RUN_TERMINAL, timeout: float = 20) -> Run:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in statuses:
            return run
        time.sleep(0.02)
    raise AssertionError(f"run {run.pk} is still {run.status} after {timeout} s: {list(run.steps.values_list('node_id', 'status'))}")


def wait_for_step(run: Run, node_id: str, status: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run.steps.filter(node_id=node_id, status=status).exists():
            return
        time.sleep(0.02)
    raise AssertionError(f"step {node_id} of run {run.pk} never became {status}: {list(run.steps.values_list('node_id', 'status'))}")


def step_execute(step_id: int, *, worker: str) -> list[int]:
    """Claim and run one step, as a worker's message would (without chaining); the ids of
    the steps that became ready."""
    step = StepRun.objects.select_related("run").filter(pk=step_id).first()
    claimed = execute.claim(step, worker) if step is not None else None
    return execute.run_claimed(claimed).ready if claimed is not None else []


def step_run_claimed(step_id: int, *, token: str) -> list[int]:
    """Run a step this test claimed with `token` and record the outcome (fenced)."""
    return execute.run_claimed(execute.Claimed(StepRun.objects.select_related("run").get(pk=step_id), token)).ready
