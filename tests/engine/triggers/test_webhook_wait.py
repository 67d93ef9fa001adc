"""The webhook's wait listens on the run's channel group: with the safety re-read of the
database made very long, a run that ends mid-wait is still answered at once (its group told
the waiter), a run that ended before the wait began is answered by the first read, and a
message the layer lost is made up for by the safety re-read, and a layer that cannot be
reached by reading at the fallback pace."""

from __future__ import annotations

import json
import time

from asgiref.sync import async_to_sync

from engine.api import hooks
from engine.live import waiting
from engine.store import events
from engine.store.models import Run
from tests.engine.triggers.conftest import make_hook, post, signed
from tests.factories import edge, node

ORDER = {"order": "A-17", "qty": 3}
NAP_S = 1.0


def _napping_hook(config):
    """A hook whose run naps NAP_S before it ends: it ends after the wait has subscribed."""
    nap = node("nap", "wait", {"mode": "duration", "duration_s": NAP_S})
    return make_hook({"response_mode": "wait", **config}, extra_nodes=[nap], extra_edges=[edge("e2", "shape", "nap")])


def _timed_post(endpoint, msg_id="w1", suffix=""):
    body = json.dumps(ORDER).encode()
    started = time.monotonic()
    response = post(endpoint, body, headers=signed(endpoint, body, msg_id=msg_id), path_suffix=suffix)
    return response, time.monotonic() - started


def test_a_run_ending_mid_wait_is_answered_at_once_though_reads_are_rare(embedded, monkeypatch):
    monkeypatch.setattr(hooks, "RECHECK_S", 120.0)
    _, endpoint = _napping_hook({"respond_with_node": "shape", "wait_timeout_s": 30})
    response, took = _timed_post(endpoint)
    assert response.status_code == 200, response.content
    assert response.json() == {"order": "A-17", "doubled": 6}
    assert NAP_S <= took < NAP_S + 3, f"answered after {took:.2f} s: the wait did not hear the run end"


def test_a_failed_run_is_heard_too(embedded, monkeypatch):
    monkeypatch.setattr(hooks, "RECHECK_S", 120.0)
    boom = node("boom", "fail", {"message": "no stock"})
    nap = node("nap", "wait", {"mode": "duration", "duration_s": NAP_S})
    _, endpoint = make_hook(
        {"response_mode": "wait", "wait_timeout_s": 30},
        extra_nodes=[nap, boom],
        extra_edges=[edge("e2", "shape", "nap"), edge("e3", "nap", "boom")],
    )
    response, took = _timed_post(endpoint)
    assert response.status_code == 502 and response.json()["status"] == "failed"
    assert took < NAP_S + 3, f"answered after {took:.2f} s"


def test_a_run_that_ended_before_the_wait_began_is_answered_by_the_first_read(embedded, monkeypatch):
    monkeypatch.setattr(hooks, "RECHECK_S", 120.0)
    _, endpoint = make_hook()  # async mode: 202 at once
    response, _ = _timed_post(endpoint)
    run_id = response.json()["run_id"]
    deadline = time.monotonic() + 10
    while Run.objects.get(pk=run_id).status != "succeeded":
        assert time.monotonic() < deadline, "the run did not end"
        time.sleep(0.02)
    started = time.monotonic()
    result = async_to_sync(hooks._wait_result)(run_id, None, 30.0)
    assert time.monotonic() - started < 1.0
    assert result == ("succeeded", {"shape": {"order": "A-17", "doubled": 6}}, None)


def test_a_lost_message_is_made_up_for_by_the_safety_re_read(embedded, monkeypatch):
    monkeypatch.setattr(hooks, "RECHECK_S", 0.3)
    monkeypatch.setattr(events, "_sink", None)  # nothing is published: every message is lost
    _, endpoint = _napping_hook({"wait_timeout_s": 30})
    response, took = _timed_post(endpoint)
    assert response.status_code == 200, response.content
    assert took < NAP_S + 3, f"answered after {took:.2f} s"


def test_a_silent_run_still_answers_202_at_its_timeout(embedded, monkeypatch):
    monkeypatch.setattr(hooks, "RECHECK_S", 120.0)
    _, endpoint = _napping_hook({})
    response, took = _timed_post(endpoint, suffix="?wait=0.3")
    assert response.status_code == 202 and response.json()["run_id"]
    assert 0.3 <= took < 1.0, f"answered after {took:.2f} s"


def test_without_a_channel_layer_the_wait_falls_back_to_reading(embedded, monkeypatch):
    class Down:
        async def new_channel(self):
            raise ConnectionError("the layer is down")

    monkeypatch.setattr(hooks, "RECHECK_S", 120.0)
    monkeypatch.setattr(waiting, "get_channel_layer", lambda: Down())
    _, endpoint = _napping_hook({"wait_timeout_s": 30})
    response, took = _timed_post(endpoint)
    assert response.status_code == 200, response.content
    assert took < NAP_S + 3, f"answered after {took:.2f} s"
