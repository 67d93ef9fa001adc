"""ASGI entry point: HTTP through Django, websockets through Channels (served by daphne)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Under ASGI each request runs its sync code on a thread of its own: a persistent
# connection would stay open per finished thread until PostgreSQL refuses new clients
# (found by bench/webhooks.py). The web process closes its connections after each request;
# Celery workers and engine_tick keep theirs (DB_CONN_MAX_AGE_S).
os.environ.setdefault("DB_CONN_MAX_AGE_S", "0")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from engine.live.auth import TokenOrSession  # noqa: E402
from engine.orchestration.dispatch import get_dispatcher  # noqa: E402

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
