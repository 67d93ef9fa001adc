"""Traces (core/tracing.py) with the SDK's in-memory exporter (no network): one trace per
run, its root span the run's, one span per step under it, the context carried by the
steps' messages across the embedded mode's threads."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core import tracing
from designer import services
from engine.orchestration.runs import run_start
from tests.engine.harness import wait_for
from tests.engine.test_logs import three_steps
from tests.factories import make_user


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    try:
        yield exporter
    finally:
        tracing.use_provider(None)


def test_a_run_is_one_trace_of_its_root_span_and_one_span_per_step(embedded, ledger, spans):
    user = make_user()
    workflow, _ = services.workflow_create(owner=user, name="traced", graph=three_steps(ledger.base))
    run = wait_for(run_start(workflow=workflow, user=user, payload={}))
    embedded.stop()  # its threads are done: a step's span ends after the run's end is committed
    assert run.status == "succeeded"
    finished = spans.get_finished_spans()
    (root,) = [span for span in finished if span.name == "stepwise.run"]
    steps = [span for span in finished if span.name.startswith("stepwise.step")]
    assert root.parent is None
    assert root.attributes["stepwise.run_id"] == run.pk and root.attributes["stepwise.workflow_id"] == workflow.pk
    assert {span.context.trace_id for span in finished} == {root.context.trace_id}
    assert sorted(span.attributes["stepwise.node_id"] for span in steps) == ["call", "done", "shape"]
    for span in steps:
        assert span.parent.span_id == root.context.span_id  # each step under the run, not under the step before
        assert span.attributes["stepwise.run_id"] == run.pk
    call = next(span for span in steps if span.attributes["stepwise.node_id"] == "call")
    assert call.attributes["stepwise.step_id"] == run.steps.get(node_id="call").pk


def test_two_runs_are_two_traces(embedded, ledger, spans):
    user = make_user()
    workflow, _ = services.workflow_create(owner=user, name="traced", graph=three_steps(ledger.base))
    first, second = (wait_for(run_start(workflow=workflow, user=user, payload={})) for _ in range(2))
    embedded.stop()
    by_run: dict[int, set[int]] = {}
    for span in spans.get_finished_spans():
        by_run.setdefault(span.attributes["stepwise.run_id"], set()).add(span.context.trace_id)
    assert len(by_run[first.pk]) == len(by_run[second.pk]) == 1
    assert by_run[first.pk] != by_run[second.pk]


def test_the_celery_message_of_a_step_carries_the_runs_trace(monkeypatch):
    """What a Celery worker gets: the run's traceparent in the step message's kwargs."""
    from engine import tasks
    from engine.dispatch.celery import CeleryDispatcher

    sent = []
    monkeypatch.setattr(tasks.execute_steps, "apply_async", lambda **message: sent.append(message))
    trace = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    with tracing.run_context(trace):
        CeleryDispatcher().send([1, 2], together=True)
    CeleryDispatcher().send([3], together=True)
    assert sent[0]["kwargs"] == {"trace": trace}
    assert sent[1]["kwargs"] == {}  # tracing off or no run at hand: the message is as before


def test_off_by_default_nothing_is_traced():
    assert tracing.enabled() is False
    assert tracing.carrier() is None
    with tracing.run_span(workflow_id=1, trigger="manual") as span:
        span.started(1)
        assert tracing.carrier() is None


def test_with_an_endpoint_set_the_web_process_exports_its_spans_over_otlp(tmp_path):
    """OTEL_EXPORTER_OTLP_ENDPOINT on: config.asgi sets tracing up (and instruments the
    libraries) before Django loads; a run's root span reaches the collector's
    /v1/traces as OTLP protobuf. The collector is a local HTTP server."""
    import os
    import subprocess
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from pathlib import Path

    received = []

    class Collector(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"] or 0))
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = (
        "import config.asgi\n"
        "from core import tracing\n"
        "from opentelemetry import trace\n"
        "assert tracing.enabled()\n"
        "with tracing.run_span(workflow_id=7, trigger='manual') as span:\n"
        "    span.started(42)\n"
        "trace.get_tracer_provider().shutdown()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env.update(
        STEPWISE_VAR_DIR=str(tmp_path),
        CELERY_BROKER_URL="memory://",
        LOG_FORMAT="json",
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{server.server_address[1]}",
    )
    root = Path(__file__).resolve().parents[2]
    try:
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=root, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert '"tracing": true' in result.stderr
    (path, content_type, body), *_ = received
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    assert b"stepwise.run" in body and b"stepwise-web" in body


@pytest.mark.parametrize("pure", [True, False], ids=["inline", "executor"])
def test_a_step_sent_again_without_the_context_joins_its_runs_trace(transactional_db, collecting, spans, pure, request):
    """The tick's resend of a due step, a run resumed from the API: the message has no
    trace context. The step's span is still under the run's root, by the traceparent kept
    with the run, and so are the steps it sends on (a pure step is run inline, another
    by the executor)."""
    from catalog.nodes import registry
    from engine.orchestration.chains import run_chain_retrying
    from tests.engine.policy_nodes import Punctual
    from tests.engine.test_inline import chain

    if not pure:
        registry.register(Punctual)
        request.addfinalizer(lambda: registry.unregister(Punctual.type))
    user = make_user()
    graph = chain(2, "noop" if pure else Punctual.type)
    workflow, _ = services.workflow_create(owner=user, name="traced", graph=graph)
    run = run_start(workflow=workflow, user=user, payload={})
    (root,) = [span for span in spans.get_finished_spans() if span.name == "stepwise.run"]
    run.refresh_from_db()
    assert run.trace and f"{root.context.trace_id:032x}" in run.trace
    assert tracing.carrier() is None  # what the tick (or a request) has at hand
    while collecting.sent:
        run_chain_retrying(collecting.sent.pop(0), worker="w")
    run.refresh_from_db()
    assert run.status == "succeeded"
    steps = [span for span in spans.get_finished_spans() if span.name.startswith("stepwise.step")]
    assert sorted(span.attributes["stepwise.node_id"] for span in steps) == ["s0", "s1"]
    for span in steps:
        assert span.context.trace_id == root.context.trace_id
        assert span.parent.span_id == root.context.span_id


def test_tracing_off_keeps_no_trace_with_the_run(transactional_db, collecting):
    from tests.engine.test_inline import chain

    user = make_user()
    workflow, _ = services.workflow_create(owner=user, name="untraced", graph=chain(1))
    run = run_start(workflow=workflow, user=user, payload={})
    run.refresh_from_db()
    assert run.trace is None
