import pytest

from tests.engine.conftest import embedded_mode
from tests.engine.harness import Ledger


@pytest.fixture
def ledger(settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Ledger() as running:
        yield running


@pytest.fixture
def embedded(transactional_db):
    with embedded_mode(0.05) as dispatcher:
        yield dispatcher


@pytest.fixture
def collecting():
    from engine.orchestration.dispatch import Collecting, get_dispatcher, set_dispatcher

    previous = get_dispatcher()
    dispatcher = Collecting()
    set_dispatcher(dispatcher)
    yield dispatcher
    set_dispatcher(previous)
