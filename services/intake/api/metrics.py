"""Prometheus metrics of the intake, served on ``GET /metrics``.

Each app has its own registry (several apps can live in one test process). Requests are
counted by route template (``/v1/claims/{claim_id}``, never the raw path) and status; the
Redis gauges (queue depth, stream length) are read when Prometheus scrapes.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.store.gauges import RedisGauges

UNMATCHED_ROUTE = "unmatched"


class IntakeMetrics:
    """The intake's counters and histograms, in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "claimcheck_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "claimcheck_http_requests_in_progress",
            "HTTP requests received and not yet answered, by method",
            ["method"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "claimcheck_http_request_duration_seconds",
            "Time to answer an HTTP request (to the end of the body), by route template",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.claims_queued = Counter(
            "claimcheck_claims_queued",
            "Claims stored and queued for verification, by how they came (article, claim)",
            ["kind"],
            registry=self.registry,
        )
        self.claims_skipped = Counter(
            "claimcheck_claims_over_limit",
            "Claims of articles not queued because of CLAIMCHECK_MAX_CLAIMS_PER_ARTICLE",
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "claimcheck_rate_limited",
            "Requests refused with 429, by limit (requests, claims)",
            ["limit"],
            registry=self.registry,
        )
        self.timeouts = Counter(
            "claimcheck_request_timeouts",
            "Requests answered 504 after CLAIMCHECK_REQUEST_TIMEOUT_S",
            registry=self.registry,
        )

        self._gauges: RedisGauges | None = None

    def watch_redis(self, gauges: RedisGauges) -> None:
        """Add (or re-point) the queue-depth and stream-length gauges, read at scrape time."""
        if self._gauges is not None:
            self.registry.unregister(self._gauges)
        self._gauges = gauges
        self.registry.register(self._gauges)

    def render(self) -> bytes:
        return generate_latest(self.registry)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format; unauthenticated, like /healthz (keep it off the public edge)."""
    metrics: IntakeMetrics = request.app.state.metrics
    body = await run_in_threadpool(metrics.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class MetricsMiddleware:
    """Counts every HTTP request and times it, labelled by route template."""

    def __init__(self, app: ASGIApp, metrics: IntakeMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        method = str(scope.get("method", ""))
        running = self.metrics.in_progress.labels(method=method)
        running.inc()

        answered: float | None = None

        async def send_and_note(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                if answered is None:
                    running.dec()
                status = int(message["status"])
                answered = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            if answered is None:
                running.dec()
            route = route_template(scope)
            self.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
            # time to the answer's start: an event stream stays open for hours after it
            ended = answered if answered is not None else time.perf_counter()
            self.metrics.latency.labels(method=method, route=route).observe(ended - started)
