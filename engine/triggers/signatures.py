"""Standard Webhooks signatures (https://www.standardwebhooks.com): the sender signs
`{webhook-id}.{webhook-timestamp}.{body}` with HMAC-SHA256 and sends `v1,<base64>` (several,
space-separated, during a rotation). Pure functions: no ORM, no clock of their own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

PREFIX = "whsec_"
TOLERANCE_S = 5 * 60


class SignatureError(Exception):
    """Why a request is not accepted as signed (401): the message says which check failed."""


def secret_new() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def verify(headers: Mapping[str, str], body: bytes, secrets_: Iterable[str], *, now: float) -> str:
    """The verified `webhook-id`, or SignatureError. `headers` has lower-case names.
    Every candidate is compared in constant time, against every secret in force."""
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    header = headers.get("webhook-signature", "")
    missing = [
        name for name, value in (("webhook-id", message_id), ("webhook-timestamp", timestamp), ("webhook-signature", header)) if not value
    ]
    if missing:
        raise SignatureError(f"Missing header(s): {', '.join(missing)}. Sign requests as Standard Webhooks describes.")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp must be whole seconds since the epoch.") from None
    if abs(now - sent_at) > TOLERANCE_S:
        raise SignatureError(f"webhook-timestamp is more than {TOLERANCE_S // 60} minutes away from the server's clock.")
    offered = [part.partition(",")[2] for part in header.split() if part.startswith("v1,")]
    matched = False
    for secret in secrets_:
        expected = sign(secret, message_id, sent_at, body).partition(",")[2]
        for candidate in offered:
            # No early exit: the time taken does not depend on which candidate matched.
            matched |= hmac.compare_digest(candidate.encode(), expected.encode())
    if not matched:
        raise SignatureError("No valid signature: webhook-signature matches no secret of this hook.")
    return message_id
