"""Email for the email.send node, as Django's default mailer: the console backend by
default (messages are printed), SMTP when EMAIL_HOST is set."""

from __future__ import annotations

from config.env import env_bool, env_int, env_str

_host = env_str("EMAIL_HOST")
_backend = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if _host else "django.core.mail.backends.console.EmailBackend",
)
_options: dict[str, object] = {}
if _backend == "django.core.mail.backends.smtp.EmailBackend":
    _options = {
        "host": _host or "localhost",
        "port": env_int("EMAIL_PORT", 587, minimum=1),
        "username": env_str("EMAIL_HOST_USER", "") or "",
        "password": env_str("EMAIL_HOST_PASSWORD", "") or "",
        "use_tls": env_bool("EMAIL_USE_TLS", True),
    }
MAILERS = {"default": {"BACKEND": _backend, "OPTIONS": _options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "stepwise@localhost")
