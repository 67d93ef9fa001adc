import time

import pytest
from django.conf import settings
from django.core import mail

from catalog.nodes import registry
from catalog.nodes.base import StepContext, StepFailed
from catalog.nodes.email_send import EmailSend
from catalog.nodes.mail import address_problem, sender_allowed
from catalog.schemas import problems_code, rendered_problems
from designer.validation import validate_graph
from tests.catalog.nodes.smtp import SilentSMTP, SMTPSink
from tests.factories import edge, node


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
    # Django's SMTP backend, each connection within the step's deadline (catalog/nodes/smtp.py).
    assert smtp.stdout.splitlines()[-1] == "catalog.nodes.smtp"
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


def _ctx(config, **extra):
    return StepContext(run_id=3, node_id="notify", iteration=0, attempt=1, config={"subject": "Hi", **config}, data={}, **extra)


@pytest.mark.parametrize(
    "value",
    [
        "victim@evil.example,ops",
        "ops,victim@evil.example",
        "ops@example.com, victim@evil.example",
        "Ops <ops@example.com>",
        "<ops@example.com>",
        '"ops,victim"@example.com',
        "ops@example.com\nBcc: victim@evil.example",
        "ops@example.com\r",
        "ops@@example.com",
        "ops@-example.com",
        "a" * 250 + "@example.com",
    ],
)
def test_anything_but_one_plain_address_is_refused(value):
    assert address_problem(value) is not None


@pytest.mark.parametrize("value", ["ops@example.com", "o.p+s@mail.example.co", "stepwise@localhost", "jürgen@bücher.example"])
def test_one_plain_address_passes(value):
    assert address_problem(value) is None


def test_a_comma_in_a_rendered_recipient_is_a_problem_of_its_own_code_and_sends_nothing():
    """Two addresses rendered into one item: the engine's check of the rendered config
    names the item with its own code, and the node itself sends nothing."""
    config = {"to": ["ok@example.com", "x,victim@evil.example"], "subject": "Hi"}
    problems = rendered_problems(registry.get("email.send"), config)
    assert [pointer for pointer, _message in problems] == ["/to/1"]
    assert problems_code(problems) == "invalid_recipient"
    with pytest.raises(StepFailed) as failed:
        EmailSend.execute(_ctx({"to": ["ok@example.com", "x,victim@evil.example"]}))
    assert failed.value.code == "invalid_recipient" and not failed.value.retryable
    assert mail.outbox == []


def _graph(config):
    mail_node = node("mail", "email.send", {"subject": "Hi", **config})
    return {"nodes": [node("start", "trigger.manual"), mail_node], "edges": [edge("e1", "start", "mail")]}


def test_a_literal_sender_the_server_does_not_allow_is_a_validation_problem(settings):
    settings.DEFAULT_FROM_EMAIL = "stepwise@example.com"
    settings.STEPWISE_EMAIL_ALLOWED_SENDERS = ["orders@shop.example", "@news.example"]
    [problem] = validate_graph(_graph({"to": ["ops@example.com"], "from_email": "ceo@bank.example"}))
    assert (problem.code, problem.node_id, problem.field) == ("sender_not_allowed", "mail", "/config/from_email")
    assert "'ceo@bank.example' is not a sender this server allows" in problem.message
    for allowed in ("stepwise@example.com", "ORDERS@shop.example", "weekly@news.example", "{{ trigger.sender }}"):
        assert validate_graph(_graph({"to": ["ops@example.com"], "from_email": allowed})) == [], allowed
    assert not sender_allowed("weekly@sub.news.example")  # a domain pattern is that domain, not its subdomains


def test_literal_recipients_are_checked_and_counted_at_validation(settings):
    settings.STEPWISE_EMAIL_MAX_RECIPIENTS = 2
    problems = validate_graph(_graph({"to": ["a@example.com", "<b@example.com>"], "cc": ["c@example.com"]}))
    assert [(p.code, p.field) for p in problems] == [("invalid_recipient", "/config/to/1"), ("too_many_recipients", "/config/to")]


def _mailers(port):
    return {"default": {"BACKEND": "catalog.nodes.smtp.EmailBackend", "OPTIONS": {"host": "127.0.0.1", "port": port}}}


def test_an_smtp_server_is_reached_through_the_deadline_backend(settings):
    with SMTPSink() as sink:
        settings.MAILERS = _mailers(sink.port)
        result = EmailSend.execute(_ctx({"to": ["ops@example.com"], "cc": ["lead@example.com"]}, deadline=time.monotonic() + 10))
    assert result.output == {"sent": 1, "to": ["ops@example.com"]}
    [message] = sink.messages
    assert message.sender == settings.DEFAULT_FROM_EMAIL and message.recipients == ["ops@example.com", "lead@example.com"]


def test_a_silent_smtp_server_ends_the_call_by_the_steps_deadline(settings):
    with SilentSMTP() as silent:
        settings.MAILERS = _mailers(silent.port)
        with pytest.raises(StepFailed) as failed:
            EmailSend.execute(_ctx({"to": ["ops@example.com"]}, deadline=time.monotonic() + 0.5, timeout_s=0.5))
        assert failed.value.code == "smtp_timeout" and failed.value.outcome_unknown
        assert silent.hung_up.wait(10), "the connection to the silent server is still open"


def test_a_mail_server_that_refuses_the_connection_is_a_failure_with_nothing_sent(settings):
    with SilentSMTP() as closed:
        port = closed.port
    settings.MAILERS = _mailers(port)  # nobody listens there any more
    with pytest.raises(StepFailed) as failed:
        EmailSend.execute(_ctx({"to": ["ops@example.com"]}, deadline=time.monotonic() + 5))
    assert failed.value.code == "smtp_unreachable" and not failed.value.outcome_unknown and failed.value.retryable
