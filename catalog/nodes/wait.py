from datetime import UTC, datetime, timedelta

from django.utils import timezone

from catalog.nodes.base import NodeResult, NodeType, StepContext, StepFailed, literal, obj
from catalog.nodes.registry import register


@register
class Wait(NodeType):
    type = "wait"
    title = "Wait"
    category = "Flow"
    description = "Pauses the branch for a duration or until a time. Durable: survives restarts."
    config_schema = obj(
        {
            "mode": literal({"enum": ["duration", "until"], "title": "Wait"}),
            "duration_s": {"type": "number", "minimum": 0, "maximum": 31_536_000, "title": "Duration (s)"},
            "until": {"type": "string", "format": "date-time", "title": "Until (ISO 8601)"},
        },
        required=("mode",),
        allOf=[
            {"if": {"properties": {"mode": {"const": "duration"}}}, "then": {"required": ["duration_s"]}},
            {"if": {"properties": {"mode": {"const": "until"}}}, "then": {"required": ["until"]}},
        ],
    )
    default_config = {"mode": "duration", "duration_s": 60}

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        if ctx.config["mode"] == "duration":
            until = timezone.now() + timedelta(seconds=float(ctx.config["duration_s"]))
        else:
            try:
                until = datetime.fromisoformat(str(ctx.config["until"]))
            except ValueError:
                raise StepFailed(f"Until {ctx.config['until']!r} is not an ISO 8601 date-time.", retryable=False) from None
            if until.tzinfo is None:
                until = until.replace(tzinfo=UTC)  # a time without offset is read as UTC
        return NodeResult(output={"until": until.isoformat()}, wait_until=until)
