"""What the routes share: settings and the clients built once per app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import redis
from fastapi import Depends, Request

from services.intake.api.bootstrap_keys import BootstrapKeys
from services.intake.api.capacity import MemoryGuard
from services.intake.api.fairness import ExtractionGate
from services.intake.api.idempotency import IdempotencyConfig, IdempotencyStore
from services.intake.api.metrics import IntakeMetrics
from services.intake.api.ratelimit import RateLimiter, RateLimits
from services.intake.extraction import ClaimExtractor
from shared.settings import Settings
from shared.store.api_keys import ApiKeyStore
from shared.store.claims import ClaimStore
from shared.store.publisher import VerdictPublisher
from shared.store.webhooks import WebhookStore
from shared.tasks import Enqueuer


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
    keys: ApiKeyStore
    webhooks: WebhookStore
    bootstrap: BootstrapKeys
    limiter: RateLimiter
    gate: ExtractionGate
    metrics: IntakeMetrics
    capacity: MemoryGuard

    @classmethod
    def build(
        cls,
        settings: Settings,
        client: redis.Redis,
        enqueuer: Enqueuer,
        extractor: ClaimExtractor,
        metrics: IntakeMetrics | None = None,
        bootstrap: BootstrapKeys | None = None,
    ) -> IntakeContext:
        metrics = metrics or IntakeMetrics()
        return cls(
            settings=settings,
            redis=client,
            store=ClaimStore.from_settings(client, settings),
            publisher=VerdictPublisher.from_settings(client, settings),
            enqueuer=enqueuer,
            extractor=extractor,
            idempotency=IdempotencyStore(client, IdempotencyConfig.from_settings(settings)),
            keys=ApiKeyStore(client, settings.key_prefix),
            webhooks=WebhookStore(client, settings.key_prefix),
            bootstrap=bootstrap or BootstrapKeys.from_settings(settings),
            limiter=RateLimiter(
                client,
                RateLimits.from_settings(settings),
                on_refused=lambda limit: metrics.rate_limited.labels(limit=limit).inc(),
            ),
            gate=ExtractionGate(
                settings.extraction_per_newsroom, wait_s=settings.request_timeout_s * 0.8
            ),
            metrics=metrics,
            capacity=MemoryGuard(client, settings.intake_max_memory_fraction),
        )


def get_context(request: Request) -> IntakeContext:
    context: IntakeContext = request.app.state.intake
    return context


Context = Annotated[IntakeContext, Depends(get_context)]
