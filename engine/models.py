"""The engine app's models, for Django (which loads <app>.models): they live with the
layer that owns them, the run state in engine.store, the triggers' rows in
engine.triggers. Nothing imports this module."""

from engine.store.models import Run, RunEvent, StepRun, Trigger
from engine.store.step_tests import StepTest
from engine.triggers.models import Schedule, ScheduleSlot, WebhookDelivery, WebhookEndpoint

__all__ = ["Run", "RunEvent", "Schedule", "ScheduleSlot", "StepRun", "StepTest", "Trigger", "WebhookDelivery", "WebhookEndpoint"]
