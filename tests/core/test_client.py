"""The client's address: X-Forwarded-For only through as many proxies as are trusted."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.client import client_address, user_agent


def _request(forwarded=None, remote="10.0.0.5", agent=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    if agent is not None:
        meta["HTTP_USER_AGENT"] = agent
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.5"),  # no trusted proxy: the header is anyone's to write
        (1, None, "10.0.0.5"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client wrote the first entry itself
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (3, "203.0.113.9, 10.0.0.1", "203.0.113.9"),  # fewer hops than proxies: the first
        (1, "not-an-address", "10.0.0.5"),
        (1, " , ", "10.0.0.5"),
        (1, "2001:DB8::1", "2001:db8::1"),
    ],
)
def test_the_forwarded_header_is_read_only_through_trusted_proxies(settings, proxies, forwarded, expected):
    settings.STEPWISE_TRUSTED_PROXIES = proxies
    assert client_address(_request(forwarded)) == expected


def test_no_valid_address_is_none_and_the_agent_is_cut(settings):
    settings.STEPWISE_TRUSTED_PROXIES = 0
    assert client_address(_request(remote="")) is None
    assert user_agent(_request(agent="x" * 1000)) == "x" * 256
    assert user_agent(_request()) == ""
