"""Our verifier against the reference signer (the standardwebhooks package)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from engine.triggers.signatures import SignatureError, secret_new, sign, verify

BODY = b'{"order": "A-1"}'


def headers(secret, body=BODY, msg_id="msg_2Kq", at=None):
    at = at or datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
    }


def test_a_reference_signature_verifies_and_ours_equals_it():
    secret = secret_new()
    at = datetime.now(UTC)
    given = headers(secret, at=at)
    assert verify(given, BODY, [secret], now=at.timestamp()) == "msg_2Kq"
    assert sign(secret, "msg_2Kq", int(at.timestamp()), BODY) == given["webhook-signature"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b), "Missing header(s): webhook-signature"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-id"}, b), "Missing header(s): webhook-id"),
        (lambda h, b: (h, b.replace(b"A-1", b"A-2")), "No valid signature"),
        (lambda h, b: (h, b + b" "), "No valid signature"),
        (lambda h, b: ({**h, "webhook-id": "msg_other"}, b), "No valid signature"),
        (lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) - 301)}, b), "minutes away"),
        (lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 301)}, b), "minutes away"),
        (lambda h, b: ({**h, "webhook-timestamp": "yesterday"}, b), "whole seconds"),
        (lambda h, b: ({**h, "webhook-signature": "v2," + h["webhook-signature"][3:]}, b), "No valid signature"),
    ],
)
def test_every_change_is_refused_with_its_reason(change, message):
    secret = secret_new()
    given, body = change(headers(secret), BODY)
    with pytest.raises(SignatureError, match=re.escape(message)):
        verify(given, body, [secret], now=datetime.now(UTC).timestamp())


def test_any_one_byte_changed_is_refused():
    secret = secret_new()
    given = headers(secret)
    for index in range(len(BODY)):
        body = bytearray(BODY)
        body[index] ^= 0x01
        with pytest.raises(SignatureError):
            verify(given, bytes(body), [secret], now=datetime.now(UTC).timestamp())


def test_two_secrets_in_force_and_several_signatures_in_the_header():
    old, new, stranger = secret_new(), secret_new(), secret_new()
    at = datetime.now(UTC) - timedelta(seconds=299)
    signed_old = headers(old, at=at)
    assert verify(signed_old, BODY, [new, old], now=datetime.now(UTC).timestamp()) == "msg_2Kq"
    both = {**signed_old, "webhook-signature": headers(stranger, at=at)["webhook-signature"] + " " + signed_old["webhook-signature"]}
    assert verify(both, BODY, [new, old], now=datetime.now(UTC).timestamp()) == "msg_2Kq"
    with pytest.raises(SignatureError):
        verify(signed_old, BODY, [new], now=datetime.now(UTC).timestamp())
