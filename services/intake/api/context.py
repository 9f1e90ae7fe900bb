"""What the routes share: settings and the clients built once per app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import redis
from fastapi import Depends, Request

from services.intake.api.body import RequestLimits
from services.intake.api.bootstrap_keys import BootstrapKeys
from services.intake.api.capacity import MemoryGuard
from services.intake.api.components import bootstrap_keys, rate_limits, request_limits
from services.intake.api.fairness import ExtractionGate
from services.intake.api.idempotency import IdempotencyConfig, IdempotencyStore
from services.intake.api.metrics import IntakeMetrics
from services.intake.api.ratelimit import RateLimiter
from services.intake.extraction import ClaimExtractor
from shared.newsroom.checked_text_edits import CheckedTextEditor
from shared.newsroom.rechecks import Rechecker
from shared.newsroom.reviews import ReviewRecorder
from shared.settings import Settings
from shared.settings_configs import publisher_config, store_config
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
    limits: RequestLimits
    """The longest text and the most claims of an article accepted."""
    webhook_allow_private: bool
    """Webhook URLs may name private addresses (``CLAIMCHECK_WEBHOOK_ALLOW_PRIVATE``)."""
    reviews: ReviewRecorder
    """Records editors' reviews (``POST /v1/claims/{claim_id}/review``)."""
    rechecks: Rechecker
    """Re-queues the claims a ruling decided when an editor rules again."""
    checked_texts: CheckedTextEditor
    """Sets editors' checked texts (``PATCH /v1/claims/{claim_id}``)."""

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
            store=ClaimStore(client, store_config(settings)),
            publisher=VerdictPublisher(client, publisher_config(settings)),
            enqueuer=enqueuer,
            extractor=extractor,
            idempotency=IdempotencyStore(
                client,
                IdempotencyConfig(key_prefix=settings.key_prefix, ttl_s=settings.idempotency_ttl_s),
            ),
            keys=ApiKeyStore(client, settings.key_prefix),
            webhooks=WebhookStore(client, settings.key_prefix),
            bootstrap=bootstrap or bootstrap_keys(settings),
            limiter=RateLimiter(
                client,
                rate_limits(settings),
                on_refused=lambda limit: metrics.rate_limited.labels(limit=limit).inc(),
            ),
            gate=ExtractionGate(
                settings.extraction_per_newsroom, wait_s=settings.request_timeout_s * 0.8
            ),
            metrics=metrics,
            capacity=MemoryGuard(client, settings.intake_max_memory_fraction),
            limits=request_limits(settings),
            webhook_allow_private=settings.webhook_allow_private,
            reviews=ReviewRecorder(client, publisher_config(settings)),
            rechecks=Rechecker(client, settings.key_prefix),
            checked_texts=CheckedTextEditor(client, settings.key_prefix),
        )


def get_context(request: Request) -> IntakeContext:
    context: IntakeContext = request.app.state.intake
    return context


Context = Annotated[IntakeContext, Depends(get_context)]
