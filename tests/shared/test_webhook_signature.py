"""Webhook signatures: the Standard Webhooks scheme, checked against its published example."""

from __future__ import annotations

import pytest

from shared.webhook_signature import (
    WebhookVerificationError,
    headers_for,
    new_secret,
    sign,
    verify,
)

# the example of the Standard Webhooks specification (secret, id, timestamp, body, signature)
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_sign_matches_the_specifications_example() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) == SPEC_SIGNATURE


def test_verify_accepts_the_example_and_returns_the_body() -> None:
    headers = {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TS),
        "webhook-signature": "v1,bm9wZQ== " + SPEC_SIGNATURE,  # one of several signatures
    }
    assert verify(SPEC_SECRET, headers, SPEC_BODY, now=SPEC_TS + 10) == {"test": 2432232314}


@pytest.mark.parametrize(
    ("change", "now"),
    [
        ({"Webhook-Signature": "v1,AAAA"}, SPEC_TS),
        ({"Webhook-Id": "msg_other"}, SPEC_TS),
        ({"Webhook-Timestamp": "not-a-number"}, SPEC_TS),
        ({}, SPEC_TS + 301),  # replayed too late
        ({}, SPEC_TS - 301),
    ],
)
def test_verify_refuses_tampering_and_replays(change: dict[str, str], now: int) -> None:
    headers = {
        "Webhook-Id": SPEC_ID,
        "Webhook-Timestamp": str(SPEC_TS),
        "Webhook-Signature": SPEC_SIGNATURE,
    } | change
    with pytest.raises(WebhookVerificationError):
        verify(SPEC_SECRET, headers, SPEC_BODY, now=now)


def test_a_changed_body_or_another_secret_fails() -> None:
    secret = new_secret()
    headers = headers_for(secret, "msg_1", b'{"a": 1}')
    assert verify(secret, headers, b'{"a": 1}') == {"a": 1}
    with pytest.raises(WebhookVerificationError):
        verify(secret, headers, b'{"a": 2}')
    with pytest.raises(WebhookVerificationError):
        verify(new_secret(), headers, b'{"a": 1}')
    with pytest.raises(WebhookVerificationError, match="missing header"):
        verify(secret, {}, b"{}")


def test_secrets_are_random_and_well_formed() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and a.startswith("whsec_") and len(a) == len("whsec_") + 44
