from engine.nodes.base import NodeType, obj
from engine.nodes.registry import register

_ADDRESS = {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"}
_ADDRESSES = {"type": "array", "items": _ADDRESS}


@register
class EmailSend(NodeType):
    type = "email.send"
    title = "Send email"
    category = "Actions"
    description = "Sends an email through the server's configured email backend."
    config_schema = obj(
        {
            "to": {**_ADDRESSES, "minItems": 1, "title": "To"},
            "cc": {**_ADDRESSES, "title": "Cc"},
            "from_email": {**_ADDRESS, "title": "From"},
            "subject": {"type": "string", "title": "Subject", "maxLength": 998},
            "body": {"type": "string", "title": "Body"},
            "html": {"type": "boolean", "title": "Body is HTML"},
        },
        required=("to", "subject"),
    )
    default_config = {"to": [], "subject": "", "body": "", "html": False}
