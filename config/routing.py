"""Websocket routes: the live status of one run, and of every run of a workflow."""

from django.urls import path

from engine.live.consumers import RunConsumer, WorkflowConsumer

websocket_urlpatterns = [
    path("ws/runs/<int:run_id>/", RunConsumer.as_asgi()),
    path("ws/workflows/<int:workflow_id>/", WorkflowConsumer.as_asgi()),
]
