"""A workflow named on the command line, or one clear error."""

from __future__ import annotations

from django.core.management.base import CommandError

from designer.models import Workflow


def workflow_find(workflow_id: int) -> Workflow:
    workflow = Workflow.objects.filter(pk=workflow_id).select_related("owner", "active_version").first()
    if workflow is None:
        raise CommandError(f"No workflow {workflow_id}.")
    return workflow
