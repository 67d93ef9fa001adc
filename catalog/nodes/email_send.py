import smtplib
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpcore
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from catalog.credentials import credential_field
from catalog.expressions import has_template
from catalog.nodes import mail, smtp
from catalog.nodes.base import ConfigProblem, JSONDict, NodeResult, NodeType, StepContext, StepFailed, obj
from catalog.nodes.net import BlockedAddress
from catalog.nodes.registry import register
from catalog.schemas import problems_code, problems_message

_ADDRESS = {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"}
_ADDRESSES = {"type": "array", "items": _ADDRESS}
RATE_WINDOW = timedelta(hours=1)


def _recipient_problems(config: JSONDict) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    counted = 0
    for key in ("to", "cc"):
        values = config.get(key)
        if not isinstance(values, list):
            continue  # absent, or one whole expression: known once rendered
        counted += len(values)
        for index, value in enumerate(values):
            if isinstance(value, str) and not has_template(value) and (why := mail.address_problem(value)):
                problems.append(ConfigProblem(f"/{key}/{index}", why, "invalid_recipient"))
    limit = mail.max_recipients()
    if counted > limit:
        message = f"{counted} recipients in To and Cc; at most {limit} (STEPWISE_EMAIL_MAX_RECIPIENTS)."
        problems.append(ConfigProblem("/to", message, "too_many_recipients"))
    return problems


def _sender_problems(config: JSONDict) -> list[tuple[str, str]]:
    sender = config.get("from_email")
    if not isinstance(sender, str) or not sender or has_template(sender):
        return []
    if why := mail.address_problem(sender):
        return [ConfigProblem("/from_email", why, "invalid_sender")]
    if not mail.sender_allowed(sender):
        message = f"{sender!r} is not a sender this server allows (DEFAULT_FROM_EMAIL, STEPWISE_EMAIL_ALLOWED_SENDERS)."
        return [ConfigProblem("/from_email", message, "sender_not_allowed")]
    return []


def _within_rate(ctx: StepContext, node_type: str) -> None:
    """The owner's email steps that succeeded in the last hour, at most
    STEPWISE_EMAIL_MAX_PER_HOUR (0: no limit); past it the step fails, saying when a slot
    frees (the oldest of them leaves the window) and asking its retry to wait until then."""
    limit = int(getattr(settings, "STEPWISE_EMAIL_MAX_PER_HOUR", 100))
    if limit <= 0:
        return
    now = datetime.now(UTC)
    sent = ctx.recent_successes(node_type, now - RATE_WINDOW, limit)
    if len(sent) < limit:
        return
    again = min(sent) + RATE_WINDOW
    wait_s = max((again - now).total_seconds(), 0.0)
    message = (
        f"The workflows of this run's owner sent {limit} emails in the last hour, the most "
        f"STEPWISE_EMAIL_MAX_PER_HOUR allows; the next may go at {again:%Y-%m-%d %H:%M:%S} UTC (in {wait_s:.0f} s)."
    )
    raise StepFailed(message, code="rate_limited", retry_after_s=wait_s, details={"retry_at": again.isoformat()})


@register
class EmailSend(NodeType):
    type = "email.send"
    guarded = True
    title = "Send email"
    category = "Actions"
    description = (
        "Sends an email through the server's configured email backend (or the SMTP server of a credential), "
        "from an address the server allows. "
        "Each item of To and Cc is one address, checked after its expressions are rendered."
    )
    config_schema = obj(
        {
            "to": {**_ADDRESSES, "minItems": 1, "title": "To"},
            "cc": {**_ADDRESSES, "title": "Cc"},
            "from_email": {**_ADDRESS, "title": "From"},
            "subject": {"type": "string", "title": "Subject", "maxLength": 998},
            "body": {"type": "string", "title": "Body"},
            "html": {"type": "boolean", "title": "Body is HTML"},
            "credential": credential_field("smtp", title="Mail server"),
        },
        required=("to", "subject"),
    )
    default_config = {"to": [], "subject": "", "body": "", "html": False}

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        return _sender_problems(config) + _recipient_problems(config)

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        config = ctx.config
        # The engine checked the rendered config already; a caller that did not is checked here.
        if problems := cls.check_config(config):
            raise StepFailed(problems_message(problems), code=problems_code(problems), retryable=False)
        _within_rate(ctx, cls.type)
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
        server = ctx.secrets.get("credential")
        sent = _send(message, ctx, _connection(server, ctx) if server else None)
        return NodeResult(output={"sent": sent, "to": list(config["to"])})


def _send(message: EmailMultiAlternatives, ctx: StepContext, connection: smtp.EmailBackend | None = None) -> int:
    """Send within the step's deadline (catalog.nodes.smtp): a mail server that never
    answers ends the call, and frees its thread and socket, when the step's time is up."""
    until = ctx.deadline if ctx.deadline is not None else time.monotonic() + (ctx.timeout_s or 60)
    try:
        with smtp.deadline(until):
            return int(connection.send_messages([message]) if connection is not None else message.send())
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise StepFailed(f"The mail server refused the recipient(s) {refused}.", code="recipient_refused", retryable=False) from None
    except smtplib.SMTPSenderRefused as exc:
        why = f"The mail server refused the sender {exc.sender}: {_reply(exc)}"
        raise StepFailed(why, code="sender_refused", retryable=False) from None
    except (ConnectionRefusedError, socket.gaierror, smtplib.SMTPConnectError) as exc:  # nothing was sent
        raise StepFailed(f"Cannot reach the mail server: {exc}", code="smtp_unreachable") from None
    except smtplib.SMTPAuthenticationError:
        raise StepFailed("The mail server refused the server's credentials.", code="smtp_auth", retryable=False) from None
    except ValueError as exc:  # an address Django's mail cannot encode
        raise StepFailed(f"Cannot send: {exc}", code="invalid_recipient", retryable=False) from None
    except (OSError, smtplib.SMTPException) as exc:  # smtplib's errors are OSErrors; a timeout too
        if time.monotonic() >= until - 0.05:
            left = f"{ctx.timeout_s:g} s" if ctx.timeout_s else "the step's time"
            raise StepFailed(f"No answer from the mail server within {left}.", code="smtp_timeout", outcome_unknown=True) from None
        raise StepFailed(f"Sending failed: {exc}", code="smtp_error", outcome_unknown=True) from None


def _connection(server: Any, ctx: StepContext) -> smtp.EmailBackend:
    """A connection to an SMTP credential's server, at an address the address policy allows
    (a user's mail server is no way into the private network) and within the step's time."""
    left = (ctx.deadline - time.monotonic()) if ctx.deadline is not None else ctx.timeout_s
    try:
        return smtp.credential_backend(server, left, alias="credential")
    except BlockedAddress as exc:
        raise StepFailed(str(exc), code="blocked_address", retryable=False) from None
    except (httpcore.ConnectTimeout, httpcore.ConnectError, OSError) as exc:
        message = f"Cannot reach the mail server {server['host']}: {type(exc).__name__}"
        raise StepFailed(message, code="smtp_unreachable") from None


def _reply(exc: Any) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}"
