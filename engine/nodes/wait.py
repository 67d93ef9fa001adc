from engine.nodes.base import NodeType, literal, obj
from engine.nodes.registry import register


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
