from django.apps import AppConfig


class HealthConfig(AppConfig):
    """Liveness and readiness (/healthz, /readyz) and the tick's heartbeat they read."""

    name = "health"
    verbose_name = "Stepwise health"
