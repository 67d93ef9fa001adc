from django.core.mail import EmailMultiAlternatives

from catalog.nodes.base import NodeResult, NodeType, StepContext, obj
from catalog.nodes.registry import register

_ADDRESS = {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"}
_ADDRESSES = {"type": "array", "items": _ADDRESS}


@register
class EmailSend(NodeType):
    type = "email.send"
    guarded = True
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

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        config = ctx.config
        body = str(config.get("body") or "")
        message = EmailMultiAlternatives(
            subject=str(config["subject"]),
            body="" if config.get("html") else body,
            from_email=config.get("from_email") or None,
            to=list(config["to"]),
            cc=list(config.get("cc") or []),
            headers={"X-Stepwise-Idempotency-Key": ctx.idempotency_key},
        )
        if config.get("html"):
            message.attach_alternative(body, "text/html")
        sent = message.send()
        return NodeResult(output={"sent": sent, "to": list(config["to"])})
