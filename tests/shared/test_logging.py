"""Log lines: JSON with context fields, and no secret ever written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from shared.logging import REDACTED, JsonFormatter, configure_logging, make_formatter
from shared.settings import Settings, load_settings

SECRETS = {
    "api_key": "planet-secret-key-123456",
    "admin": "admin-secret-key-654321",
    "client": "client-secret-key-999999",
    "redis_password": "redis-pass-777",
    "google": "google-api-key-424242",
    "judge": "judge-api-key-131313",
}


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "auth_enabled": True,
        "api_keys": {"daily-planet": SECRETS["api_key"]},
        "admin_key": SECRETS["admin"],
        "client_api_key": SECRETS["client"],
        "redis_url": f"redis://:{SECRETS['redis_password']}@127.0.0.1:6379/0",
        "google_factcheck_api_key": SECRETS["google"],
        "llm_judge_api_key": SECRETS["judge"],
    }
    values.update(overrides)
    return load_settings(**values)


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("claimcheck.test", logging.INFO, __file__, 1, msg, args, None)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_context_fields() -> None:
    line = JsonFormatter().format(
        _record("published %s", "supported", claim_id="clm_1", article_id="art_2", other="x")
    )
    data = json.loads(line)
    assert data["message"] == "published supported"
    assert data["claim_id"] == "clm_1" and data["article_id"] == "art_2"
    assert data["level"] == "INFO" and data["logger"] == "claimcheck.test"
    assert "other" not in data
    assert data["ts"].endswith("+00:00")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_every_configured_secret_is_redacted(log_format: str) -> None:
    formatter = make_formatter(_settings(log_format=log_format))
    for secret in SECRETS.values():
        line = formatter.format(_record("oops: %s in a message", secret, claim_id=secret))
        assert secret not in line and REDACTED in line
    stored_key = "cck_" + "A1b2" * 11
    assert stored_key not in formatter.format(_record(f"header was {stored_key}"))


def test_secrets_in_exceptions_are_redacted() -> None:
    formatter = make_formatter(_settings(log_format="json"))
    try:
        raise RuntimeError(f"bad key {SECRETS['admin']}")
    except RuntimeError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "failed", None, exc_info=__import__("sys").exc_info()
        )
    line = formatter.format(record)
    assert "RuntimeError" in line and SECRETS["admin"] not in line


def test_settings_repr_and_dump_hide_every_secret() -> None:
    settings = _settings()
    shown = repr(settings) + str(settings) + json.dumps(settings.model_dump(mode="json"))
    for name in ("api_key", "admin", "client"):
        assert SECRETS[name] not in shown
    printed = repr(settings) + str(settings)
    assert SECRETS["redis_password"] not in printed
    assert "redis://:***@127.0.0.1:6379/0" in printed


def test_configure_logging_writes_the_chosen_format(restore_root: None) -> None:
    out = io.StringIO()
    configure_logging(_settings(log_format="json"), stream=out)
    logging.getLogger("claimcheck.x").info(
        "checked with %s", SECRETS["api_key"], extra={"claim_id": "clm_9"}
    )
    data = json.loads(out.getvalue().strip().splitlines()[-1])
    assert data["claim_id"] == "clm_9"
    assert data["message"] == f"checked with {REDACTED}"


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize(
    "secret",
    [
        "d3lt4+K3y/with=b64chars",  # percent-encoded in a URL
        'quote"in-the-middle-key',  # JSON escapes the quote
        "back\\slash-secret-key",  # JSON and repr escape the backslash
        "pw",  # short: redacted as a whole word only
    ],
)
def test_secrets_are_redacted_in_their_encoded_forms(log_format: str, secret: str) -> None:
    import re
    from urllib.parse import quote, quote_plus

    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote_plus(secret, safe=""))
    formatter = make_formatter(_settings(log_format=log_format, admin_key=secret))
    shown = [
        f"GET /v1/stream?api_key={quote(secret, safe='')}",
        f"GET /v1/stream?api_key={lower_hex}",
        f"headers {{'x-api-key': {secret!r}}}",
        f"body {json.dumps({'key': secret})}",
        f"plain {secret} end",
    ]
    for message in shown:
        line = formatter.format(_record("%s", message))
        assert REDACTED in line, line
        for form in (secret, quote(secret, safe=""), json.dumps(secret)[1:-1], repr(secret)[1:-1]):
            assert form not in line.replace(REDACTED, ""), line
    # a short secret does not blank out words that merely contain it
    if len(secret) < 8:
        assert "pwned passwords" in formatter.format(_record("pwned passwords"))
