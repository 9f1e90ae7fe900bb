"""The intake's start-up check of its bootstrap keys."""

from __future__ import annotations

import pytest

from services.intake.api.bootstrap_keys import MIN_KEY_LENGTH, BootstrapKeys
from services.intake.api.components import bootstrap_keys
from shared.errors import ConfigurationError
from shared.settings import load_settings

GOOD = "k" * MIN_KEY_LENGTH
OTHER = "o" * MIN_KEY_LENGTH


def _check(**values: object) -> BootstrapKeys:
    return bootstrap_keys(load_settings(auth_enabled=True, **values))


def test_an_admin_key_alone_is_enough_to_turn_auth_on() -> None:
    keys = _check(api_keys={}, admin_key=GOOD)
    assert keys.newsrooms == {} and keys.admin is not None


def test_auth_on_without_any_key_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="CLAIMCHECK_API_KEYS and CLAIMCHECK_ADMIN_KEY"):
        _check(api_keys={}, admin_key=None)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"api_keys": {"a": "x"}},
            r"CLAIMCHECK_API_KEYS\[a\]: 1 characters; keys need at least 32",
        ),
        ({"api_keys": {"a": GOOD}, "admin_key": "short"}, "CLAIMCHECK_ADMIN_KEY: 5 characters"),
        (
            {"api_keys": {"daily-planet": "replace-with-a-long-random-key"}},
            r"CLAIMCHECK_API_KEYS\[daily-planet\]: still the example value",
        ),
        ({"api_keys": {"a": GOOD}, "admin_key": "change-me"}, "ADMIN_KEY: still the example"),
        ({"api_keys": {"a": GOOD, "b": GOOD}}, r"API_KEYS\[b\]: the same key is also .*\[a\]"),
        ({"api_keys": {"a": GOOD}, "admin_key": GOOD}, "ADMIN_KEY: the same key is also"),
        ({"api_keys": {"Daily Planet!": GOOD}}, "'Daily Planet!' is not a valid newsroom name"),
    ],
)
def test_weak_duplicate_and_misnamed_keys_stop_start_up(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        _check(**values)
    assert str(info.value).startswith("invalid settings: CLAIMCHECK_")
    assert GOOD not in str(info.value)  # the message never shows a key


def test_local_development_may_use_short_and_example_keys_but_never_duplicates() -> None:
    keys = _check(api_keys={"a": "x", "b": "change-me"}, allow_insecure_keys=True)
    assert keys.newsroom_for("x") == "a" and keys.newsroom_for("change-me") == "b"
    assert keys.newsroom_for("nope") is None
    with pytest.raises(ConfigurationError, match="the same key"):
        _check(api_keys={"a": "x", "b": "x"}, allow_insecure_keys=True)


def test_auth_off_checks_nothing() -> None:
    keys = bootstrap_keys(load_settings(auth_enabled=False, api_keys={"a": "x"}))
    assert keys.newsroom_for("x") == "a"
