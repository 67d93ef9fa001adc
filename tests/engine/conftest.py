import contextlib

import pytest

from engine.clock import tick
from engine.dispatch.inprocess import InProcessDispatcher
from engine.orchestration.dispatch import Collecting, get_dispatcher, set_dispatcher
from tests.engine.harness import Ledger


@pytest.fixture
def ledger(settings):
    settings.STEPWISE_HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Ledger() as running:
        yield running


@contextlib.contextmanager
def embedded_mode(tick_interval_s: float):
    """The embedded mode for real: a thread pool and a tick thread, on committed data."""
    previous = get_dispatcher()
    dispatcher = InProcessDispatcher(workers=4, tick=tick)
    set_dispatcher(dispatcher)
    dispatcher.start_ticker(interval_s=tick_interval_s)
    try:
        yield dispatcher
    finally:
        dispatcher.stop()
        set_dispatcher(previous)


@pytest.fixture
def embedded(transactional_db):
    """The embedded mode with a fast tick (0.05 s): lost work is found at once."""
    with embedded_mode(0.05) as dispatcher:
        yield dispatcher


@pytest.fixture
def embedded_1s_tick(transactional_db):
    """The embedded mode as `make run` has it: a tick every second (the safety net)."""
    with embedded_mode(1.0) as dispatcher:
        yield dispatcher


@pytest.fixture
def collecting():
    """Steps are sent nowhere: the test delivers them itself (run_chain, step_execute)."""
    previous = get_dispatcher()
    dispatcher = Collecting()
    set_dispatcher(dispatcher)
    yield dispatcher
    set_dispatcher(previous)
