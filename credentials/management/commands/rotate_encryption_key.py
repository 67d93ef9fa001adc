"""Re-encrypt every encrypted value (core.crypto.EncryptedTextField, in any model) with
the first key of STEPWISE_ENCRYPTION_KEY. Run it after putting a new key first; once it
has run, the old keys can be dropped from the setting."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.crypto import DecryptionFailed, EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key of STEPWISE_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not names:
                continue
            count = 0
            pks = list(model._default_manager.values_list("pk", flat=True))
            for start in range(0, len(pks), 500):
                try:
                    with transaction.atomic():
                        rows = model._default_manager.select_for_update().filter(pk__in=pks[start : start + 500]).only("pk", *names)
                        for row in rows:
                            model._default_manager.filter(pk=row.pk).update(**{name: getattr(row, name) for name in names})
                            count += 1
                except DecryptionFailed as exc:
                    label = model._meta.label
                    raise CommandError(f"{label}: {exc} Keep the key it was encrypted with in STEPWISE_ENCRYPTION_KEY.") from None
            total += count
            self.stdout.write(f"{model._meta.label}: {count} re-encrypted")
        self.stdout.write(f"{total} rows re-encrypted with the first key.")
