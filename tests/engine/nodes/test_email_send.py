from django.conf import settings
from django.core import mail

from engine.nodes.base import StepContext
from engine.nodes.email_send import EmailSend


def test_console_backend_is_the_default_and_smtp_with_a_host(tmp_path):
    import os
    import subprocess
    import sys

    code = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "STEPWISE_VAR_DIR": str(tmp_path)})
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert plain.stdout.strip() == "django.core.mail.backends.console.EmailBackend"
    smtp = subprocess.run(
        [sys.executable, "-c", code], env={**env, "EMAIL_HOST": "mail.example.com"}, capture_output=True, text=True, check=True
    )
    assert smtp.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend"
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
