"""Webhook signing secrets encrypted at rest: the columns become text, the secrets already
stored are encrypted (core.crypto), then the fields read and write through the cipher."""

from django.db import migrations, models

import core.crypto


def encrypt_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    endpoints = apps.get_model("engine", "WebhookEndpoint")
    for endpoint in endpoints.objects.all().only("pk", "secret", "previous_secret"):
        fields = {}
        for name in ("secret", "previous_secret"):
            value = getattr(endpoint, name)
            if value and not value.startswith(core.crypto.PREFIX):
                fields[name] = core.crypto.encrypt(value)
        if fields:
            endpoints.objects.filter(pk=endpoint.pk).update(**fields)


def decrypt_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    endpoints = apps.get_model("engine", "WebhookEndpoint")
    for endpoint in endpoints.objects.all().only("pk", "secret", "previous_secret"):
        fields = {}
        for name in ("secret", "previous_secret"):
            value = getattr(endpoint, name)
            if value and value.startswith(core.crypto.PREFIX):
                fields[name] = core.crypto.decrypt(value)
        if fields:
            endpoints.objects.filter(pk=endpoint.pk).update(**fields)


class Migration(migrations.Migration):
    dependencies = [("engine", "0005_run_quotas")]

    operations = [
        migrations.AlterField(model_name="webhookendpoint", name="secret", field=models.TextField()),
        migrations.AlterField(model_name="webhookendpoint", name="previous_secret", field=models.TextField(blank=True, default="")),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=core.crypto.EncryptedTextField(help_text="Standard Webhooks signing secret (whsec_...), encrypted."),
        ),
        migrations.AlterField(
            model_name="webhookendpoint", name="previous_secret", field=core.crypto.EncryptedTextField(blank=True, default="")
        ),
    ]
