"""ASGI entry point: HTTP through Django, websockets through Channels (served by daphne)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.core.signals import request_finished  # noqa: E402
from django.db import connections  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from engine.live.auth import TokenOrSession  # noqa: E402
from engine.orchestration.dispatch import get_dispatcher  # noqa: E402


def _close_request_connections(**_: object) -> None:
    """Under ASGI each HTTP request runs its sync code on a thread of its own, and a
    persistent connection opened there outlives the thread until garbage collection: under
    load PostgreSQL ran out of clients (found by bench/webhooks.py). Requests close theirs
    when they finish; websocket consumers share one thread and keep a persistent one."""
    for connection in connections.all(initialized_only=True):
        connection.close()


request_finished.connect(_close_request_connections, dispatch_uid="stepwise-close-request-connections")

# Embedded mode: the server process also runs the tick (timers, recovery).
_dispatcher = get_dispatcher()
if hasattr(_dispatcher, "start_ticker"):
    _dispatcher.start_ticker()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TokenOrSession(URLRouter(websocket_urlpatterns)),
    }
)
