"""The worker's components, configured from the settings: part of the worker's root.

Only the process roots read :class:`~shared.settings.Settings` (``tests/test_architecture.py``
keeps it so). The worker's components (its sources and their resilience, the HTTP client,
the LLM judge, the verifier, task retries) take small configs, built here from the settings
by the worker's root (:mod:`workers.context`, :mod:`workers.celery_app`,
:mod:`workers.runner`) and by ``cli/`` and ``lab/`` where they build the same components.
The configs of the components every process shares are built in :mod:`shared.settings_configs`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx

from shared.settings import Settings
from shared.settings_checks import LOCAL_SOURCES
from workers.resilience.breaker import BreakerConfig, CircuitBreaker
from workers.resilience.task_retry import RetryPolicy
from workers.sources.factchecks.source import EmbeddingConfig, FactCheckConfig
from workers.sources.google_factcheck import GoogleFactCheckConfig
from workers.sources.http_client import HttpClientConfig
from workers.sources.registry import KnowledgeBaseConfig, SourcesConfig, source_names
from workers.sources.resilience import SourcePolicy
from workers.sources.wikipedia import WikipediaConfig
from workers.verification.pipeline import VerifierConfig

if TYPE_CHECKING:
    from workers.verification.llm_judge import LlmJudge

_INTEGER_KEYS = frozenset({"retries", "circuit_failures", "concurrency", "cache_ttl_s"})
"""The ``CLAIMCHECK_SOURCE_OVERRIDES`` keys that hold whole numbers (the rest are seconds)."""


def breaker_config(settings: Settings) -> BreakerConfig:
    """When a circuit opens and for how long (``CLAIMCHECK_CIRCUIT_*``)."""
    return BreakerConfig(failures=settings.circuit_failures, reset_s=settings.circuit_reset_s)


def retry_policy(settings: Settings) -> RetryPolicy:
    """How often and after how long a failed task is tried again; every wait is capped at
    half the visibility timeout (a task waiting longer would be delivered twice)."""
    cap = min(settings.retry_backoff_max_s, settings.visibility_timeout_s / 2)
    return RetryPolicy(
        max_retries=settings.task_max_retries,
        base_s=min(settings.retry_backoff_base_s, cap),
        cap_s=cap,
    )


def source_policy(settings: Settings, name: str) -> SourcePolicy:
    """Source ``name``'s policy: the shared settings, its own time budget, then its
    ``CLAIMCHECK_SOURCE_OVERRIDES`` (e.g. ``{"wikipedia": {"retries": 1}}``), which win
    over everything else, including the no-cache rule of local sources."""
    policy = SourcePolicy(
        timeout_s=settings.source_budget_s(name),
        retries=settings.source_retries,
        backoff_base_s=settings.source_backoff_base_s,
        backoff_max_s=settings.source_backoff_max_s,
        circuit_failures=settings.circuit_failures,
        circuit_reset_s=settings.circuit_reset_s,
        concurrency=settings.source_concurrency,
        cache_ttl_s=0 if name in LOCAL_SOURCES else settings.source_cache_ttl_s,
        cache_prefix=settings.key_prefix,
    )
    overrides = settings.source_overrides.get(name, {})
    changes: dict[str, Any] = {
        key: int(value) if key in _INTEGER_KEYS else float(value)
        for key, value in overrides.items()
    }
    return replace(policy, **changes)


def http_client_config(settings: Settings) -> HttpClientConfig:
    """The worker's one HTTP client: the longest timeout any source or the judge needs."""
    longest = max(
        settings.source_timeout_s,
        settings.wikipedia_timeout_s,
        settings.google_factcheck_timeout_s,
        settings.llm_judge_timeout_s,
    )
    return HttpClientConfig(timeout_s=longest, user_agent=settings.source_user_agent)


def embedding_config(settings: Settings) -> EmbeddingConfig:
    """The sentence-embedding model (``CLAIMCHECK_EMBEDDING_MODEL_DIR``, else the shipped one)."""
    from workers.sources.factchecks.embedding import DEFAULT_MODEL_DIR

    return EmbeddingConfig(
        model_dir=settings.embedding_model_dir or DEFAULT_MODEL_DIR,
        threads=settings.onnx_threads,
    )


def knowledge_base_config(settings: Settings) -> KnowledgeBaseConfig:
    """The knowledge base's file (``CLAIMCHECK_KB_PATH``) and limits."""
    return KnowledgeBaseConfig(
        path=settings.kb_path,
        dense_in_memory_max=settings.kb_dense_in_memory_max,
        max_document_chars=settings.kb_max_document_chars,
    )


def factcheck_config(settings: Settings) -> FactCheckConfig:
    """The fact-check archive as a source (``CLAIMCHECK_FACTCHECK_*``)."""
    return FactCheckConfig(
        archive_path=settings.factcheck_archive_path,
        embedding=embedding_config(settings),
        top_k=settings.factcheck_top_k,
        min_score=settings.factcheck_min_score,
    )


def sources_config(settings: Settings) -> SourcesConfig:
    """The sources ``CLAIMCHECK_SOURCES`` names, in order, and every source's config and
    policy (:func:`workers.sources.registry.build_sources` builds them)."""
    return SourcesConfig(
        names=tuple(settings.sources),
        policies={name: source_policy(settings, name) for name in source_names()},
        knowledge_base=knowledge_base_config(settings),
        wikipedia=WikipediaConfig(
            url=settings.wikipedia_url,
            pages=settings.wikipedia_pages,
            timeout_s=settings.wikipedia_timeout_s,
            max_bytes=settings.source_max_response_bytes,
        ),
        google_factcheck=GoogleFactCheckConfig(
            url=settings.google_factcheck_url,
            api_key=settings.google_factcheck_api_key,
            language=settings.google_factcheck_language,
            timeout_s=settings.google_factcheck_timeout_s,
            max_bytes=settings.source_max_response_bytes,
        ),
        factchecks=factcheck_config(settings),
    )


def verifier_config(settings: Settings) -> VerifierConfig:
    """What the verifier reads of the settings: how deep it looks, when a verdict needs
    review, and when an archived fact-check decides (``CLAIMCHECK_FACTCHECK_DECIDES``)."""
    return VerifierConfig(
        top_passages=settings.kb_top_passages,
        pairs_max=settings.stance_pairs_max,
        joined_max=settings.stance_joined_max,
        top_evidence=settings.evidence_top_k,
        needs_review_threshold=settings.needs_review_threshold,
        factcheck_threshold=(
            settings.factcheck_match_threshold if settings.factcheck_decides else None
        ),
    )


def build_llm_judge(settings: Settings, client: httpx.Client) -> LlmJudge | None:
    """The judge ``CLAIMCHECK_LLM_JUDGE_*`` asks for, on ``client``; None when it is off."""
    if not settings.llm_judge_url or not settings.llm_judge_model:
        return None
    from workers.verification.llm_judge import JUDGE_NAME, LlmJudge

    return LlmJudge(
        client,
        base_url=settings.llm_judge_url,
        model=settings.llm_judge_model,
        api_key=settings.llm_judge_api_key,
        timeout_s=settings.llm_judge_timeout_s,
        retries=settings.llm_judge_retries,
        evidence_items=settings.llm_judge_evidence,
        response_format=settings.llm_judge_response_format,
        max_bytes=settings.source_max_response_bytes,
        breaker=CircuitBreaker.from_config(JUDGE_NAME, breaker_config(settings)),
    )
