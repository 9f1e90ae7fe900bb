"""Which reference sources exist, and how each is built from the settings.

``CLAIMCHECK_SOURCES`` (an ordered JSON list of names) picks the sources a worker searches,
in that order. Each name maps to a factory ``(settings, resources) -> Source``
(:class:`SourceResources`: the process's Redis client, HTTP client and embedding model);
:func:`build_sources` calls them and wraps every source in a
:class:`~workers.sources.resilience.ResilientSource` (timeout budget, retries, circuit
breaker, concurrency limit, response cache) under the source's own
:class:`~workers.sources.resilience.SourcePolicy`, built from the settings here.

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
from shared.settings import Settings
from workers.sources.base import Source

if TYPE_CHECKING:
    from workers.sources.factchecks.embedding import OnnxEmbedder
    from workers.sources.knowledge_base.index import KnowledgeBase

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceResources:
    """The process's clients that sources share (made once per process, passed in)."""

    redis_client: redis.Redis | None
    http_client: httpx.Client
    embedder: OnnxEmbedder | None = None
    """The sentence-embedding model (knowledge-base dense search, fact-check matching)."""


SourceFactory = Callable[[Settings, SourceResources], Source]


def _knowledge_base(settings: Settings, resources: SourceResources) -> Source:
    kb = open_knowledge_base(settings, resources.embedder)
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


def knowledge_base_warning(settings: Settings) -> str | None:
    """:func:`empty_knowledge_base_message` when the configured sources include the
    knowledge base and ``CLAIMCHECK_KB_PATH`` holds no document (or does not exist); None
    otherwise. Opening it creates nothing: a missing file is reported as empty."""
    if "knowledge_base" not in settings.sources:
        return None
    path = settings.kb_path
    if path.is_file():
        kb = open_knowledge_base(settings, None)
        try:
            if kb.count() > 0:
                return None
        finally:
            kb.close()
    return empty_knowledge_base_message(path)


def open_knowledge_base(
    settings: Settings,
    embedder: OnnxEmbedder | None,
    path: Path | None = None,
    *,
    lock_timeout_s: float | None = None,
) -> KnowledgeBase:
    """The knowledge base at ``path`` (default ``CLAIMCHECK_KB_PATH``) as configured; a
    writer waits up to ``lock_timeout_s`` (default: a few seconds) for another's import."""
    from workers.sources.knowledge_base.index import BUSY_TIMEOUT_S, KnowledgeBase, SearchConfig

    return KnowledgeBase(
        path or settings.kb_path,
        embedder=embedder,
        config=SearchConfig(dense_in_memory_max=settings.kb_dense_in_memory_max),
        max_document_chars=settings.kb_max_document_chars,
        lock_timeout_s=BUSY_TIMEOUT_S if lock_timeout_s is None else lock_timeout_s,
    )


def _wikipedia(settings: Settings, resources: SourceResources) -> Source:
    from workers.sources.wikipedia import WikipediaSource

    return WikipediaSource.from_settings(settings, resources.http_client)


def _google_factcheck(settings: Settings, resources: SourceResources) -> Source:
    from workers.sources.google_factcheck import GoogleFactCheckSource

    return GoogleFactCheckSource.from_settings(settings, resources.http_client)


def _factchecks(settings: Settings, resources: SourceResources) -> Source:
    from workers.sources.factchecks.source import FactCheckSource

    return FactCheckSource.from_settings(settings, resources.embedder)


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
    settings: Settings,
    *,
    redis_client: redis.Redis | None,
    http_client: httpx.Client,
    embedder: OnnxEmbedder | None = None,
    names: Sequence[str] | None = None,
) -> list[Source]:
    """The configured sources, in the configured order, each behind its resilience wrapper.

    Sources built before a failing one are closed again when a later factory raises.
    """
    from workers.sources.resilience import ResilientSource, SourcePolicy

    resources = SourceResources(redis_client, http_client, embedder)
    built: list[Source] = []
    try:
        for name in names if names is not None else settings.sources:
            factory = SOURCES.get(name)
            if factory is None:
                raise ConfigurationError(
                    f"CLAIMCHECK_SOURCES: unknown source {name!r} "
                    f"(known: {', '.join(sorted(SOURCES))})"
                )
            source = factory(settings, resources)
            built.append(
                ResilientSource(
                    source, SourcePolicy.from_settings(settings, name), redis_client=redis_client
                )
            )
    except BaseException:
        close_sources(built)
        raise
    return built


def close_sources(sources: Sequence[Source]) -> None:
    for source in sources:
        source.close()
