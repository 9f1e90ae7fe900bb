"""Fixtures for the worker tests: the starter knowledge base and worker contexts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from shared.errors import PermanentSourceError, TransientSourceError
from shared.settings import Settings
from shared.store.client import make_redis
from tests.conftest import SettingsFactory
from workers.components import verifier_config
from workers.context import WorkerContext
from workers.sources.base import Passage, Source
from workers.sources.knowledge_base.index import KnowledgeBase, starter_corpus_path
from workers.verification.lexical import LexicalStanceScorer
from workers.verification.pipeline import Verifier

ContextFactory = Callable[..., WorkerContext]


@pytest.fixture(scope="session")
def starter_kb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A knowledge base file holding the starter corpus, built once per session."""
    path = tmp_path_factory.mktemp("kb") / "starter.sqlite3"
    with KnowledgeBase(path) as kb:
        kb.import_jsonl(starter_corpus_path())
    return path


@pytest.fixture
def starter_kb(starter_kb_path: Path) -> Iterator[KnowledgeBase]:
    with KnowledgeBase(starter_kb_path) as kb:
        yield kb


class FlakySource:
    """A source that fails ``failures`` times with ``error`` and then answers ``passages``."""

    def __init__(
        self,
        name: str = "flaky",
        *,
        failures: int = 10**9,
        error: type[Exception] = TransientSourceError,
        passages: Sequence[Passage] = (),
        retry_after: float | None = None,
    ) -> None:
        self.name = name
        self.failures = failures
        self.error = error
        self.passages = list(passages)
        self.retry_after = retry_after
        self.calls = 0

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        self.calls += 1
        if self.calls <= self.failures:
            if self.error is TransientSourceError:
                raise TransientSourceError(self.name, "timed out", retry_after=self.retry_after)
            if self.error is PermanentSourceError:
                raise PermanentSourceError(self.name, "answered 400")
            raise self.error(f"{self.name} broke")
        return self.passages[:limit]

    def close(self) -> None:
        """Holds nothing."""


@pytest.fixture
def context_factory(
    settings_factory: SettingsFactory, starter_kb_path: Path
) -> Iterator[ContextFactory]:
    """Worker contexts on the real Redis, in a fresh namespace each.

    ``sources`` replaces the knowledge base (e.g. with a :class:`FlakySource`).
    """
    made: list[WorkerContext] = []

    def make(*, sources: Sequence[Source] | None = None, **overrides: Any) -> WorkerContext:
        overrides.setdefault("kb_path", starter_kb_path)
        settings: Settings = settings_factory(**overrides)
        client = make_redis(settings)
        owned: list[Source] = [] if sources is not None else [KnowledgeBase(settings.kb_path)]
        verifier = Verifier(
            list(sources) if sources is not None else owned,
            LexicalStanceScorer(),
            verifier_config(settings),
        )
        ctx = WorkerContext.around(settings, client, verifier)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        for source in ctx.verifier.sources:
            if isinstance(source, KnowledgeBase):
                source.close()
        ctx.redis.close()
