from datetime import timedelta

from django.utils import timezone

from catalog.nodes.base import NodeResult, NodeType, StepContext, literal, obj
from catalog.nodes.registry import register


@register
class Approval(NodeType):
    type = "approval"
    title = "Approval"
    category = "Flow"
    description = "Waits for a person to approve or reject, optionally with a timeout."
    output_ports = ("approved", "rejected")
    config_schema = obj(
        {
            "message": {"type": "string", "title": "Message to the approver"},
            "timeout_s": literal({"type": "number", "exclusiveMinimum": 0, "title": "Timeout (s)"}),
            "on_timeout": literal({"enum": ["reject", "fail"], "title": "On timeout"}),
        }
    )
    default_config = {"message": "Please approve", "on_timeout": "fail"}

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        timeout = ctx.config.get("timeout_s")
        until = timezone.now() + timedelta(seconds=float(timeout)) if timeout else None
        return NodeResult(output={"message": ctx.config.get("message", "")}, wait_until=until, wait_for_person=True)
