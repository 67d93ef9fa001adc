from datetime import timedelta

from django.utils import timezone

from catalog.nodes.base import JSONDict, NodeResult, NodeType, StepContext, TimerFired, choices, literal, obj
from catalog.nodes.registry import register

MAX_TIMEOUT_S = 31_536_000  # a year, as a wait's longest duration


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
            "timeout_s": literal({"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIMEOUT_S, "title": "Timeout (s)"}),
            "on_timeout": literal(choices({"reject": "Reject (the rejected port)", "fail": "Fail the step"}, title="On timeout")),
        }
    )
    default_config = {"message": "Please approve", "on_timeout": "fail"}
    waits_for_person = True

    @classmethod
    def timer_fired(cls, config: JSONDict) -> TimerFired:
        """Its timeout: rejected, or failed (`on_timeout`)."""
        if config.get("on_timeout", "fail") == "reject":
            return TimerFired(ports=("rejected",), output={"approved": False, "comment": "Timed out", "payload": None, "by": None})
        return TimerFired(ports=(), error={"code": "approval_timeout", "message": "Nobody approved or rejected in time."})

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        timeout = ctx.config.get("timeout_s")
        until = timezone.now() + timedelta(seconds=float(timeout)) if timeout else None
        return NodeResult(output={"message": ctx.config.get("message", "")}, wait_until=until, wait_for_person=True)
