"""Typed settings, read from ``CLAIMCHECK_*`` environment variables (and ``.env``).

Build one :class:`Settings` at each entry point with :func:`load_settings` and pass it
down; nothing else in the code base reads the environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from shared.errors import ConfigurationError
from shared.newsroom.publishers import Publisher
from shared.settings_checks import (
    SOURCE_POLICY_KEYS,
    check_sources,
    mask_url_password,
)

ENV_PREFIX = "CLAIMCHECK_"

SourceName = Literal["knowledge_base", "wikipedia", "google_factcheck", "factchecks"]
"""Every source a worker can search (``workers/sources/registry.py`` builds each one)."""


def _default_sources() -> list[SourceName]:
    return ["knowledge_base"]


class Settings(BaseSettings):
    """Every knob of claimcheck. ``.env.example`` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    # --- Redis, broker and streams -------------------------------------------------
    redis_url: str = "redis://127.0.0.1:6379/0"
    broker_url: str | None = Field(
        default=None, description="Celery broker; defaults to redis_url."
    )
    redis_socket_timeout_s: float = Field(default=5.0, gt=0)
    redis_connect_timeout_s: float = Field(default=2.0, gt=0)
    redis_max_connections: int = Field(default=50, ge=1)
    key_prefix: str = Field(default="claimcheck", min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    verdict_stream: str = Field(default="claimcheck:verdicts", min_length=1)
    stream_maxlen: int = Field(default=100_000, ge=100)
    record_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)
    idempotency_ttl_s: int = Field(default=24 * 3600, ge=60)

    # --- Intake HTTP service --------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    auth_enabled: bool = True
    api_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='JSON object newsroom -> key, e.g. {"daily-planet": "s3cret"}.',
    )
    max_text_chars: int = Field(default=200_000, ge=1)
    spacy_model: str = "en_core_web_sm"
    checkworthiness_threshold: float = Field(
        default=0.5678,
        ge=0,
        le=1,
        description="Keep a sentence as a claim when P(checkworthy) is at least this "
        "(default: the threshold chosen on ct24-en.dev).",
    )
    verify_task: Literal["claimcheck.verify_claim", "claimcheck.noop_publish"] = Field(
        default="claimcheck.verify_claim",
        description="Task the intake enqueues; noop_publish is the benchmark baseline.",
    )
    requeue_interval_s: float = Field(
        default=30.0,
        ge=0,
        description="Seconds between the intake's sweeps for claims left queued without a "
        "job (0: no sweep; run `claimcheck requeue` instead).",
    )
    requeue_after_s: float = Field(
        default=120.0,
        gt=0,
        description="A claim still queued this long, with the queue empty, gets its job again.",
    )

    # --- Workers --------------------------------------------------------------------
    queue_name: str = Field(default="claimcheck.verify", min_length=1)
    worker_concurrency: int = Field(default=2, ge=1)
    task_time_limit_s: int = Field(default=120, ge=1)
    task_soft_time_limit_s: int = Field(default=100, ge=1)
    visibility_timeout_s: int = Field(default=3600, ge=1)
    task_max_retries: int = Field(default=5, ge=0)
    retry_backoff_base_s: float = Field(default=1.0, gt=0)
    retry_backoff_max_s: float = Field(default=60.0, gt=0)
    review_calibration_dir: Path | None = Field(
        default=None,
        description="Folder of per-newsroom confidence maps fitted on editors' rulings "
        "(claimcheck-lab calibrate --from-reviews --output DIR/<newsroom>.json); the worker "
        "applies a newsroom's map to its verdicts. Unset: off.",
    )
    worker_task_events: bool = Field(
        default=False, description="Workers send Celery task events (Flower, celery events)."
    )
    reuse_ttl_s: int = Field(
        default=7 * 24 * 3600,
        ge=0,
        description="A claim whose normalised text equals one the same newsroom had checked "
        "within this many seconds, against unchanged local sources, reuses that verdict "
        "instead of being checked again (0: never reuse).",
    )

    # --- Webhooks (claimcheck webhooks deliver; .env.example says what each does) -----
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    webhook_retry_base_s: float = Field(default=5.0, gt=0)
    webhook_retry_max_s: float = Field(default=3600.0, gt=0)
    webhook_retry_horizon_s: float = Field(default=24 * 3600.0, gt=0)
    webhook_lease_s: float = Field(default=60.0, gt=0)
    webhook_batch: int = Field(default=50, ge=1, le=1000)
    webhook_allow_private: bool = Field(
        default=False,
        description="Local testing only: webhook URLs may name loopback, private, "
        "link-local, multicast or unspecified addresses (refused by default, also after DNS).",
    )
    recheck_on_change: bool = False
    recheck_max_per_import: int = Field(default=1000, ge=0)

    # --- Verification ---------------------------------------------------------------
    kb_path: Path = Path("var/kb.sqlite3")
    kb_top_passages: int = Field(
        default=5, ge=1, le=100, description="Passages retrieved per claim from an HTTP source."
    )
    kb_top_sentences: int = Field(
        default=24,
        ge=1,
        le=200,
        description="Sentences the knowledge base returns per claim (hybrid retrieval).",
    )
    kb_dense_in_memory_max: int = Field(
        default=50_000,
        ge=0,
        description="Up to this many sentences the dense search scans every sentence "
        "vector (held in memory); above it, only the lexical candidates.",
    )
    kb_max_document_chars: int = Field(
        default=1_000_000,
        ge=1,
        description="Longest document text `kb import` accepts; a longer one stops the "
        "import naming its line.",
    )
    stance_pairs_max: int = Field(
        default=3,
        ge=1,
        le=128,
        description="Evidence sentences per claim, aligned first then best retrieved, that "
        "the stance model reads: a claim's cost does not grow with document length.",
    )
    stance_joined_max: int = Field(
        default=3, ge=0, le=16, description="Best sentences read once more as one passage."
    )
    stance_context_words: int = Field(
        default=24, ge=0, le=128, description="Context words read before each sentence."
    )
    evidence_top_k: int = Field(default=5, ge=1, le=50)
    needs_review_threshold: float = Field(default=0.6, ge=0, le=1)
    stance_scorer: Literal["onnx", "lexical"] = Field(
        default="onnx", description="onnx: the trained cross-encoder; lexical: word overlap."
    )
    stance_model_dir: Path | None = Field(
        default=None, description="Directory of the ONNX stance model; default: the shipped one."
    )
    onnx_threads: int = Field(default=2, ge=1, le=64)
    onnx_batch_size: int = Field(default=32, ge=1, le=1024)

    # --- Reference sources and the LLM judge (issue 5, part A) --------------------------
    sources: list[SourceName] = Field(
        default_factory=_default_sources,
        description="Sources searched for every claim, in this order (JSON list), e.g. "
        '["knowledge_base", "wikipedia", "google_factcheck"].',
    )
    source_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="Time budget of one search of a source without its own setting, "
        "retries included.",
    )
    source_retries: int = Field(
        default=2, ge=0, le=10, description="In-call retries of a transient source error."
    )
    source_backoff_base_s: float = Field(default=0.2, gt=0, le=60)
    source_backoff_max_s: float = Field(default=2.0, gt=0, le=300)
    circuit_failures: int = Field(
        default=5, ge=1, description="Consecutive failures that open a source's circuit."
    )
    circuit_reset_s: float = Field(
        default=30.0, gt=0, description="Seconds an open circuit waits before one trial call."
    )
    source_concurrency: int = Field(
        default=4, ge=1, description="Concurrent searches of one source per worker process."
    )
    source_cache_ttl_s: int = Field(
        default=3600, ge=0, description="Seconds a source's answer stays cached in Redis; 0: off."
    )
    source_overrides: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description='Per-source policy, e.g. {"wikipedia": {"retries": 1, "cache_ttl_s": '
        "86400}}; keys: " + ", ".join(SOURCE_POLICY_KEYS) + ".",
    )
    source_max_response_bytes: int = Field(default=2_000_000, ge=1024)
    source_user_agent: str = Field(
        default="claimcheck/0.1 (newsroom claim verification; https://example.org/claimcheck)",
        min_length=1,
    )
    wikipedia_url: str = Field(
        default="https://en.wikipedia.org/w/api.php",
        pattern=r"^https?://",
        description="MediaWiki Action API endpoint (api.php).",
    )
    wikipedia_timeout_s: float = Field(default=3.0, gt=0, le=300)
    wikipedia_pages: int = Field(
        default=3, ge=1, le=20, description="Best search hits whose extracts are fetched."
    )
    google_factcheck_url: str = Field(
        default="https://factchecktools.googleapis.com/v1alpha1/claims:search",
        pattern=r"^https?://",
    )
    google_factcheck_api_key: SecretStr | None = None
    google_factcheck_timeout_s: float = Field(default=3.0, gt=0, le=300)
    google_factcheck_language: str | None = Field(
        default="en", description="BCP-47 language filter of claims:search; 'all': none."
    )
    llm_judge_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="Base URL of an OpenAI-compatible API (…/v1); unset: no judge.",
    )
    llm_judge_model: str | None = None
    llm_judge_api_key: SecretStr | None = None
    llm_judge_timeout_s: float = Field(default=30.0, gt=0, le=600)
    llm_judge_retries: int = Field(default=1, ge=0, le=5)
    llm_judge_evidence: int = Field(default=5, ge=1, le=20)
    llm_judge_response_format: Literal["json_schema", "json_object"] = "json_schema"

    # --- Fact-check archive and claim matching (issue 5, part B) ------------------------
    factcheck_archive_path: Path = Field(
        default=Path("var/factchecks.sqlite3"),
        description="SQLite file of the fact-check archive (`claimcheck factchecks import`).",
    )
    factcheck_match_threshold: float = Field(
        default=0.94,
        ge=0,
        le=1,
        description="Match score from which an archived fact-check with a true/false rating "
        "decides the verdict on its own (chosen on ct20-snopes dev).",
    )
    factcheck_decides: bool = Field(
        default=True, description="Let a strong fact-check match decide the verdict."
    )
    factcheck_top_k: int = Field(
        default=3, ge=1, le=50, description="Fact-check matches returned per claim."
    )
    factcheck_min_score: float = Field(
        default=0.3, ge=0, le=1, description="Matches scoring below this are not returned."
    )
    embedding_model_dir: Path | None = Field(
        default=None,
        description="Directory of the ONNX sentence-embedding model; default: the shipped one.",
    )

    @model_validator(mode="after")
    def _check_sources(self) -> Settings:
        check_sources(self)
        return self

    def source_budget_s(self, name: str) -> float:
        """The time budget of one search of source ``name``, retries included: its
        ``CLAIMCHECK_SOURCE_OVERRIDES`` timeout, else its own setting, else the shared one."""
        own = {
            "wikipedia": self.wikipedia_timeout_s,
            "google_factcheck": self.google_factcheck_timeout_s,
        }
        override = float(self.source_overrides.get(name, {}).get("timeout_s", 0))
        return override or own.get(name, self.source_timeout_s)

    # --- Fault tolerance ---------------------------------------------------------------
    task_max_crashes: int = Field(
        default=3,
        ge=1,
        description="A claim whose check killed its worker process this many times gets a "
        "failed verdict instead of another try (a poison job never loops forever).",
    )
    intake_max_memory_fraction: float = Field(
        default=0.9,
        gt=0,
        le=1,
        description="The intake refuses new work (503 over_capacity) once Redis uses this "
        "fraction of its maxmemory, keeping the rest for the verdicts of accepted claims.",
    )

    newsroom_publishers: dict[str, Publisher] = Field(
        default_factory=dict,
        description='JSON object newsroom -> {"name", "url", "review_url"} for ClaimReview '
        '(review_url holds {claim_id}), e.g. {"daily-planet": {"name": "The Daily Planet", '
        '"url": "https://dailyplanet.example"}}.',
    )

    # --- Clients (``claimcheck submit``) -------------------------------------------------
    api_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://")
    client_api_key: SecretStr | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # --- Tenants, abuse limits and observability (issue 7) ----------------------------
    allow_insecure_keys: bool = Field(
        default=False,
        description="Local development only: the intake accepts API and admin keys shorter "
        "than 32 characters and the example values.",
    )
    admin_key: SecretStr | None = Field(
        default=None,
        description="Key of the admin endpoints /v1/admin/keys (claimcheck keys); "
        "unset: they answer 404.",
    )
    rate_limit_requests_per_min: int = Field(
        default=600, ge=0, description="API requests per newsroom and minute; 0: unlimited."
    )
    rate_limit_claims_per_min: int = Field(
        default=1200, ge=0, description="Claims queued per newsroom and minute; 0: unlimited."
    )
    rate_limit_chars_per_min: int = Field(
        default=2_000_000,
        ge=0,
        description="Characters of submitted text per newsroom and minute (extraction costs "
        "CPU even when it finds no claim); 0: unlimited.",
    )
    extraction_per_newsroom: int = Field(
        default=1,
        ge=1,
        description="Texts of one newsroom read at the same time by one intake process; the "
        "others wait, so one newsroom's long articles cannot starve another's requests.",
    )
    auth_failures_per_min: int = Field(
        default=30,
        ge=0,
        description="Failed authentications per client address and minute before that "
        "address gets 429 for the rest of the minute; 0: unlimited.",
    )
    max_claims_per_article: int = Field(
        default=200, ge=1, description="Most claims queued for one article; the rest are skipped."
    )
    request_timeout_s: float = Field(
        default=30.0, gt=0, description="A request without an answer by then gets a 504."
    )
    worker_metrics_port: int = Field(
        default=0, ge=0, le=65535, description="Prometheus port of `claimcheck worker`; 0: off."
    )
    worker_metrics_host: str = Field(
        default="127.0.0.1", description="Address the worker's metrics endpoint listens on."
    )
    log_format: Literal["text", "json"] = "text"

    # --- Stream consumers and the live dashboard (issue 6) ----------------------------
    stream_claim_idle_ms: int = Field(
        default=60_000,
        ge=1,
        description="A group entry unacknowledged this long is taken over from its consumer "
        "(presumed dead) by another consumer of the group (XAUTOCLAIM).",
    )
    stream_max_deliveries: int = Field(
        default=5,
        ge=1,
        description="An entry delivered more often than this goes to the dead-letter stream.",
    )
    dead_letter_stream: str | None = Field(
        default=None,
        min_length=1,
        description="Where undeliverable group entries go; default: <verdict_stream>:dead.",
    )
    sse_keepalive_s: float = Field(
        default=15.0, gt=0, description="GET /v1/stream sends a comment after this much silence."
    )
    sse_max_clients: int = Field(
        default=500, ge=1, description="Concurrent GET /v1/stream clients per intake; more: 503."
    )
    sse_max_clients_per_newsroom: int = Field(
        default=50,
        ge=1,
        description="Concurrent GET /v1/stream clients of one newsroom per intake; more: 503.",
    )

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        if self.task_soft_time_limit_s > self.task_time_limit_s:
            raise ValueError(
                "CLAIMCHECK_TASK_SOFT_TIME_LIMIT_S must not exceed CLAIMCHECK_TASK_TIME_LIMIT_S"
            )
        if self.visibility_timeout_s <= self.task_time_limit_s:
            raise ValueError(
                "CLAIMCHECK_VISIBILITY_TIMEOUT_S must be greater than "
                "CLAIMCHECK_TASK_TIME_LIMIT_S, or a slow task would be delivered twice"
            )
        if 0 < self.rate_limit_claims_per_min < self.max_claims_per_article:
            raise ValueError(
                "CLAIMCHECK_RATE_LIMIT_CLAIMS_PER_MIN must be 0 or at least "
                "CLAIMCHECK_MAX_CLAIMS_PER_ARTICLE, or a full article could never be accepted"
            )
        return self

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # SecretStr fields print as '**********'; a password inside a URL is hidden too
        for name, value in super().__repr_args__():
            if name in ("redis_url", "broker_url") and isinstance(value, str):
                value = mask_url_password(value)
            yield name, value

    @property
    def effective_broker_url(self) -> str:
        return self.broker_url or self.redis_url

    @property
    def effective_dead_letter_stream(self) -> str:
        return self.dead_letter_stream or f"{self.verdict_stream}:dead"


def load_settings(**overrides: object) -> Settings:
    """Build the settings or raise :class:`ConfigurationError` naming each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except SettingsError as exc:  # a JSON-valued variable that is not JSON
        found = re.search(r'field "(\w+)"', str(exc))
        name = f"{ENV_PREFIX}{found.group(1).upper()}" if found else "a JSON setting"
        raise ConfigurationError(
            f"invalid settings: {name}: not valid JSON (give a JSON object or list)"
        ) from None
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            parts = [str(part) for part in err["loc"] if part != "__root__"]
            name = f"{ENV_PREFIX}{parts[0].upper()}" if parts else "settings"
            name += "".join(f"[{part}]" for part in parts[1:])  # an item of a list or dict
            problems.append(f"{name}: {err['msg']}")
        raise ConfigurationError("invalid settings: " + "; ".join(problems)) from None
