"""What the email node may put in an envelope: one plain address per recipient, a sender
the server allows, and a bounded number of recipients. Checked on the config as written
(validation) and on the rendered one (before the node sends), since an expression may
produce anything: `ops@example.com,victim@evil.example` or a line break with a header
after it is refused, never split into recipients or headers.

An address is an addr-spec as the editor's schema spells it (`local@domain`, no display
name), with a dot-atom local part (no quoted string, so no comma or space can hide in
it) and a domain of letter-digit-hyphen labels; `email.utils.getaddresses` must read it
back as exactly that one address. Senders come from settings: DEFAULT_FROM_EMAIL (what
a node without `from_email` sends as) and STEPWISE_EMAIL_ALLOWED_SENDERS, addresses or
`@domain` patterns (that domain exactly, not its subdomains)."""

from __future__ import annotations

import re
from email.utils import getaddresses

from django.conf import settings

MAX_ADDRESS_CHARS = 254  # RFC 5321's limit on a forward path

_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def address_problem(value: str) -> str | None:
    """Why `value` is not one plain address, or None."""
    shown = value if len(value) <= 80 else value[:77] + "..."
    if _CONTROL.search(value):
        return f"{shown!r} holds a line break or a control character; give one address."
    if len(value) > MAX_ADDRESS_CHARS:
        return f"{shown!r} is longer than {MAX_ADDRESS_CHARS} characters."
    parsed = getaddresses([value])
    found = [address for _name, address in parsed if address]
    if len(found) > 1:
        return f"{shown!r} holds {len(found)} addresses; give each recipient as an item of its own."
    if parsed != [("", value)] or not _ADDRESS.fullmatch(value):
        return f"{shown!r} is not one plain address (name@example.com)."
    return None


def allowed_senders() -> tuple[str, ...]:
    """DEFAULT_FROM_EMAIL and STEPWISE_EMAIL_ALLOWED_SENDERS, read at each call (tests
    change them)."""
    extra = getattr(settings, "STEPWISE_EMAIL_ALLOWED_SENDERS", ())
    return (str(settings.DEFAULT_FROM_EMAIL), *(str(entry) for entry in extra))


def sender_allowed(address: str) -> bool:
    """Whether the server lets a workflow send as `address` (case-insensitive)."""
    wanted = address.lower()
    domain = "@" + wanted.rpartition("@")[2]
    return any(entry.strip().lower() in (wanted, domain) for entry in allowed_senders())


def max_recipients() -> int:
    return int(getattr(settings, "STEPWISE_EMAIL_MAX_RECIPIENTS", 50))
