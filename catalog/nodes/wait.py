from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from catalog.expressions import has_template
from catalog.nodes.base import JSONDict, NodeResult, NodeType, StepContext, StepFailed, choices, literal, obj
from catalog.nodes.registry import register


def until_of(value: Any) -> datetime | str:
    """The time a wait `until` names (one without an offset is read as UTC), or what is
    wrong with it: not an ISO 8601 date-time, or outside what UTC can hold (years 1 to
    9999: `9999-12-31T23:59:59-23:59` is in year 10000 there) and so cannot be stored."""
    try:
        until = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        until = None
    if until is None:
        return f"Until: {value!r} is not an ISO 8601 date-time."
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    try:
        until.astimezone(UTC)
    except OverflowError:
        return f"Until: {value!r} is not representable in UTC (years 1 to 9999)."
    return until


@register
class Wait(NodeType):
    type = "wait"
    title = "Wait"
    category = "Flow"
    description = "Pauses the branch for a duration or until a time. Durable: survives restarts."
    config_schema = obj(
        {
            "mode": literal(choices({"duration": "For a duration", "until": "Until a date and time"}, title="Wait")),
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
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        """A literal `until` is checked when the graph is; a rendered one before the step runs."""
        value = config.get("until")
        if config.get("mode") != "until" or (isinstance(value, str) and has_template(value)):
            return []
        until = until_of(value)
        return [("/until", until)] if isinstance(until, str) else []

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        if ctx.config["mode"] == "duration":
            until = timezone.now() + timedelta(seconds=float(ctx.config["duration_s"]))
        else:
            parsed = until_of(ctx.config["until"])
            if isinstance(parsed, str):
                raise StepFailed(parsed, code="invalid_config", retryable=False)
            until = parsed
        return NodeResult(output={"until": until.isoformat()}, wait_until=until)
