"""Settings of tenants, limits and observability: validation and secrecy."""

from __future__ import annotations

import pytest

from shared.errors import ConfigurationError
from shared.settings import load_settings
from shared.settings_checks import mask_url_password


def test_claims_limit_must_hold_a_whole_article() -> None:
    with pytest.raises(ConfigurationError, match="CLAIMCHECK_RATE_LIMIT_CLAIMS_PER_MIN"):
        load_settings(auth_enabled=False, rate_limit_claims_per_min=10, max_claims_per_article=11)
    load_settings(auth_enabled=False, rate_limit_claims_per_min=0, max_claims_per_article=11)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:pw123@host:6379/0", "redis://:***@host:6379/0"),
        ("redis://user:pw123@host/1", "redis://user:***@host/1"),
        ("redis://host:6379/0", "redis://host:6379/0"),
    ],
)
def test_url_passwords_are_masked(url: str, shown: str) -> None:
    assert mask_url_password(url) == shown
    assert "pw123" not in repr(load_settings(auth_enabled=False, redis_url=url))
