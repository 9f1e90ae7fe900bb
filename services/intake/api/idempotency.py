"""``Idempotency-Key``: a retried POST returns the first answer and queues nothing again.

A key is scoped per newsroom and route. The first request claims it with ``SET NX``
(a short-lived *pending* record), does its work, then replaces the record with the
answer it sent, kept for ``settings.idempotency_ttl_s``. A concurrent request with the
same key finds the pending record and waits briefly for the answer, so two racing
requests never both queue claims. A request that failed drops its claim so the client
can retry. The same key with a different body is refused with 409.

:meth:`IdempotencyStore.run_once` is how a route does its work once per key. The store
counts the keys its requests hold, so that a stopping intake can wait for them and give up
those still held (:func:`services.intake.api.shutdown.settle`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Final

import redis
from pydantic import BaseModel

from services.intake.api.error_answers import ApiError
from shared.errors import ClaimcheckError, StoreUnavailableError
from shared.store.keys import Keys
from shared.store.lua import ARG, KEY, Script, ScriptCall

logger = logging.getLogger(__name__)

HEADER: Final = "Idempotency-Key"
MAX_KEY_LENGTH: Final = 255
PENDING_TTL_S: Final = 60
"""How long a claim survives a request that died without releasing it."""
_PRINTABLE = re.compile(r"^[\x20-\x7e]+$")

_LUA = "services.intake.api.lua"
"""The package holding the two scripts (:func:`shared.store.lua.read_script`)."""


@dataclass(frozen=True, kw_only=True)
class CompleteCall(ScriptCall):
    """``idempotency_complete.lua``: the answer replaces the record, if it is still ours."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "idempotency_complete.lua")
    record: Annotated[str, KEY]
    token: Annotated[str, ARG]
    value: Annotated[str, ARG]
    ttl: Annotated[int, ARG]


@dataclass(frozen=True, kw_only=True)
class ReleaseCall(ScriptCall):
    """``idempotency_release.lua``: the record goes, if it is still ours."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "idempotency_release.lua")
    record: Annotated[str, KEY]
    token: Annotated[str, ARG]


def parse_key(value: str | None) -> str | None:
    """Validate the header: 1-255 printable ASCII characters, not only spaces."""
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_KEY_LENGTH or not _PRINTABLE.match(value):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
            field=HEADER,
        )
    return value


def fingerprint(payload: Any) -> str:
    """A digest of a parsed JSON body that ignores key order and whitespace."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Reservation:
    """This request holds the key and must :meth:`complete` or :meth:`release` it."""

    redis_key: str
    token: str
    fingerprint: str


@dataclass(frozen=True)
class StoredResponse:
    """The answer an earlier request with the same key got."""

    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class IdempotencyConfig:
    """The records' key prefix and how long an answer is kept for replays."""

    key_prefix: str
    ttl_s: int


class IdempotencyStore:
    """Idempotency records in Redis."""

    def __init__(
        self,
        client: redis.Redis,
        config: IdempotencyConfig,
        *,
        wait_s: float = 10.0,
        poll_s: float = 0.05,
    ) -> None:
        self._redis = client
        self._keys = Keys(config.key_prefix)
        self._ttl = config.ttl_s
        self._pending_ttl = min(PENDING_TTL_S, config.ttl_s)
        self._wait_s = wait_s
        self._poll_s = poll_s
        self._complete = Script(client, CompleteCall)
        self._release = Script(client, ReleaseCall)
        self._held: set[Reservation] = set()
        self._held_lock = threading.Lock()

    def held(self) -> int:
        """How many keys requests of this process hold (begun, not yet answered)."""
        with self._held_lock:
            return len(self._held)

    def release_held(self) -> int:
        """Give up every key still held (the process is stopping); returns how many."""
        with self._held_lock:
            held, self._held = self._held, set()
        for reservation in held:
            self._drop(reservation)
        return len(held)

    def run_once(
        self,
        accept: Callable[[], BaseModel],
        *,
        scope: str,
        key: str | None,
        body_fingerprint: str,
        status_code: int = 202,
    ) -> tuple[dict[str, Any], bool]:
        """Run ``accept`` unless this idempotency key already has an answer.

        Returns the answer body and whether it is a replay of an earlier answer.
        """
        reservation: Reservation | None = None
        if key is not None:
            outcome = self.begin(scope, key, body_fingerprint)
            if isinstance(outcome, StoredResponse):
                logger.info("idempotent replay scope=%s", scope)
                return outcome.body, True
            reservation = outcome
        try:
            body = accept().model_dump(mode="json")
        except BaseException:
            if reservation is not None:
                self.release(reservation)
            raise
        if reservation is not None:
            try:
                self.complete(reservation, status_code, body)
            except ClaimcheckError as exc:  # the work is done; only a retry would repeat it
                logger.error("could not remember idempotent answer scope=%s: %s", scope, exc)
        return body, False

    def redis_key(self, scope: str, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self._keys.idempotency(scope, digest)

    def begin(self, scope: str, key: str, body_fingerprint: str) -> Reservation | StoredResponse:
        """Claim ``key`` for this request, or return the answer an earlier one got.

        Raises a 409 ApiError when the key was used with another body, or when the
        request holding it does not finish within the wait.
        """
        redis_key = self.redis_key(scope, key)
        token = uuid.uuid4().hex
        pending = json.dumps({"state": "pending", "token": token, "fingerprint": body_fingerprint})
        deadline = time.monotonic() + self._wait_s
        try:
            while True:
                if self._redis.set(redis_key, pending, nx=True, ex=self._pending_ttl):
                    reservation = Reservation(redis_key, token, body_fingerprint)
                    with self._held_lock:
                        self._held.add(reservation)
                    return reservation
                raw = self._redis.get(redis_key)
                if raw is None:  # released or expired in between: try to claim it again
                    continue
                record = json.loads(raw)
                if record.get("fingerprint") != body_fingerprint:
                    raise ApiError(
                        409,
                        "idempotency_conflict",
                        f"this {HEADER} was used with a different request body",
                        field=HEADER,
                    )
                if record.get("state") == "done":
                    return StoredResponse(int(record["status_code"]), record["body"])
                if time.monotonic() >= deadline:
                    raise ApiError(
                        409,
                        "idempotency_in_progress",
                        f"a request with this {HEADER} is still being processed",
                        field=HEADER,
                    )
                time.sleep(self._poll_s)
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"idempotency store unavailable: {exc}") from exc

    def complete(self, reservation: Reservation, status_code: int, body: dict[str, Any]) -> None:
        """Remember the answer for ``settings.idempotency_ttl_s``.

        Written even after :meth:`release_held` gave the key up, unless a retry has
        claimed it since: the answer is known now.
        """
        value = json.dumps(
            {
                "state": "done",
                "token": reservation.token,
                "fingerprint": reservation.fingerprint,
                "status_code": status_code,
                "body": body,
            }
        )
        try:
            self._complete(
                CompleteCall(
                    record=reservation.redis_key,
                    token=reservation.token,
                    value=value,
                    ttl=self._ttl,
                )
            )
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"idempotency store unavailable: {exc}") from exc
        finally:
            self._forget(reservation)

    def release(self, reservation: Reservation) -> None:
        """Give the key up after a failed request, so that a retry can run."""
        try:
            self._drop(reservation)
        finally:
            self._forget(reservation)

    def _forget(self, reservation: Reservation) -> None:
        with self._held_lock:
            self._held.discard(reservation)

    def _drop(self, reservation: Reservation) -> None:
        # if Redis is down the pending record simply expires
        with contextlib.suppress(redis.RedisError):
            self._release(ReleaseCall(record=reservation.redis_key, token=reservation.token))
