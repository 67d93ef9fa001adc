"""Websocket routes: the live status of one run, and of every run of a workflow."""

from django.urls import path

from engine.live.consumers import RunConsumer, WorkflowConsumer

# Channels routes ASGI applications with Django's path(); django-stubs' path() takes views only.
websocket_urlpatterns = [
    path("ws/runs/<int:run_id>/", RunConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/workflows/<int:workflow_id>/", WorkflowConsumer.as_asgi()),  # type: ignore[arg-type]
]
