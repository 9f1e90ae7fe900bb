"""What the routes share: settings and the clients built once per app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import redis
from fastapi import Depends, Request

from services.intake.extraction import ClaimExtractor
from services.intake.idempotency import IdempotencyStore
from services.intake.queue import Enqueuer
from shared.publisher import VerdictPublisher
from shared.settings import Settings
from shared.store import ClaimStore


@dataclass(frozen=True)
class IntakeContext:
    """The intake's settings and clients; lives on ``app.state.intake`` while serving."""

    settings: Settings
    redis: redis.Redis
    store: ClaimStore
    publisher: VerdictPublisher
    enqueuer: Enqueuer
    extractor: ClaimExtractor
    idempotency: IdempotencyStore

    @classmethod
    def build(
        cls,
        settings: Settings,
        client: redis.Redis,
        enqueuer: Enqueuer,
        extractor: ClaimExtractor,
    ) -> IntakeContext:
        return cls(
            settings=settings,
            redis=client,
            store=ClaimStore(client, settings),
            publisher=VerdictPublisher(client, settings),
            enqueuer=enqueuer,
            extractor=extractor,
            idempotency=IdempotencyStore(client, settings),
        )


def get_context(request: Request) -> IntakeContext:
    context: IntakeContext = request.app.state.intake
    return context


Context = Annotated[IntakeContext, Depends(get_context)]
