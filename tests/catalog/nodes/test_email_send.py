from django.conf import settings
from django.core import mail

from catalog.nodes.base import StepContext
from catalog.nodes.email_send import EmailSend


def test_console_backend_is_the_default_and_smtp_with_a_host(tmp_path):
    """Django's default mailer (MAILERS), without a deprecated EMAIL_* setting left."""
    import os
    import subprocess
    import sys

    code = (
        "import warnings; from django.utils.deprecation import RemovedInDjango2028Warning;"
        " warnings.simplefilter('error', RemovedInDjango2028Warning);"
        " import django; django.setup(); from django.conf import settings; from django.core import mail;"
        " print(settings.MAILERS['default']); print(type(mail.mailers.default).__module__)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "STEPWISE_VAR_DIR": str(tmp_path)})
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert plain.stdout.split()[-1] == "django.core.mail.backends.console"
    assert plain.stdout.splitlines()[0] == "{'BACKEND': 'django.core.mail.backends.console.EmailBackend', 'OPTIONS': {}}"
    smtp_env = {**env, "EMAIL_HOST": "mail.example.com", "EMAIL_HOST_USER": "ops", "EMAIL_PORT": "2525"}
    smtp = subprocess.run([sys.executable, "-c", code], env=smtp_env, capture_output=True, text=True, check=True)
    assert smtp.stdout.splitlines()[-1] == "django.core.mail.backends.smtp"
    assert "'host': 'mail.example.com', 'port': 2525, 'username': 'ops'" in smtp.stdout.splitlines()[0]
    assert settings.DEFAULT_FROM_EMAIL == "stepwise@localhost"


def test_sends_through_the_django_backend_with_the_idempotency_key():
    ctx = StepContext(
        run_id=3,
        node_id="notify",
        iteration=0,
        attempt=1,
        config={
            "to": ["ops@example.com"],
            "cc": ["lead@example.com"],
            "subject": "Order 7 failed",
            "body": "<b>see run 3</b>",
            "html": True,
        },
        data={},
    )
    result = EmailSend.execute(ctx)
    assert result.output == {"sent": 1, "to": ["ops@example.com"]}
    [message] = mail.outbox
    assert message.subject == "Order 7 failed" and message.cc == ["lead@example.com"]
    assert message.alternatives[0][0] == "<b>see run 3</b>" and message.extra_headers["X-Stepwise-Idempotency-Key"] == "3:notify:0"
