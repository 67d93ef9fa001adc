"""Websocket routes. The live-status consumers (ws/runs/<id>/, ws/workflows/<id>/) land
with the live-status issue."""

websocket_urlpatterns: list = []
