import pytest

from engine.dispatch.inprocess import InProcessDispatcher
from engine.orchestration.dispatch import Collecting, get_dispatcher, set_dispatcher
from tests.engine.harness import Ledger


@pytest.fixture
def ledger(settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Ledger() as running:
        yield running


@pytest.fixture
def embedded(transactional_db):
    """The embedded mode for real: a thread pool and a tick thread, on committed data."""
    previous = get_dispatcher()
    dispatcher = InProcessDispatcher(workers=4)
    set_dispatcher(dispatcher)
    dispatcher.start_ticker(interval_s=0.05)
    yield dispatcher
    dispatcher.stop()
    set_dispatcher(previous)


@pytest.fixture
def collecting():
    """Steps are sent nowhere: the test delivers them itself (run_chain, step_execute)."""
    previous = get_dispatcher()
    dispatcher = Collecting()
    set_dispatcher(dispatcher)
    yield dispatcher
    set_dispatcher(previous)
