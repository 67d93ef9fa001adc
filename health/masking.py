"""What a readiness answer may say of an error: one line, no password."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

from django.conf import settings

_CREDENTIALS_IN_URL = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):(?P<password>[^@\s]*)@")
MAX_CHARS = 300


def _secrets() -> list[str]:
    """The passwords the settings hold (the database's, those in the broker and Redis URLs)."""
    found = [str(db.get("PASSWORD") or "") for db in settings.DATABASES.values()]
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        url = getattr(settings, name, None)
        if url:
            password = urlparse(url).password
            if password:
                found += [password, unquote(password)]
    return [secret for secret in found if len(secret) >= 3]


def mask(text: str) -> str:
    text = _CREDENTIALS_IN_URL.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    for secret in sorted(set(_secrets()), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def one_line(text: str) -> str:
    """Masked, its lines joined, at most MAX_CHARS characters."""
    line = " ".join(mask(text).split())
    return line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "…"
