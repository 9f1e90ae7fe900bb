"""Signed webhooks, the Standard Webhooks scheme: signing (the deliverer) and verifying
(a receiver's side, usable on its own: standard library only).

A message carries three headers:

* ``Webhook-Id``: the message's id, the same on every retry of it (a receiver dedupes on it);
* ``Webhook-Timestamp``: Unix seconds when this attempt was signed;
* ``Webhook-Signature``: ``v1,<base64 HMAC-SHA256>`` over ``"{id}.{timestamp}.{body}"``, keyed
  with the endpoint's secret (``whsec_<base64>``: the key is the base64-decoded part).

A receiver checks a delivery like this (``secret`` is what ``claimcheck webhooks add``
printed once)::

    from shared.webhook_signature import verify, WebhookVerificationError

    try:
        event = verify(secret, request.headers, request.body)   # the parsed JSON body
    except WebhookVerificationError:
        return 400

``verify`` refuses a wrong signature, a missing header and a timestamp more than
``tolerance_s`` (5 minutes) away from the receiver's clock (a replayed message).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any, Final

SECRET_PREFIX: Final = "whsec_"
SIGNATURE_VERSION: Final = "v1"
DEFAULT_TOLERANCE_S: Final = 300


class WebhookVerificationError(ValueError):
    """A delivery whose signature, headers or timestamp do not check out."""


def new_secret() -> str:
    """A fresh endpoint secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise WebhookVerificationError("the secret is not whsec_<base64>") from exc


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``Webhook-Signature`` value of one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers_for(
    secret: str, msg_id: str, body: bytes, *, now: float | None = None
) -> dict[str, str]:
    """The three headers of one delivery attempt, signed now."""
    timestamp = int(time.time() if now is None else now)
    return {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": sign(secret, msg_id, timestamp, body),
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    raise WebhookVerificationError(f"missing header {name}")


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> Any:
    """The parsed JSON body of a delivery whose signature checks out (module docstring)."""
    msg_id = _header(headers, "Webhook-Id")
    stamp = _header(headers, "Webhook-Timestamp")
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError("Webhook-Timestamp is not an integer") from exc
    clock = time.time() if now is None else now
    if abs(clock - timestamp) > tolerance_s:
        raise WebhookVerificationError("Webhook-Timestamp is too far from now")
    expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1]
    for candidate in _header(headers, "Webhook-Signature").split():
        version, _, value = candidate.partition(",")
        if version == SIGNATURE_VERSION and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise WebhookVerificationError("no matching signature")
