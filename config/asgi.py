"""ASGI entry point: HTTP through Django, websockets through Channels (served by daphne)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.core.signals import request_finished  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core.connections import close_thread_connections  # noqa: E402
from engine.live.auth import TokenOrSession  # noqa: E402
from engine.live.flow import with_pending_bytes  # noqa: E402
from engine.orchestration.dispatch import get_dispatcher  # noqa: E402

# Requests close their connections when they finish (see core/connections.py).
request_finished.connect(close_thread_connections, dispatch_uid="stepwise-close-request-connections")

# Embedded mode: the server process also runs the tick (timers, recovery).
_dispatcher = get_dispatcher()
if hasattr(_dispatcher, "start_ticker"):
    _dispatcher.start_ticker()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # types-channels wants its own pattern type here, which path() (see routing.py) does not return.
        # Outermost, with_pending_bytes sees daphne's own send: the consumers' flow control.
        "websocket": with_pending_bytes(TokenOrSession(URLRouter(websocket_urlpatterns))),  # type: ignore[arg-type]
    }
)
