"""Daphne's access log without the webhooks' tokens. A hook's URL is its secret
(/hooks/<token>: whoever has it may call the hook, with a signature where one is
required); daphne writes every request line to its access log, so each call put the
token in the log. Here the token is replaced by `<token>` before the line is written.
config/asgi.py installs it when daphne serves the application."""

from __future__ import annotations

import re
import sys
from typing import Any

_HOOK = re.compile(r"/hooks/[^\s?\"/]+")


def redacted(request: str) -> str:
    """A request line with each /hooks/<token> as /hooks/<token>."""
    return _HOOK.sub("/hooks/<token>", request)


def install() -> bool:
    """Wrap daphne's access log writer (only when daphne is loaded). True when installed."""
    if "daphne.server" not in sys.modules:
        return False
    from daphne.access import AccessLogGenerator  # type: ignore[import-untyped]

    if getattr(AccessLogGenerator.write_entry, "stepwise_redacts", False):
        return True
    write = AccessLogGenerator.write_entry

    def write_entry(self: Any, host: Any, date: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        return write(self, host, date, redacted(str(request)), *args, **kwargs)

    write_entry.stepwise_redacts = True  # type: ignore[attr-defined]
    AccessLogGenerator.write_entry = write_entry
    return True
