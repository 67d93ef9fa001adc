"""ASGI entry point: HTTP through Django, websockets through Channels (served by daphne)."""

import os

from django.core.asgi import get_asgi_application

from config.env import load_settings_or_exit
from core import tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
load_settings_or_exit()  # a bad environment value: one line on stderr, exit 2
tracing.setup("stepwise-web")  # before Django loads its middleware: the tracing's is added then
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.signals import request_finished  # noqa: E402

from config import daphne_access, daphne_body  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from core.connections import close_thread_connections  # noqa: E402
from core.logging import connections_summary, get_logger  # noqa: E402
from core.middleware import RequestBodyLimit  # noqa: E402
from engine.live.auth import TokenOrSession  # noqa: E402
from engine.live.flow import with_pending_bytes  # noqa: E402
from engine.orchestration.dispatch import get_dispatcher  # noqa: E402
from monitoring.exposition import serve_port  # noqa: E402

# Requests close their connections when they finish (see core/connections.py).
request_finished.connect(close_thread_connections, dispatch_uid="stepwise-close-request-connections")

# Embedded mode: the server process also runs the tick (timers, recovery).
_dispatcher = get_dispatcher()
if hasattr(_dispatcher, "start_ticker"):
    _dispatcher.start_ticker()

# The web process's start line: what it connected to (no password); daphne's own line
# ("Listening on TCP address ...") follows once it listens.
get_logger("stepwise.web").info(
    "web application ready",
    **connections_summary(),
    executor=settings.STEPWISE_EXECUTOR,
    tracing=tracing.enabled(),
)
# METRICS_PORT: the metrics on a port of their own (docs/operations-metrics.md).
serve_port()

# Request bodies past STEPWISE_MAX_BODY_BYTES are refused while they arrive: by daphne's
# request when daphne serves (it buffers whole bodies before the application runs), by
# RequestBodyLimit under any server; never stored past the limit (docs/architecture.md#errors).
daphne_body.install(settings.STEPWISE_MAX_BODY_BYTES)
# A webhook's token is its URL's secret: daphne's access log writes `/hooks/<token>` instead.
daphne_access.install()

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi_app),
        # types-channels wants its own pattern type here, which path() (see routing.py) does not return.
        # Outermost, with_pending_bytes sees daphne's own send: the consumers' flow control.
        "websocket": with_pending_bytes(TokenOrSession(URLRouter(websocket_urlpatterns))),  # type: ignore[arg-type]
    }
)
