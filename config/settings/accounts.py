"""Sign-in and API tokens (accounts/): how many failed sign-ins lock an account or an
address out and for how long, and where a client's address comes from behind a proxy."""

from __future__ import annotations

import re

from config.env import EnvError, env_int, env_str

# Failed sign-ins (a wrong password on /login/ or /admin/login/, a wrong API token) allowed
# within the window: per account (by username) and per client address. Past either, every
# attempt is refused, the right password too, for the lockout's duration.
STEPWISE_SIGNIN_MAX_FAILURES = env_int("STEPWISE_SIGNIN_MAX_FAILURES", 10, minimum=1)
STEPWISE_SIGNIN_MAX_FAILURES_PER_ADDRESS = env_int("STEPWISE_SIGNIN_MAX_FAILURES_PER_ADDRESS", 20, minimum=1)
STEPWISE_SIGNIN_WINDOW_S = env_int("STEPWISE_SIGNIN_WINDOW_S", 900, minimum=1)
STEPWISE_SIGNIN_LOCKOUT_S = env_int("STEPWISE_SIGNIN_LOCKOUT_S", 900, minimum=1)


def _header_name(name: str) -> str | None:
    value = env_str(name)
    if value is not None and not re.fullmatch(r"[A-Za-z0-9-]+", value):
        raise EnvError(f"{name}={value!r} is not a header name (as X-Forwarded-For)")
    return value
