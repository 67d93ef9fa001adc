"""Guarded node types run on reused threads (engine/orchestration/guards.py): a call past
its timeout keeps its thread, the next call gets another, and a thread whose call ended
serves the next one."""

import threading
import time

import pytest

from engine.orchestration.guards import GuardPool


def test_a_thread_is_reused_and_a_stuck_one_is_not_waited_for():
    pool = GuardPool()
    first = pool.call(threading.get_ident, 5)
    time.sleep(0.05)  # it goes back idle once its call returned
    assert pool.call(threading.get_ident, 5) == first
    release = threading.Event()
    with pytest.raises(TimeoutError):
        pool.call(lambda: release.wait(10), 0.1)
    # The stuck thread is still busy: the next call runs elsewhere, at once.
    other = pool.call(threading.get_ident, 5)
    release.set()
    assert other != 0


def test_an_exception_reaches_the_caller():
    def boom():
        raise ValueError("from the node")

    with pytest.raises(ValueError, match="from the node"):
        GuardPool().call(boom, 5)
