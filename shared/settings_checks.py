"""Cross-field checks of :class:`~shared.settings.Settings` and the source-policy vocabulary
they use, kept apart so that the settings module stays a list of fields."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from shared.settings import Settings

LOCAL_SOURCES: frozenset[str] = frozenset({"knowledge_base", "factchecks"})
"""Sources read from local files: no network wait, and changed by imports, so never cached."""


SOURCE_POLICY_KEYS = (
    "timeout_s",
    "retries",
    "backoff_base_s",
    "backoff_max_s",
    "circuit_failures",
    "circuit_reset_s",
    "concurrency",
    "cache_ttl_s",
)
"""What ``CLAIMCHECK_SOURCE_OVERRIDES`` may set per source (see ``SourcePolicy`` in
``workers/sources/resilience.py``)."""


def check_sources(settings: Settings) -> None:
    """Raise ValueError (naming the variable) where the source settings contradict each other."""
    if len(set(settings.sources)) != len(settings.sources):
        raise ValueError("CLAIMCHECK_SOURCES lists a source twice")
    if "google_factcheck" in settings.sources and settings.google_factcheck_api_key is None:
        raise ValueError(
            "CLAIMCHECK_SOURCES lists google_factcheck but "
            "CLAIMCHECK_GOOGLE_FACTCHECK_API_KEY is not set"
        )
    if settings.llm_judge_url and not settings.llm_judge_model:
        raise ValueError("CLAIMCHECK_LLM_JUDGE_URL is set but CLAIMCHECK_LLM_JUDGE_MODEL is not")
    for name, policy in settings.source_overrides.items():
        unknown = sorted(set(policy) - set(SOURCE_POLICY_KEYS))
        if unknown:
            raise ValueError(
                f"CLAIMCHECK_SOURCE_OVERRIDES: {name}: unknown key(s) {', '.join(unknown)}"
            )
        if any(value < 0 for value in policy.values()):
            raise ValueError(f"CLAIMCHECK_SOURCE_OVERRIDES: {name}: negative value")
        if any(policy.get(k, 1) <= 0 for k in ("timeout_s", "concurrency", "circuit_failures")):
            raise ValueError(
                f"CLAIMCHECK_SOURCE_OVERRIDES: {name}: timeout_s, concurrency and "
                "circuit_failures must be positive"
            )
    budgets = [0.0] + [
        settings.source_budget_s(name) for name in settings.sources if name not in LOCAL_SOURCES
    ]
    judge_s = (
        (settings.llm_judge_timeout_s + 1.0) * (settings.llm_judge_retries + 1)
        if settings.llm_judge_url
        else 0.0
    )
    if (max(budgets) or judge_s) and max(budgets) + judge_s >= settings.task_soft_time_limit_s:
        raise ValueError(
            "source time budgets plus the LLM judge's timeouts "
            f"({max(budgets) + judge_s:g}s) must stay under "
            "CLAIMCHECK_TASK_SOFT_TIME_LIMIT_S, or a slow source would end the check"
        )
    if settings.source_backoff_base_s > settings.source_backoff_max_s:
        raise ValueError(
            "CLAIMCHECK_SOURCE_BACKOFF_BASE_S must not exceed CLAIMCHECK_SOURCE_BACKOFF_MAX_S"
        )


def mask_url_password(url: str) -> str:
    """``url`` with the password (if any) replaced by ``***``."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
