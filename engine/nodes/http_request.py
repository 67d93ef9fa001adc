from engine.nodes.base import JSONDict, NodeType, obj
from engine.nodes.registry import register

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


@register
class HttpRequest(NodeType):
    type = "http.request"
    title = "HTTP request"
    category = "Actions"
    description = "Calls an HTTP API. Sends an Idempotency-Key header that stays the same across retries."
    config_schema = obj(
        {
            "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"], "title": "Method"},
            "url": {"type": "string", "title": "URL", "minLength": 1, "pattern": "^(https?://|\\{\\{)"},
            "headers": {**_STRING_MAP, "title": "Headers"},
            "query": {**_STRING_MAP, "title": "Query parameters"},
            "json": {"title": "JSON body"},
            "body": {"type": "string", "title": "Raw body"},
            "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 300, "title": "Timeout (s)"},
            "fail_on_status": {
                "type": "array",
                "title": "Fail on status",
                "description": "Status codes (404) or classes (5xx) that fail the step.",
                "items": {"anyOf": [{"type": "integer", "minimum": 100, "maximum": 599}, {"type": "string", "pattern": "^[1-5]xx$"}]},
            },
            "follow_redirects": {"type": "boolean", "title": "Follow redirects"},
            "response_format": {"enum": ["auto", "json", "text"], "title": "Parse response as"},
        },
        required=("method", "url"),
    )
    default_config = {
        "method": "GET",
        "url": "https://",
        "headers": {},
        "query": {},
        "timeout_s": 30,
        "fail_on_status": ["4xx", "5xx"],
        "follow_redirects": True,
        "response_format": "auto",
    }

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        if "json" in config and "body" in config:
            return [("/body", "Give either a JSON body or a raw body, not both.")]
        return []
