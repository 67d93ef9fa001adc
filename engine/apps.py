from django.apps import AppConfig
from django.conf import settings


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = "Stepwise engine"

    def ready(self) -> None:
        from engine.events import set_event_sink
        from engine.live.publish import publisher
        from engine.orchestration.dispatch import set_dispatcher

        set_event_sink(publisher)

        if settings.STEPWISE_EXECUTOR == "celery":
            from engine.dispatch.celery import CeleryDispatcher

            set_dispatcher(CeleryDispatcher())
        else:
            from engine.dispatch.inprocess import InProcessDispatcher

            set_dispatcher(InProcessDispatcher())
