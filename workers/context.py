"""Per-process resources of a worker, and the factory of the verifier.

A :class:`WorkerContext` holds what a task needs (Redis client, claim store, verdict
publisher, verifier). Each worker process builds its own after fork, through a
:class:`ContextHolder`: eagerly in ``worker_process_init`` (prefork and solo pools),
lazily on the first task otherwise (threads pool). Nothing is created at import time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import redis

from shared.settings import Settings
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from workers.components import (
    build_llm_judge,
    embedding_config,
    http_client_config,
    sources_config,
    verifier_config,
)
from workers.newsroom.confidence_maps import NewsroomCalibration
from workers.newsroom.repeats import Repeats, RepeatsConfig
from workers.sources.http_client import make_http_client
from workers.sources.knowledge_base.index import SOURCE_NAME as KB_SOURCE
from workers.sources.registry import build_sources, close_sources
from workers.verification.calibration import VerdictCalibration
from workers.verification.decision import DecisionModel
from workers.verification.lexical import LexicalStanceScorer
from workers.verification.pipeline import Verifier
from workers.verification.stance import StanceScorer
from workers.verification.verdict_policy import VerdictPolicy

if TYPE_CHECKING:
    from workers.sources.factchecks.embedding import OnnxEmbedder

log = logging.getLogger(__name__)


CALIBRATION_FILE = "verdict_calibration.json"
DECISION_FILE = "decision.json"
"""The claim-level decision model (``claimcheck-lab calibrate`` fits it on the dev files)."""


def build_process_embedder(settings: Settings) -> OnnxEmbedder | None:
    """The process's sentence-embedding model, shared by the knowledge base's dense search
    and the fact-check matcher; None with the lexical scorer when no source needs one."""
    if settings.stance_scorer != "onnx" and "factchecks" not in settings.sources:
        return None
    from workers.sources.factchecks.source import build_embedder

    return build_embedder(embedding_config(settings))


def build_verifier(
    settings: Settings,
    *,
    calibrated: bool = True,
    redis_client: redis.Redis | None = None,
    embedder: OnnxEmbedder | None = None,
) -> Verifier:
    """The verifier every entry point uses: the configured sources and the stance scorer.

    ``CLAIMCHECK_SOURCES`` picks and orders the sources (see
    :mod:`workers.sources.registry`); each is wrapped in its resilience policy, and
    ``redis_client`` (None offline) holds their response cache. The verifier owns one
    HTTP client for the HTTP sources and the LLM judge; close everything with
    :func:`close_verifier`, or use :func:`open_verifier`. ``embedder`` is the process's
    embedding model where the caller made it already (else made here if needed).
    """
    with ExitStack() as on_failure:  # a step failed: close what was opened, then re-raise
        http_client = on_failure.enter_context(make_http_client(http_client_config(settings)))
        if embedder is None:
            embedder = build_process_embedder(settings)
        sources = build_sources(
            sources_config(settings),
            redis_client=redis_client,
            http_client=http_client,
            embedder=embedder,
        )
        on_failure.callback(close_sources, sources)
        judge = build_llm_judge(settings, http_client)
        log.info(
            "sources: %s; LLM judge: %s",
            ", ".join(s.name for s in sources) or "none",
            judge.model if judge else "off",
        )
        calibration = None
        decision = None
        if calibrated and settings.stance_scorer == "onnx":
            path = stance_model_dir(settings) / CALIBRATION_FILE
            if path.exists():
                calibration = VerdictCalibration.load(path)
            path = stance_model_dir(settings) / DECISION_FILE
            if path.exists():
                decision = DecisionModel.load(path)
        verifier = Verifier(
            sources,
            build_scorer(settings),
            verifier_config(settings),
            calibration=calibration,
            decision=decision,
            judge=judge,
            search_limits={KB_SOURCE: settings.kb_top_sentences},
        )
        on_failure.pop_all()  # built: from now on the verifier owns all of it
    verifier.closers.append(http_client.close)
    return verifier


@contextmanager
def open_verifier(
    settings: Settings, *, calibrated: bool = True, redis_client: redis.Redis | None = None
) -> Iterator[Verifier]:
    """:func:`build_verifier` for a ``with`` block, closed at its end."""
    verifier = build_verifier(settings, calibrated=calibrated, redis_client=redis_client)
    try:
        yield verifier
    finally:
        close_verifier(verifier)


def stance_model_dir(settings: Settings) -> Path:
    from workers.verification.onnx_stance import DEFAULT_MODEL_DIR

    return settings.stance_model_dir or DEFAULT_MODEL_DIR


def build_scorer(settings: Settings) -> StanceScorer:
    """The stance scorer the settings ask for (the ONNX model loads on first use)."""
    if settings.stance_scorer == "lexical":
        return LexicalStanceScorer()
    from workers.verification.onnx_stance import OnnxStanceScorer

    return OnnxStanceScorer(
        stance_model_dir(settings),
        threads=settings.onnx_threads,
        batch_size=settings.onnx_batch_size,
        context_words=settings.stance_context_words,
    )


def close_verifier(verifier: Verifier) -> None:
    """Close the verifier's sources, then what it owns (the HTTP client)."""
    close_sources(verifier.sources)
    while verifier.closers:
        verifier.closers.pop()()


def build_repeats(
    settings: Settings,
    client: redis.Redis,
    verifier: Verifier,
    embedder: OnnxEmbedder | None = None,
) -> Repeats:
    """The repeat decisions of a worker running ``verifier``."""
    config = RepeatsConfig(
        store=store_config(settings),
        reuse_ttl_s=settings.reuse_ttl_s,
        kb_path=settings.kb_path,
        factcheck_archive_path=settings.factcheck_archive_path,
    )
    return Repeats.build(
        config,
        client,
        verifier_version=verifier.version,
        source_names=tuple(source.name for source in verifier.sources),
        embedder=embedder,
    )


def build_policy(
    settings: Settings,
    client: redis.Redis,
    verifier: Verifier,
    embedder: OnnxEmbedder | None = None,
) -> VerdictPolicy:
    """The verdict policy of a worker (or of ``verify-batch`` given a Redis URL)."""
    return VerdictPolicy(
        repeats=build_repeats(settings, client, verifier, embedder),
        review_maps=(
            NewsroomCalibration(settings.review_calibration_dir)
            if settings.review_calibration_dir is not None
            else None
        ),
    )


@dataclass
class WorkerContext:
    """Everything a task needs, built once per worker process."""

    settings: Settings
    """What it was built from; the tasks read only the parts below."""
    redis: redis.Redis
    store: ClaimStore
    publisher: VerdictPublisher
    verifier: Verifier
    max_crashes: int
    """Deaths of its worker after which a claim gets a failed verdict (a poison job)."""
    policy: VerdictPolicy = field(default_factory=VerdictPolicy)
    """Settles each claim's verdict: rulings and reuse, the check, newsrooms' maps."""

    @classmethod
    def build(cls, settings: Settings) -> WorkerContext:
        client = make_redis(settings)
        embedder = build_process_embedder(settings)
        verifier = build_verifier(settings, redis_client=client, embedder=embedder)
        return cls.around(
            settings, client, verifier, policy=build_policy(settings, client, verifier, embedder)
        )

    @classmethod
    def around(
        cls,
        settings: Settings,
        client: redis.Redis,
        verifier: Verifier,
        *,
        policy: VerdictPolicy | None = None,
    ) -> WorkerContext:
        """A context of this Redis client and verifier: the claim store and the verdict
        publisher on the client, the crash limit from the settings (and, without ``policy``,
        the default verdict policy)."""
        return cls(
            settings=settings,
            redis=client,
            store=ClaimStore(client, store_config(settings)),
            publisher=VerdictPublisher(client, publisher_config(settings)),
            verifier=verifier,
            max_crashes=settings.task_max_crashes,
            policy=VerdictPolicy() if policy is None else policy,
        )

    def close(self) -> None:
        close_verifier(self.verifier)
        self.redis.close()


@dataclass
class ContextHolder:
    """Builds the process's :class:`WorkerContext` once, on demand, and closes it."""

    settings: Settings
    _context: WorkerContext | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> WorkerContext:
        context = self._context
        if context is not None:
            return context
        with self._lock:
            if self._context is None:
                self._context = WorkerContext.build(self.settings)
            return self._context

    def reset_after_fork(self) -> None:
        """Forget a context inherited from the parent (never used across a fork)."""
        self._context = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            context, self._context = self._context, None
        if context is not None:
            context.close()
