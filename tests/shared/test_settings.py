from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.errors import ConfigurationError
from shared.settings import ENV_PREFIX, Settings, load_settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def _example_variables() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^(CLAIMCHECK_[A-Z0-9_]+)=(.*)$", line)
        if match:
            pairs[match.group(1)] = match.group(2)
    return pairs


def test_env_example_documents_every_setting() -> None:
    expected = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert set(_example_variables()) == expected


def test_env_example_values_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _example_variables().items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.auth_enabled is True
    assert settings.api_keys["daily-planet"].get_secret_value() == "replace-with-a-long-random-key"


def test_wrong_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMCHECK_STREAM_MAXLEN", "lots")
    with pytest.raises(ConfigurationError, match="CLAIMCHECK_STREAM_MAXLEN"):
        load_settings(auth_enabled=False)


@pytest.mark.parametrize(
    ("name", "value"),
    [("CLAIMCHECK_API_KEYS", "not json"), ("CLAIMCHECK_SOURCES", "knowledge_base")],
)
def test_invalid_json_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    assert (
        str(info.value) == f"invalid settings: {name}: not valid JSON (give a JSON object or list)"
    )


def test_visibility_timeout_must_exceed_time_limit() -> None:
    with pytest.raises(ConfigurationError, match="CLAIMCHECK_VISIBILITY_TIMEOUT_S"):
        load_settings(
            auth_enabled=False,
            task_time_limit_s=60,
            task_soft_time_limit_s=50,
            visibility_timeout_s=30,
        )


def test_settings_without_keys_load_for_every_process_but_the_intake(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only the intake authenticates: the CLI and the workers need no key to start."""
    monkeypatch.delenv("CLAIMCHECK_API_KEYS", raising=False)
    settings = load_settings(auth_enabled=True, api_keys={})
    assert settings.api_keys == {}


def test_api_keys_from_json_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMCHECK_API_KEYS", '{"a": "k1", "b": "k2"}')
    settings = load_settings()
    assert settings.api_keys["b"].get_secret_value() == "k2"
    assert "k1" not in repr(settings)


def test_broker_defaults_to_redis_url() -> None:
    settings = load_settings(auth_enabled=False, redis_url="redis://example:1/2")
    assert settings.effective_broker_url == "redis://example:1/2"
