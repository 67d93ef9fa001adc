"""Encryption at rest and key rotation: a value encrypted under the old key reads while
both keys are in force; the command re-encrypts everything under the new one, after which
the old key can go; a value no key in force decrypts is an error, never garbage."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from core.crypto import DecryptionFailed
from credentials.models import Credential
from credentials.services import credential_create, credential_data
from engine.triggers.models import WebhookEndpoint
from tests.factories import make_workflow

pytestmark = pytest.mark.django_db
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_rotation_reads_old_values_and_the_command_re_encrypts(user, settings):
    settings.STEPWISE_ENCRYPTION_KEYS = [OLD]
    credential = credential_create(owner=user, name="k", type="http.bearer", data={"token": "rotate-me-123"})
    endpoint = WebhookEndpoint.objects.create(workflow=make_workflow(user), node_id="hook", token="t0k3n", secret="whsec_abcdef")
    before = _raw("credentials_credential", "data", credential.pk)

    settings.STEPWISE_ENCRYPTION_KEYS = [NEW, OLD]  # the new key first: it encrypts, both decrypt
    assert credential_data(Credential.objects.get(pk=credential.pk)) == {"token": "rotate-me-123"}
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert "credentials.Credential: 1 re-encrypted" in out.getvalue() and "engine.WebhookEndpoint: 1 re-encrypted" in out.getvalue(), (
        out.getvalue()
    )
    after = _raw("credentials_credential", "data", credential.pk)
    assert after != before

    settings.STEPWISE_ENCRYPTION_KEYS = [NEW]  # the old key dropped: everything still reads
    assert credential_data(Credential.objects.get(pk=credential.pk)) == {"token": "rotate-me-123"}
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == "whsec_abcdef"


def test_a_value_no_key_decrypts_is_an_error(user, settings):
    settings.STEPWISE_ENCRYPTION_KEYS = [OLD]
    credential = credential_create(owner=user, name="k", type="http.bearer", data={"token": "lost-key-123"})
    settings.STEPWISE_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(DecryptionFailed):
        Credential.objects.get(pk=credential.pk)


def test_the_command_stops_on_a_value_it_cannot_read(user, settings):
    from django.core.management.base import CommandError

    settings.STEPWISE_ENCRYPTION_KEYS = [OLD]
    credential_create(owner=user, name="k", type="http.bearer", data={"token": "lost-key-123"})
    settings.STEPWISE_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError, match="Keep the key"):
        call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_webhook_secrets_are_encrypted_at_rest(user):
    endpoint = WebhookEndpoint.objects.create(workflow=make_workflow(user), node_id="hook", token="t0k3n2", secret="whsec_plain123")
    stored = _raw("engine_webhookendpoint", "secret", endpoint.pk)
    assert "whsec_plain123" not in stored and stored.startswith("fernet:")
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == "whsec_plain123"


def test_a_bad_key_in_the_setting_names_the_setting(settings):
    from django.core.exceptions import ImproperlyConfigured

    from core.crypto import encrypt

    settings.STEPWISE_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="STEPWISE_ENCRYPTION_KEY"):
        encrypt("x")
