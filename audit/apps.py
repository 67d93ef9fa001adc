from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Stepwise audit log"

    def ready(self) -> None:
        # Sign-in, failed sign-in and sign-out come from Django's auth signals: observers
        # of what django.contrib.auth already did, never control flow.
        from audit import signals  # noqa: F401
