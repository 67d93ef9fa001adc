"""The email node run by the engine against real local SMTP servers (tests/catalog/nodes/
smtp.py): what an expression renders into To or From is checked before anything is sent,
a user's sends per hour are counted from the steps their runs recorded, and a mail server
that never answers ends the step by its deadline with the node's own error, its socket
closed (before, the guard gave up waiting and the thread stayed blocked on it)."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from engine.orchestration.runs import run_start
from engine.store.models import Run
from tests.catalog.nodes.smtp import SilentSMTP, SMTPSink
from tests.engine.test_inline import drain
from tests.factories import edge, make_user, make_workflow, node

pytestmark = pytest.mark.django_db(transaction=True)


def _smtp(settings, port: int) -> None:
    options = {"host": "127.0.0.1", "port": port, "use_tls": False}
    settings.MAILERS = {"default": {"BACKEND": "catalog.nodes.smtp.EmailBackend", "OPTIONS": options}}


def _email_step(collecting, user, config, payload=None, *, timeout_s=None):
    extra = {"timeout_s": timeout_s} if timeout_s is not None else {}
    mail = node("mail", "email.send", {"subject": "Order shipped", "body": "It is on its way.", **config}, **extra)
    graph = {"nodes": [node("start", "trigger.manual"), mail], "edges": [edge("e1", "start", "mail")]}
    run = run_start(workflow=make_workflow(user, graph=graph), user=user, payload=payload or {})
    drain(collecting)
    return Run.objects.get(pk=run.pk).steps.get(node_id="mail")


@pytest.mark.parametrize(
    ("rendered", "code"),
    [
        ("victim@evil.example,ops", "invalid_recipient"),
        ("ops,victim@evil.example", "invalid_recipient"),
        ("<victim@evil.example>", "invalid_recipient"),
        # The schema's pattern (no white space) refused this one already.
        ("ops@example.com\r\nBcc: victim@evil.example", "invalid_config"),
    ],
)
def test_a_comma_or_a_line_break_in_a_rendered_to_adds_no_recipient(collecting, settings, rendered, code):
    with SMTPSink() as sink:
        _smtp(settings, sink.port)
        step = _email_step(collecting, make_user(), {"to": ["ok@example.com", "{{ trigger.to }}"]}, {"to": rendered})
    assert step.status == "failed"
    assert step.error["code"] == code, step.error
    assert "/config/to/1" in step.error["message"], step.error
    assert sink.messages == [] and sink.connections == 0


def test_a_rendered_list_of_recipients_is_checked_item_by_item_and_counted(collecting, settings):
    settings.STEPWISE_EMAIL_MAX_RECIPIENTS = 3
    with SMTPSink() as sink:
        _smtp(settings, sink.port)
        user = make_user()
        three = _email_step(collecting, user, {"to": "{{ trigger.to }}"}, {"to": ["a@example.com", "b@example.com", "c@example.com"]})
        four = _email_step(collecting, user, {"to": "{{ trigger.to }}"}, {"to": ["a@example.com", "b@example.com"] * 2})
    assert three.status == "succeeded", three.error
    assert four.status == "failed" and four.error["code"] == "too_many_recipients", four.error
    [message] = sink.messages
    assert message.recipients == ["a@example.com", "b@example.com", "c@example.com"]


def test_a_rendered_sender_the_server_does_not_allow_fails_the_step(collecting, settings):
    settings.DEFAULT_FROM_EMAIL = "stepwise@example.com"
    settings.STEPWISE_EMAIL_ALLOWED_SENDERS = ["@shop.example"]
    with SMTPSink() as sink:
        _smtp(settings, sink.port)
        user = make_user()
        config = {"to": ["ops@example.com"], "from_email": "{{ trigger.sender }}"}
        refused = _email_step(collecting, user, config, {"sender": "ceo@bank.example"})
        allowed = _email_step(collecting, user, config, {"sender": "orders@shop.example"})
        default = _email_step(collecting, user, {"to": ["ops@example.com"]})
    assert refused.status == "failed", refused.error
    assert refused.error["code"] == "sender_not_allowed" and "ceo@bank.example" in refused.error["message"], refused.error
    assert allowed.status == "succeeded" and default.status == "succeeded", (allowed.error, default.error)
    assert [m.sender for m in sink.messages] == ["orders@shop.example", "stepwise@example.com"]


def test_past_the_hourly_rate_a_users_next_email_fails_rate_limited(collecting, settings):
    """The limit counts the email steps of the user's runs that succeeded in the last hour
    (here 3): the fourth fails, saying when the next may go; another user still sends."""
    settings.STEPWISE_EMAIL_MAX_PER_HOUR = 3
    with SMTPSink() as sink:
        _smtp(settings, sink.port)
        user, other = make_user(), make_user()
        sent = [_email_step(collecting, user, {"to": [f"customer{i}@example.com"]}) for i in range(3)]
        fourth = _email_step(collecting, user, {"to": ["customer3@example.com"]})
        others = _email_step(collecting, other, {"to": ["someone@example.com"]})
    assert [s.status for s in sent] == ["succeeded"] * 3, [s.error for s in sent]
    assert fourth.status == "failed" and fourth.error["code"] == "rate_limited", fourth.error
    again = (min(s.finished_at for s in sent) + timedelta(hours=1)).astimezone(UTC)
    assert f"the next may go at {again:%Y-%m-%d %H:%M:%S} UTC" in fourth.error["message"], fourth.error
    assert fourth.error["details"] == {"retry_at": again.isoformat()}
    assert others.status == "succeeded", others.error
    assert len(sink.messages) == 4 and "customer3@example.com" not in [r for m in sink.messages for r in m.recipients]


def test_a_mail_server_that_never_answers_ends_the_step_by_its_timeout(collecting, settings):
    """The server accepts the connection and says nothing, not even its greeting. The
    step fails with the node's own error (not the guard's `timeout`, which left the call
    blocked behind it) and its connection is closed: the server sees the hang-up."""
    with SilentSMTP() as silent:
        _smtp(settings, silent.port)
        step = _email_step(collecting, make_user(), {"to": ["ops@example.com"]}, timeout_s=1)
        assert step.status == "failed" and step.finished_at is not None
        assert step.error["code"] == "smtp_timeout", step.error
        assert step.error["message"] == "No answer from the mail server within 1 s.", step.error
        assert silent.hung_up.wait(10), "the email step's connection to the silent server is still open"
        assert silent.connections == 1


def test_an_smtp_credential_sends_through_its_own_server_with_its_password(collecting, settings):
    from credentials.services import credential_create

    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    _smtp(settings, 9)  # the server's own mail server: nothing listens there
    with SMTPSink() as sink:
        user = make_user()
        data = {"host": "127.0.0.1", "port": sink.port, "security": "none", "username": "mailer", "password": "smtp-pass-7d1e"}
        server = credential_create(owner=user, name="Our SMTP", type="smtp", data=data)
        step = _email_step(collecting, user, {"to": ["ok@example.com"], "credential": server.pk})
    assert step.status == "succeeded", step.error
    assert [m.recipients for m in sink.messages] == [["ok@example.com"]]
    assert sink.logins == ["\0mailer\0smtp-pass-7d1e"]
    assert "smtp-pass-7d1e" not in str([step.input, step.output, step.error])


def test_an_smtp_credential_cannot_reach_a_private_address(collecting, settings):
    from credentials.services import credential_create

    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = []
    with SMTPSink() as sink:
        user = make_user()
        data = {"host": "127.0.0.1", "port": sink.port, "security": "none"}
        server = credential_create(owner=user, name="Inside", type="smtp", data=data)
        step = _email_step(collecting, user, {"to": ["ok@example.com"], "credential": server.pk})
    assert step.status == "failed" and step.error["code"] == "blocked_address", step.error
    assert sink.connections == 0
