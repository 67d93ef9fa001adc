"""Email for the email.send node, as Django's default mailer: the console backend by
default (messages are printed), SMTP when EMAIL_HOST is set. Django's SMTP backend is
replaced by its subclass in catalog/nodes/smtp.py, whose connections end by the step's
deadline (a mail server that never answers holds no thread)."""

from __future__ import annotations

from config.env import env_bool, env_int, env_list, env_str

DJANGO_SMTP = "django.core.mail.backends.smtp.EmailBackend"
STEPWISE_SMTP = "catalog.nodes.smtp.EmailBackend"

_host = env_str("EMAIL_HOST")
_backend = env_str(
    "EMAIL_BACKEND",
    DJANGO_SMTP if _host else "django.core.mail.backends.console.EmailBackend",
)
if _backend == DJANGO_SMTP:
    _backend = STEPWISE_SMTP
_options: dict[str, object] = {}
if _backend == STEPWISE_SMTP:
    _options = {
        "host": _host or "localhost",
        "port": env_int("EMAIL_PORT", 587, minimum=1),
        "username": env_str("EMAIL_HOST_USER", "") or "",
        "password": env_str("EMAIL_HOST_PASSWORD", "") or "",
        "use_tls": env_bool("EMAIL_USE_TLS", True),
    }
MAILERS = {"default": {"BACKEND": _backend, "OPTIONS": _options}}
# The sender of an email node without `from_email`, always allowed.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "stepwise@localhost")
# Other senders a workflow may use in `from_email`, comma-separated: addresses
# (ops@example.com) or `@domain` patterns (@example.com: any address at that domain, not
# its subdomains). Empty by default: only DEFAULT_FROM_EMAIL. A literal sender outside them
# is a validation problem; a rendered one fails the step (sender_not_allowed).
STEPWISE_EMAIL_ALLOWED_SENDERS = env_list("STEPWISE_EMAIL_ALLOWED_SENDERS", [])
# Recipients one email may have, To and Cc together (too_many_recipients past it).
STEPWISE_EMAIL_MAX_RECIPIENTS = env_int("STEPWISE_EMAIL_MAX_RECIPIENTS", 50, minimum=1)
# Emails a user's workflows may send in any hour, counted from the email steps of the
# user's runs that succeeded in the last hour; past it a step fails (rate_limited) and
# says when the next may go. 0: no limit.
STEPWISE_EMAIL_MAX_PER_HOUR = env_int("STEPWISE_EMAIL_MAX_PER_HOUR", 100, minimum=0)
