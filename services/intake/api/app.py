"""The intake's FastAPI application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress

import redis
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from services.intake.api.components import (
    auth_config,
    bootstrap_keys,
    open_stream_hub,
    shutdown_grace_s,
)
from services.intake.api.context import IntakeContext
from services.intake.api.error_answers import install_error_handlers
from services.intake.api.headers import HeaderLimitMiddleware
from services.intake.api.metrics import IntakeMetrics, MetricsMiddleware
from services.intake.api.metrics import router as metrics_router
from services.intake.api.routes import (
    admin,
    articles,
    claims,
    health,
    reviews,
    stream,
    webhooks,
)
from services.intake.api.shutdown import Drain, DrainMiddleware, settle
from services.intake.api.sweeper import run_sweeps
from services.intake.api.timeouts import TimeoutMiddleware
from services.intake.extraction import ClaimExtractor
from shared.requeue import RequeueSweeper
from shared.settings import Settings
from shared.settings_configs import broker_config, redis_gauges, sweep_config
from shared.store.client import durability_warning, make_redis
from shared.tasks import CeleryEnqueuer, Enqueuer

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"


def create_app(
    settings: Settings,
    *,
    redis_client: redis.Redis | None = None,
    enqueuer: Enqueuer | None = None,
    extractor: ClaimExtractor | None = None,
) -> FastAPI:
    """The intake app. Clients not passed in are made at startup and closed at shutdown;
    clients passed in belong to the caller, who closes them.

    Raises :class:`~shared.errors.ConfigurationError` at once for weak, duplicated or
    missing bootstrap keys (see :mod:`services.intake.api.bootstrap_keys`).
    """
    bootstrap = bootstrap_keys(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as owned:
            client = redis_client
            if client is None:
                client = make_redis(settings)
                owned.callback(_closing("redis", _close_redis(client)))
            queue = enqueuer
            if queue is None:
                queue = CeleryEnqueuer(broker_config(settings))
                owned.callback(_closing("broker", queue.close))
            nlp = extractor
            if nlp is None:
                nlp = await run_in_threadpool(
                    ClaimExtractor.warmed_up,
                    settings.spacy_model,
                    threshold=settings.checkworthiness_threshold,
                )
                owned.callback(_closing("extractor", nlp.close))
            app.state.intake = IntakeContext.build(
                settings, client, queue, nlp, metrics, bootstrap=bootstrap
            )
            metrics.watch_redis(redis_gauges(client, settings))
            app.state.streams = await owned.enter_async_context(open_stream_hub(settings))
            if settings.requeue_interval_s > 0:
                broker = None
                if settings.effective_broker_url != settings.redis_url:
                    broker = make_redis(settings, url=settings.effective_broker_url)
                    owned.callback(_closing("broker redis", _close_redis(broker)))
                sweeper = RequeueSweeper(
                    client,
                    app.state.intake.store,
                    queue,
                    sweep_config(settings),
                    broker=broker,
                )
                app.state.sweeper = sweeper
                owned.push_async_callback(_cancel, asyncio.create_task(run_sweeps(sweeper)))
            warning = await run_in_threadpool(durability_warning, client)
            if warning:
                logger.warning("%s", warning)
            logger.info("intake ready (auth %s)", "on" if settings.auth_enabled else "off")
            yield
            logger.info("intake shutting down")
            # before any client closes: work still running may hold an Idempotency-Key
            await settle(app.state.intake.idempotency, timeout_s=drain.remaining_s())

    app = FastAPI(
        title="claimcheck intake",
        version=API_VERSION,
        description="Submit articles and claims for verification; read their verdicts.",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        redirect_slashes=False,  # relative redirects instead: services.intake.api.slashes
    )
    app.state.settings = settings
    app.state.auth = auth_config(settings)
    metrics = IntakeMetrics()
    app.state.metrics = metrics
    drain = Drain(shutdown_grace_s(settings))
    app.state.drain = drain  # begun by the server on SIGTERM
    # the middleware added last is outermost: metrics see every answer, 504s and 503s included
    app.add_middleware(
        TimeoutMiddleware, timeout_s=settings.request_timeout_s, on_timeout=metrics.timeouts.inc
    )
    app.add_middleware(DrainMiddleware, drain=drain)
    app.add_middleware(HeaderLimitMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(articles.router)
    app.include_router(claims.router)
    app.include_router(reviews.router)
    app.include_router(admin.router)
    app.include_router(webhooks.router)
    app.include_router(metrics_router)
    app.include_router(stream.router)
    return app


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


def _close_redis(client: redis.Redis) -> Callable[[], None]:
    def close() -> None:
        client.close()
        # the client does not own a pool it was handed (make_redis builds one): close it too
        client.connection_pool.disconnect()

    return close


def _closing(what: str, close: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            close()
        except Exception as exc:  # shutting down: report and go on closing the rest
            logger.warning("closing %s failed: %s", what, exc)

    return run
