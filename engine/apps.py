from django.apps import AppConfig
from django.conf import settings


class EngineConfig(AppConfig):
    """The engine's composition root: what the layers below leave open is wired here,
    once, when the app starts (the event sink, what a run's end sets going, the
    dispatcher and, in embedded mode, the tick it runs)."""

    name = "engine"
    verbose_name = "Stepwise engine"

    def ready(self) -> None:
        from audit import targets
        from audit.models import TargetType
        from engine.clock import tick
        from engine.live.publish import publisher
        from engine.orchestration.admission import slots_freed
        from engine.orchestration.advance import on_run_ended
        from engine.orchestration.children import parent_resume_after_commit
        from engine.orchestration.dispatch import set_dispatcher
        from engine.store.events import set_event_sink
        from engine.store.reads import run_ids_existing

        set_event_sink(publisher)
        targets.register(TargetType.RUN, run_ids_existing)
        on_run_ended(parent_resume_after_commit)
        on_run_ended(slots_freed)

        if settings.STEPWISE_EXECUTOR == "celery":
            from engine.dispatch.celery import CeleryDispatcher

            set_dispatcher(CeleryDispatcher())
        else:
            from engine.dispatch.inprocess import InProcessDispatcher

            set_dispatcher(InProcessDispatcher(tick=tick))
