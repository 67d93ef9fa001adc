"""Traces (OpenTelemetry), off by default: on when OTEL_EXPORTER_OTLP_ENDPOINT is set, then
exported over OTLP/HTTP, with Django, Celery, psycopg and httpx instrumented. Off, nothing
of OpenTelemetry is imported and every function here returns at once.

One trace per run: `run_span` opens its root span when the run starts; the root's context
(a W3C traceparent) is what `carrier()` gives while a run is started or one of its steps
runs, and what a step's message carries (engine/dispatch/); the worker puts it back
(`run_context`) and each step is a span of its own under the run's root (`step_span`),
wherever and whenever it runs. docs/logging.md says what an operator sees."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer

TRACER_NAME = "stepwise"

# The run's root span context while one of its steps runs (or the run starts): what the
# messages of the steps sent meanwhile carry.
_run_trace: ContextVar[dict[str, str] | None] = ContextVar("stepwise_run_trace", default=None)
_state: dict[str, Any] = {"checked": False, "tracer": None}


def setup(service: str) -> bool:
    """At a process's start (web, worker, tick): with OTEL_EXPORTER_OTLP_ENDPOINT set,
    export spans over OTLP/HTTP as `service` and instrument the libraries. True if on."""
    from django.conf import settings

    if _state["checked"]:
        return _state["tracer"] is not None
    _state["checked"] = True
    if not getattr(settings, "OTEL_EXPORTER_OTLP_ENDPOINT", None):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and _HEADERS...) itself.
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    _install(provider, instrument=True)
    return True


def use_provider(provider: TracerProvider | None) -> None:
    """Trace into this provider (a test's, with an in-memory exporter), or stop (None)."""
    _state["checked"] = True
    _state["tracer"] = None if provider is None else provider.get_tracer(TRACER_NAME)


def _install(provider: TracerProvider, *, instrument: bool) -> None:
    from opentelemetry import trace

    trace.set_tracer_provider(provider)
    _state["tracer"] = provider.get_tracer(TRACER_NAME)
    if instrument:
        _instrument()


def _instrument() -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    DjangoInstrumentor().instrument()
    CeleryInstrumentor().instrument()  # type: ignore[no-untyped-call]  # the package has no annotation on it
    PsycopgInstrumentor().instrument(enable_commenter=False)
    HTTPXClientInstrumentor().instrument()


def _tracer() -> Tracer | None:
    if not _state["checked"]:
        setup("stepwise")
    tracer: Tracer | None = _state["tracer"]
    return tracer


def enabled() -> bool:
    return _tracer() is not None


def carrier() -> dict[str, str] | None:
    """The current run's trace context, for a step's message (None: tracing is off, or no
    run is at hand)."""
    return _run_trace.get()


def traceparent() -> str | None:
    """The current run's root span as a W3C traceparent, to keep with the run (None when
    tracing is off): a step whose message came without the context joins the run's trace
    by it (`step_span`'s `trace`)."""
    context = _run_trace.get()
    return context.get("traceparent") if context else None


@contextlib.contextmanager
def run_context(trace: dict[str, str] | None) -> Iterator[None]:
    """While a message's steps run: the run's trace context that came with it."""
    if trace is None:
        yield
        return
    token = _run_trace.set(trace)
    try:
        yield
    finally:
        _run_trace.reset(token)


class RunSpan:
    """The root span of a run being started; `run_id` is set once the run exists."""

    def __init__(self, span: Any = None) -> None:
        self._span = span

    def started(self, run_id: int) -> None:
        if self._span is not None:
            self._span.set_attribute("stepwise.run_id", run_id)


@contextlib.contextmanager
def run_span(*, workflow_id: int, trigger: str) -> Iterator[RunSpan]:
    """The root span of a run's trace, around its start: the steps it dispatches carry its
    context. A request that starts the run is linked to it, not its parent: a run is a
    trace of its own."""
    tracer = _tracer()
    if tracer is None:
        yield RunSpan()
        return
    from opentelemetry import trace
    from opentelemetry.context import Context
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    current = trace.get_current_span().get_span_context()
    links = [trace.Link(current)] if current.is_valid else []
    attributes: dict[str, str | int] = {"stepwise.workflow_id": workflow_id, "stepwise.trigger": trigger}
    with tracer.start_as_current_span("stepwise.run", context=Context(), links=links, attributes=attributes) as span:
        context: dict[str, str] = {}
        TraceContextTextMapPropagator().inject(context)
        token = _run_trace.set(context)
        try:
            yield RunSpan(span)
        finally:
            _run_trace.reset(token)


@contextlib.contextmanager
def step_span(
    *,
    run_id: int,
    node_id: str,
    step_id: int | None = None,
    workflow_id: int | None = None,
    inline: bool = False,
    trace: str | None = None,
) -> Iterator[None]:
    """A step's span, a child of its run's root: the context its message carried or, when
    it came without one (a step the tick sent again, a run resumed from the API), the run's
    own (`trace`, the traceparent kept with the run), which the steps it sends then carry."""
    tracer = _tracer()
    if tracer is None:
        yield
        return
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carried = _run_trace.get() or ({"traceparent": trace} if trace else None)
    parent = TraceContextTextMapPropagator().extract(carried or {})
    token = _run_trace.set(carried)
    attributes: dict[str, Any] = {"stepwise.run_id": run_id, "stepwise.node_id": node_id, "stepwise.inline": inline}
    if step_id is not None:
        attributes["stepwise.step_id"] = step_id
    if workflow_id is not None:
        attributes["stepwise.workflow_id"] = workflow_id
    try:
        with tracer.start_as_current_span(f"stepwise.step {node_id}", context=parent, attributes=attributes):
            yield
    finally:
        _run_trace.reset(token)
