from catalog.nodes.base import NodeType, choices, literal, obj
from catalog.nodes.registry import register


@register
class WebhookTrigger(NodeType):
    type = "trigger.webhook"
    starts_on = "webhook"
    title = "Webhook"
    category = "Triggers"
    description = (
        "Starts a run when another system calls /hooks/<token>. Requests must be signed "
        "(Standard Webhooks) unless the hook is marked public."
    )
    is_trigger = True
    config_schema = obj(
        {
            "methods": literal(
                {
                    "type": "array",
                    "title": "Allowed methods",
                    "items": choices({m: m for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}),
                    "minItems": 1,
                    "uniqueItems": True,
                }
            ),
            "public": literal(
                {"type": "boolean", "title": "Public (no signature required)", "description": "Anyone with the URL can start runs."}
            ),
            "response_mode": literal(
                {
                    **choices({"async": "Reply at once (202)", "wait": "Wait for the run's output"}),
                    "title": "Response",
                    "description": "async: 202 with the run id at once. wait: answer with the run's output.",
                }
            ),
            "wait_timeout_s": literal({"type": "integer", "minimum": 1, "maximum": 300, "title": "Wait up to (s)"}),
            "respond_with_node": literal(
                {
                    "type": "string",
                    "title": "Respond with node",
                    "description": "Node whose output is the response (default: the run's output).",
                }
            ),
            "content_types": literal(
                {"type": "array", "title": "Accepted content types", "items": {"type": "string", "minLength": 1}, "minItems": 1}
            ),
            "max_body_bytes": literal({"type": "integer", "minimum": 1, "maximum": 10_485_760, "title": "Max body (bytes)"}),
            "rate_limit_per_minute": literal({"type": "integer", "minimum": 1, "maximum": 100_000, "title": "Rate limit (/min)"}),
        }
    )
    default_config = {
        "methods": ["POST"],
        "public": False,
        "response_mode": "async",
        "wait_timeout_s": 30,
        "content_types": ["application/json"],
        "max_body_bytes": 1_048_576,
        "rate_limit_per_minute": 600,
    }
