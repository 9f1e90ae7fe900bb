"""CLAIMCHECK_SOURCES picks and orders the sources; misconfiguration stops start-up."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import httpx
import pytest
import redis

from shared.errors import ConfigurationError
from shared.settings import SourceName, load_settings
from tests.conftest import SettingsFactory
from workers.components import sources_config
from workers.context import build_verifier, close_verifier, open_verifier
from workers.sources.knowledge_base.index import KnowledgeBase
from workers.sources.registry import SOURCES, build_sources, close_sources
from workers.sources.resilience import ResilientSource
from workers.sources.wikipedia import WikipediaSource


def test_default_is_the_knowledge_base_alone(settings_factory: SettingsFactory) -> None:
    assert settings_factory().sources == ["knowledge_base"]


def test_sources_are_built_in_the_configured_order_and_wrapped(
    settings_factory: SettingsFactory, http_client: httpx.Client, tmp_path: Path
) -> None:
    settings = settings_factory(
        sources=["wikipedia", "knowledge_base", "google_factcheck"],
        google_factcheck_api_key="k",
        kb_path=tmp_path / "kb.sqlite3",
        wikipedia_timeout_s=1.5,
    )
    sources = build_sources(sources_config(settings), redis_client=None, http_client=http_client)
    try:
        assert [s.name for s in sources] == ["wikipedia", "knowledge_base", "google_factcheck"]
        assert all(isinstance(s, ResilientSource) for s in sources)
        wiki = sources[0]
        assert isinstance(wiki, ResilientSource) and isinstance(wiki.source, WikipediaSource)
        assert wiki.policy.timeout_s == 1.5
        assert isinstance(sources[1], ResilientSource)
        assert isinstance(sources[1].source, KnowledgeBase)
    finally:
        close_sources(sources)


def test_unknown_source_stops_start_up_naming_the_variable() -> None:
    # refused by the settings, so neither the intake nor a worker starts with it (a worker
    # that started would requeue every job forever, unable to build its sources)
    with pytest.raises(ConfigurationError, match=r"CLAIMCHECK_SOURCES\[1\]: Input should be"):
        load_settings(sources=["knowledge_base", "newsapi"], auth_enabled=False)


def test_every_source_name_the_settings_accept_has_a_factory() -> None:
    assert set(SOURCES) == set(get_args(SourceName))


def test_build_sources_refuses_a_name_it_does_not_know(
    settings_factory: SettingsFactory, http_client: httpx.Client
) -> None:
    settings = settings_factory()
    with pytest.raises(ConfigurationError, match="unknown source 'newsapi'"):
        build_sources(
            sources_config(settings),
            redis_client=None,
            http_client=http_client,
            names=["knowledge_base", "newsapi"],
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sources": ["google_factcheck"]}, "CLAIMCHECK_GOOGLE_FACTCHECK_API_KEY is not set"),
        ({"sources": ["wikipedia", "wikipedia"]}, "lists a source twice"),
        ({"llm_judge_url": "http://127.0.0.1:11434/v1"}, "CLAIMCHECK_LLM_JUDGE_MODEL"),
        ({"wikipedia_url": "ftp://example.org"}, "CLAIMCHECK_WIKIPEDIA_URL"),
        ({"source_backoff_base_s": 5, "source_backoff_max_s": 1}, "BACKOFF_BASE_S"),
        (
            {"llm_judge_url": "http://x/v1", "llm_judge_model": "m", "llm_judge_timeout_s": 60},
            "SOFT_TIME_LIMIT_S",
        ),
        ({"sources": ["wikipedia"], "wikipedia_timeout_s": 100}, "SOFT_TIME_LIMIT_S"),
        (
            {"sources": ["wikipedia"], "source_overrides": {"wikipedia": {"timeout_s": 200}}},
            "SOFT_TIME_LIMIT_S",
        ),
    ],
)
def test_bad_source_settings_stop_start_up(
    settings_factory: SettingsFactory, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        settings_factory(**overrides)


def test_network_budgets_only_count_for_listed_sources(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(wikipedia_timeout_s=100, task_soft_time_limit_s=5)
    assert settings.sources == ["knowledge_base"]


def test_sources_from_the_environment_as_json(
    settings_factory: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMCHECK_SOURCES", '["wikipedia", "knowledge_base"]')
    assert settings_factory().sources == ["wikipedia", "knowledge_base"]


def test_build_verifier_wires_sources_judge_and_closes_everything(
    settings_factory: SettingsFactory, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = settings_factory(
        sources=["knowledge_base", "wikipedia"],
        kb_path=tmp_path / "kb.sqlite3",
        stance_scorer="lexical",
        llm_judge_url="http://127.0.0.1:9/v1",
        llm_judge_model="tiny",
    )
    verifier = build_verifier(settings, redis_client=redis_client)
    assert [s.name for s in verifier.sources] == ["knowledge_base", "wikipedia"]
    assert verifier.judge is not None and verifier.judge.model == "tiny"
    wiki = verifier.sources[1]
    assert isinstance(wiki, ResilientSource) and wiki._redis is redis_client
    client = verifier.judge.client
    close_verifier(verifier)
    assert client.is_closed


def test_open_verifier_closes_what_it_built_at_the_end_of_the_block(
    settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    settings = settings_factory(kb_path=tmp_path / "kb.sqlite3", stance_scorer="lexical")
    with open_verifier(settings) as verifier:
        assert verifier.closers  # the HTTP client, closed with the verifier
    assert not verifier.closers


def test_every_registered_name_is_documented() -> None:
    sources = (Path(__file__).resolve().parents[3] / "docs" / "sources.md").read_text()
    for name in SOURCES:
        assert f"`{name}`" in sources
