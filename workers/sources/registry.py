"""Which reference sources exist, and how each is built from its config.

``CLAIMCHECK_SOURCES`` (an ordered JSON list of names) picks the sources a worker searches,
in that order. Each name maps to a factory ``(config, resources) -> Source``
(:class:`SourcesConfig`: every source's config, read from the settings by the worker's root,
:func:`workers.components.sources_config`; :class:`SourceResources`: the process's Redis
client, HTTP client and embedding model); :func:`build_sources` calls them and wraps every
source in a :class:`~workers.sources.resilience.ResilientSource` (timeout budget, retries,
circuit breaker, concurrency limit, response cache) under the source's own
:class:`~workers.sources.resilience.SourcePolicy`.

``redis_client`` is None where no Redis is at hand (offline CLI runs): then nothing is
cached. ``http_client`` is the process's one :class:`httpx.Client` (see
:mod:`workers.sources.http_client`); sources that do not speak HTTP ignore it.

Factories import their module lazily, so a worker that does not use a source never
imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import redis

from shared.errors import ConfigurationError
from workers.sources.base import Source

if TYPE_CHECKING:
    from workers.sources.factchecks.embedding import OnnxEmbedder
    from workers.sources.factchecks.source import FactCheckConfig
    from workers.sources.google_factcheck import GoogleFactCheckConfig
    from workers.sources.knowledge_base.index import KnowledgeBase
    from workers.sources.resilience import SourcePolicy
    from workers.sources.wikipedia import WikipediaConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceResources:
    """The process's clients that sources share (made once per process, passed in)."""

    redis_client: redis.Redis | None
    http_client: httpx.Client
    embedder: OnnxEmbedder | None = None
    """The sentence-embedding model (knowledge-base dense search, fact-check matching)."""


@dataclass(frozen=True)
class KnowledgeBaseConfig:
    """The knowledge base's file and its limits."""

    path: Path
    dense_in_memory_max: int = 50_000
    """Up to this many sentences the dense search scans them all (see ``SearchConfig``)."""
    max_document_chars: int = 1_000_000


@dataclass(frozen=True)
class SourcesConfig:
    """The sources a worker searches, in order, and what each is built from."""

    names: tuple[str, ...]
    """``CLAIMCHECK_SOURCES``, in its order."""
    policies: Mapping[str, SourcePolicy]
    """The resilience policy of every source :data:`SOURCES` knows, by name."""
    knowledge_base: KnowledgeBaseConfig
    wikipedia: WikipediaConfig
    google_factcheck: GoogleFactCheckConfig
    factchecks: FactCheckConfig


SourceFactory = Callable[[SourcesConfig, SourceResources], Source]


def _knowledge_base(config: SourcesConfig, resources: SourceResources) -> Source:
    kb = open_knowledge_base(config.knowledge_base, resources.embedder)
    _log_size(kb)
    return kb


def _log_size(kb: KnowledgeBase) -> None:
    """Warn when the knowledge base is empty: every claim would be not_enough_info."""
    documents = kb.count()
    if documents == 0:
        log.warning("%s", empty_knowledge_base_message(kb.path))
    else:
        log.info("knowledge base %s: %d documents", kb.path, documents)


def empty_knowledge_base_message(path: Path) -> str:
    """What a worker says when its knowledge base holds no document."""
    return (
        f"knowledge base {path} is empty: every claim will be not_enough_info "
        "(import one with `claimcheck kb import --starter`)"
    )


def knowledge_base_warning(config: SourcesConfig) -> str | None:
    """:func:`empty_knowledge_base_message` when the configured sources include the
    knowledge base and ``CLAIMCHECK_KB_PATH`` holds no document (or does not exist); None
    otherwise. Opening it creates nothing: a missing file is reported as empty."""
    if "knowledge_base" not in config.names:
        return None
    path = config.knowledge_base.path
    if path.is_file():
        kb = open_knowledge_base(config.knowledge_base, None)
        try:
            if kb.count() > 0:
                return None
        finally:
            kb.close()
    return empty_knowledge_base_message(path)


def open_knowledge_base(
    config: KnowledgeBaseConfig,
    embedder: OnnxEmbedder | None,
    path: Path | None = None,
    *,
    lock_timeout_s: float | None = None,
) -> KnowledgeBase:
    """The knowledge base at ``path`` (default: the configured one) as configured; a
    writer waits up to ``lock_timeout_s`` (default: a few seconds) for another's import."""
    from workers.sources.knowledge_base.index import BUSY_TIMEOUT_S, KnowledgeBase, SearchConfig

    return KnowledgeBase(
        path or config.path,
        embedder=embedder,
        config=SearchConfig(dense_in_memory_max=config.dense_in_memory_max),
        max_document_chars=config.max_document_chars,
        lock_timeout_s=BUSY_TIMEOUT_S if lock_timeout_s is None else lock_timeout_s,
    )


def _wikipedia(config: SourcesConfig, resources: SourceResources) -> Source:
    from workers.sources.wikipedia import WikipediaSource

    return WikipediaSource.from_config(config.wikipedia, resources.http_client)


def _google_factcheck(config: SourcesConfig, resources: SourceResources) -> Source:
    from workers.sources.google_factcheck import GoogleFactCheckSource

    return GoogleFactCheckSource.from_config(config.google_factcheck, resources.http_client)


def _factchecks(config: SourcesConfig, resources: SourceResources) -> Source:
    from workers.sources.factchecks.source import FactCheckSource

    return FactCheckSource.from_config(config.factchecks, resources.embedder)


SOURCES: Mapping[str, SourceFactory] = {
    "knowledge_base": _knowledge_base,
    "wikipedia": _wikipedia,
    "google_factcheck": _google_factcheck,
    "factchecks": _factchecks,
}
"""Every source a worker can use, by the name ``CLAIMCHECK_SOURCES`` lists it under."""


def source_names() -> list[str]:
    return list(SOURCES)


def build_sources(
    config: SourcesConfig,
    *,
    redis_client: redis.Redis | None,
    http_client: httpx.Client,
    embedder: OnnxEmbedder | None = None,
    names: Sequence[str] | None = None,
) -> list[Source]:
    """The configured sources, in the configured order, each behind its resilience wrapper.

    Sources built before a failing one are closed again when a later factory raises.
    """
    from workers.sources.resilience import ResilientSource

    resources = SourceResources(redis_client, http_client, embedder)
    built: list[Source] = []
    try:
        for name in names if names is not None else config.names:
            factory = SOURCES.get(name)
            if factory is None:
                raise ConfigurationError(
                    f"CLAIMCHECK_SOURCES: unknown source {name!r} "
                    f"(known: {', '.join(sorted(SOURCES))})"
                )
            source = factory(config, resources)
            built.append(ResilientSource(source, config.policies[name], redis_client=redis_client))
    except BaseException:
        close_sources(built)
        raise
    return built


def close_sources(sources: Sequence[Source]) -> None:
    for source in sources:
        source.close()
