"""Celery tasks: thin. Safe to run twice (the claim is a conditional update)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_process_init, worker_ready

from catalog.nodes import registry
from catalog.nodes.net import http_client, ssl_context
from core import tracing
from core.connections import recycle_worker_connections
from core.logging import bound, connections_summary, get_logger
from engine.orchestration.chains import run_chain_retrying, run_together, worker_name
from engine.orchestration.evaluation import warm_evaluators
from engine.orchestration.timers import timer_fire

STEP_QUEUE = "stepwise.steps"
logger = get_logger(__name__)

# The node types (and what they import: httpx...) are loaded by the worker's parent
# process, before it forks its children: each child's first step imported them otherwise,
# some 60 ms of CPU in the middle of a run.
registry.all_types()
ssl_context()  # the CA bundle, loaded once for every child (a new client per child is then cheap)


@shared_task(name="stepwise.execute_step", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_step(step_id: int, trace: dict[str, str] | None = None) -> None:
    """`trace`: the run's trace context (core/tracing.py), when tracing is on."""
    with tracing.run_context(trace):
        run_chain_retrying(step_id, worker=worker_name())


@shared_task(name="stepwise.execute_steps", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_steps(step_ids: list[int], trace: dict[str, str] | None = None) -> None:
    """Several pure steps of one run in one message (engine.orchestration.dispatch)."""
    with tracing.run_context(trace), bound(step_ids=step_ids):
        run_together(step_ids, worker=worker_name())


@shared_task(name="stepwise.fire_timer", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def fire_timer(step_id: int, trace: dict[str, str] | None = None) -> None:
    """A waiting step's timer (a wait, an approval's timeout), delivered at its time."""
    try:
        with tracing.run_context(trace):
            timer_fire(step_id)
    finally:
        recycle_worker_connections()


@worker_process_init.connect
def warm_up(**_: object) -> None:
    """A new worker process compiles the hot path's queries before its first message, not
    during it, and starts what its steps call on (the HTTP client, the evaluators).

    It closes the connection those queries opened before it starts anything else. Celery's
    Django fixup has a receiver of this signal too, which may run after this one: it
    os.close()s the descriptor of every connection it finds open (taking it for the
    parent's) and then closes the connection, which closes that number once more. Left
    open here, the second close took a descriptor the evaluators' warm-up thread had just
    been given, and the pipes and sockets opened after it (the database's own) were closed
    under their users: EBADF, and a step run twice (tests/integration/test_worker_start.py)."""
    from django.db import connections

    from engine.store.loading import step_with_run, version_latest_lean

    step_with_run(0)
    version_latest_lean(0)
    connections.close_all()
    http_client()  # the child's pooled client, ready before its first HTTP step
    warm_evaluators()  # its expression evaluators' zygote, started in the background
    tracing.setup("stepwise-worker")  # per child: the exporter's thread does not survive a fork


@worker_ready.connect
def say_ready(sender: Any = None, **_: object) -> None:
    """The worker's start line: what it connected to (no password), how many processes
    take steps, from which queues."""
    controller = getattr(sender, "controller", None)
    queues = sorted(sender.app.amqp.queues.consume_from) if sender is not None else []
    summary = connections_summary()
    logger.info(
        "worker ready",
        broker=summary["broker"],
        database=summary["database"],
        channel_layer=summary["channel_layer"],
        concurrency=getattr(controller, "concurrency", None),
        queues=queues,
        hostname=getattr(sender, "hostname", None),
    )
