"""A flood of bad signatures on a signed hook, through POST /hooks/<token>: past the caps
of unverified calls (per address, per hook) they are answered 429 with Retry-After,
each for the one query that finds the hook, while the sender's correctly signed call
still starts its run, from the flooded address or any other."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine.store.models import Run
from engine.triggers.refusals import unverified
from tests.engine.triggers.conftest import make_hook, post, signed

FLOOD = 1000
BODY = json.dumps({"order": "A-17", "qty": 3}).encode()


@pytest.fixture(autouse=True)
def _fresh_counts():
    unverified.clear()
    yield
    unverified.clear()


def _forged(endpoint, address):
    headers = {**signed(endpoint, BODY, msg_id="forged"), "HTTP_WEBHOOK_SIGNATURE": "v1,bm90IGEgc2lnbmF0dXJl", "REMOTE_ADDR": address}
    return post(endpoint, BODY, headers=headers)


def _past_the_cap(endpoint, address):
    """The next forged call that is answered 429: the caps count per minute, and on a slow
    machine the minute may turn after the flood, when 30 more are 401s before the cap."""
    for _ in range(32):
        answer = _forged(endpoint, address)
        if answer.status_code == 429:
            return answer
    return answer


def test_a_thousand_bad_signatures_get_429_past_the_cap_and_the_sender_still_gets_through(db, settings):
    settings.STEPWISE_WEBHOOK_UNVERIFIED_PER_ADDRESS = 30
    settings.STEPWISE_WEBHOOK_UNVERIFIED_PER_HOOK = 600
    _, endpoint = make_hook({"rate_limit_per_minute": 5})
    statuses = [_forged(endpoint, "203.0.113.9").status_code for _ in range(FLOOD)]
    # The caps count per minute: a minute that turns during the flood gives 30 more 401s.
    assert set(statuses) == {401, 429}
    assert statuses[:30] == [401] * 30
    assert statuses.count(429) >= FLOOD - 60
    refused = _past_the_cap(endpoint, "203.0.113.9")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Too many calls without a valid signature this minute")
    with CaptureQueriesContext(connection) as queries:
        again = _forged(endpoint, "203.0.113.9")
    if again.status_code != 429:  # the minute turned between the two calls (a slow machine): once more, in the new one
        _past_the_cap(endpoint, "203.0.113.9")
        with CaptureQueriesContext(connection) as queries:
            again = _forged(endpoint, "203.0.113.9")
    assert again.status_code == 429
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]  # finding the hook, nothing written

    # The sender, from the flooded address and from its own: verified, so never capped.
    for i, address in enumerate(["203.0.113.9", "198.51.100.7"]):
        accepted = post(endpoint, BODY, headers={**signed(endpoint, BODY, msg_id=f"real{i}"), "REMOTE_ADDR": address})
        assert accepted.status_code == 202, accepted.content
    assert Run.objects.count() == 2


def test_the_cap_per_hook_holds_for_calls_from_many_addresses(db, settings):
    settings.STEPWISE_WEBHOOK_UNVERIFIED_PER_ADDRESS = 5
    settings.STEPWISE_WEBHOOK_UNVERIFIED_PER_HOOK = 20
    _, endpoint = make_hook()
    _, other = make_hook()
    statuses = [_forged(endpoint, f"203.0.113.{i}").status_code for i in range(100)]
    # Each address sends one, far below its cap: the hook's cap of 20 refuses the rest
    # (20 more 401s at most if a minute turns during the flood).
    assert set(statuses) == {401, 429} and statuses[:20] == [401] * 20 and statuses.count(429) >= 60
    assert _forged(other, "203.0.113.1").status_code == 401  # another hook's caps are its own
    accepted = post(endpoint, BODY, headers={**signed(endpoint, BODY, msg_id="real"), "REMOTE_ADDR": "203.0.113.50"})
    assert accepted.status_code == 202, accepted.content
