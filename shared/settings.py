"""Typed settings, read from ``CLAIMCHECK_*`` environment variables (and ``.env``).

Build one :class:`Settings` at each entry point with :func:`load_settings` and pass it
down; nothing else in the code base reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import ConfigurationError

ENV_PREFIX = "CLAIMCHECK_"


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

    # --- Workers --------------------------------------------------------------------
    queue_name: str = Field(default="claimcheck.verify", min_length=1)
    worker_concurrency: int = Field(default=2, ge=1)
    task_time_limit_s: int = Field(default=120, ge=1)
    task_soft_time_limit_s: int = Field(default=100, ge=1)
    visibility_timeout_s: int = Field(default=3600, ge=1)
    task_max_retries: int = Field(default=5, ge=0)
    retry_backoff_base_s: float = Field(default=1.0, gt=0)
    retry_backoff_max_s: float = Field(default=60.0, gt=0)
    debug_task_delay_s: float = Field(
        default=0.0, ge=0, description="Sleep inside each task; only for fault-injection tests."
    )

    # --- Verification ---------------------------------------------------------------
    kb_path: Path = Path("var/kb.sqlite3")
    kb_top_passages: int = Field(default=5, ge=1, le=100)
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

    # --- Clients (``claimcheck submit``) -------------------------------------------------
    api_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://")
    client_api_key: SecretStr | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

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
        if self.auth_enabled and not self.api_keys:
            raise ValueError(
                "CLAIMCHECK_API_KEYS is empty while CLAIMCHECK_AUTH_ENABLED is true: "
                "set at least one key or turn authentication off for local use"
            )
        return self

    @property
    def effective_broker_url(self) -> str:
        return self.broker_url or self.redis_url

    def newsroom_for_key(self, key: str) -> str | None:
        """The newsroom that owns ``key``, or None (constant-time comparison)."""
        import hmac

        found: str | None = None
        for newsroom, secret in self.api_keys.items():
            if hmac.compare_digest(secret.get_secret_value().encode(), key.encode()):
                found = newsroom
        return found


def load_settings(**overrides: object) -> Settings:
    """Build the settings or raise :class:`ConfigurationError` naming each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = "_".join(str(part) for part in err["loc"] if part != "__root__")
            name = f"{ENV_PREFIX}{loc.upper()}" if loc else "settings"
            problems.append(f"{name}: {err['msg']}")
        raise ConfigurationError("invalid settings: " + "; ".join(problems)) from None
