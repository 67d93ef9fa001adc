import pytest

from tests.engine.harness import Ledger
from tests.integration.server import make_server


@pytest.fixture
def ledger(settings):
    """The engine tests' recording HTTP server, reachable by the HTTP node (127.0.0.1 let through)."""
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Ledger() as running:
        yield running


@pytest.fixture
def live_server_process(tmp_path):
    server = make_server(tmp_path)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def celery_mode(transactional_db, tmp_path):
    from engine.dispatch.celery import CeleryDispatcher
    from engine.orchestration.dispatch import get_dispatcher, set_dispatcher
    from tests.integration.celery_mode import CeleryMode

    mode = CeleryMode(tmp_path)
    previous = get_dispatcher()
    try:
        mode.start()
        set_dispatcher(CeleryDispatcher())
        yield mode
    finally:
        set_dispatcher(previous)
        mode.stop()
