"""Celery tasks: thin. Safe to run twice (the claim is a conditional update)."""

from __future__ import annotations

from celery import shared_task

from engine.orchestration.execute import run_chain_retrying, run_together, worker_name

STEP_QUEUE = "stepwise.steps"


@shared_task(name="stepwise.execute_step", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_step(step_id: int) -> None:
    run_chain_retrying(step_id, worker=worker_name())


@shared_task(name="stepwise.execute_steps", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_steps(step_ids: list[int]) -> None:
    """Several pure steps of one run in one message (engine.orchestration.dispatch)."""
    run_together(step_ids, worker=worker_name())
