"""Typed readers for settings from the environment.

Each helper fails loudly (ImproperlyConfigured naming the variable) on a value it cannot
parse, so a typo in production config stops the process at start instead of silently
falling back to a default.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured


class EnvError(ImproperlyConfigured):
    """An environment variable with a value the settings cannot use. Its message names the
    variable; the entry points (manage.py, config/asgi.py, config/celery.py) print it as one
    line on stderr and exit 2 instead of a traceback (see exit_on_env_error)."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name}={number} is below the minimum of {minimum}")
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a number") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name}={number} is below the minimum of {minimum}")
    return number


def env_choice(name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
    """One of `choices`, compared without case (given back as spelled in `choices`)."""
    value = env_str(name)
    if value is None:
        return default
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise EnvError(f"{name}={value!r} is not one of {', '.join(choices)}")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None or value == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """Django's SECURE_PROXY_SSL_HEADER from "Header-Name: value" (X-Forwarded-Proto: https):
    the header the TLS-terminating proxy sets, and its value on a request that came over
    HTTPS. None when unset."""
    value = env_str(name)
    if value is None:
        return None
    header, colon, expected = value.partition(":")
    if not colon or not header.strip() or not expected.strip():
        raise EnvError(f"{name}={value!r}: give the proxy's header and its HTTPS value, as 'X-Forwarded-Proto: https'")
    return "HTTP_" + header.strip().upper().replace("-", "_"), expected.strip()


def env_url(name: str, *, schemes: tuple[str, ...], default: str | None = None) -> str | None:
    value = env_str(name, default)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes:
        allowed = ", ".join(schemes)
        raise EnvError(f"{name} must be a URL with scheme {allowed}; got {parsed.scheme or 'none'!r}")
    return value


def database_from_url(name: str, url: str) -> dict[str, object]:
    """Turn postgres://user:pass@host:port/db (or sqlite:///path) into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        if not parsed.path.strip("/"):
            raise EnvError(f"{name} has no database name: {url!r}")
        try:
            port = parsed.port
        except ValueError:
            raise EnvError(f"{name} has an invalid port") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parsed.path.lstrip("/"),
            "USER": parsed.username or "",
            "PASSWORD": parsed.password or "",
            "HOST": parsed.hostname or "",
            "PORT": str(port or ""),
        }
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else parsed.path
        if not path:
            raise EnvError(f"{name} has no SQLite file path: {url!r}")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    raise EnvError(f"{name} must start with postgres:// or sqlite:///; got {parsed.scheme or 'none'!r}")


def env_fernet_keys(name: str) -> list[str]:
    """Comma-separated Fernet keys (32 url-safe base64-encoded bytes each), checked at start."""
    from cryptography.fernet import Fernet

    keys = env_list(name)
    for position, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise EnvError(
                f"{name}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes; make one with: "
                'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
            ) from None
    return keys


def load_settings_or_exit() -> None:
    """Load the Django settings now; on a bad environment value print one line naming the
    variable on stderr and exit 2 (no traceback). Other errors propagate as they are."""
    import sys

    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018  # the first access runs the settings modules
    except EnvError as error:
        sys.stderr.write(f"stepwise: {error}\n")
        raise SystemExit(2) from None
