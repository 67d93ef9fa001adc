from __future__ import annotations

from typing import Any

from designer.models import Workflow
from engine.orchestration.runs import run_start
from engine.store.models import Run


def trigger_run_start(*, workflow: Workflow, node_id: str, payload: Any, trigger: str) -> Run:
    """A run of the workflow's active version (not its latest) from one of its trigger
    nodes, on its owner's behalf."""
    return run_start(
        workflow=workflow, user=workflow.owner, payload=payload, trigger=trigger, version=workflow.active_version, trigger_node=node_id
    )
