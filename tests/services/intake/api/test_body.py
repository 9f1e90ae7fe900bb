"""Every kind of bad input gets its 4xx naming the field, and changes nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.schemas import ErrorBody
from tests.services.intake.conftest import Intake, IntakeFactory

MAX_TEXT_CHARS = 200
BODY_LIMIT = MAX_TEXT_CHARS * 6 + 256 * 1024
JSON = {"Content-Type": "application/json"}


@dataclasses.dataclass(frozen=True)
class Case:
    status: int
    field: str | None
    content: bytes
    headers: dict[str, str] = dataclasses.field(default_factory=lambda: dict(JSON))
    error: str | None = None


CASES: dict[str, Case] = {
    "empty text": Case(422, "text", b'{"text": ""}', error="validation_error"),
    "whitespace text": Case(422, "text", b'{"text": " \\n\\t "}', error="validation_error"),
    "zero-width text": Case(
        422, "text", b'{"text": "\\u200b\\u200c\\u200d\\u2060\\ufeff"}', error="validation_error"
    ),
    "format characters and spaces": Case(
        422, "text", '{"text": " \u00ad\u200e \U000e0041\\n"}'.encode(), error="validation_error"
    ),
    "text too long": Case(
        422, "text", b'{"text": "' + b"a" * (MAX_TEXT_CHARS + 1) + b'"}', error="text_too_long"
    ),
    "missing text": Case(422, "text", b"{}", error="validation_error"),
    "text not a string": Case(422, "text", b'{"text": 17}', error="validation_error"),
    "text is null": Case(422, "text", b'{"text": null}', error="validation_error"),
    "unknown field": Case(
        422,
        "surprise",
        b'{"text": "Water boils at 100 C.", "surprise": 1}',
        error="validation_error",
    ),
    "array body": Case(422, "body", b'["Water boils at 100 C."]', error="validation_error"),
    "invalid utf-8": Case(400, "body", b'{"text": "caf\xe9 au lait"}', error="invalid_utf8"),
    "malformed json": Case(400, "body", b'{"text": "unterminated', error="malformed_json"),
    "empty body": Case(400, "body", b"", error="malformed_json"),
    "lone surrogate": Case(
        422, "text", b'{"text": "Da Nang \\ud800 Vietnam."}', error="validation_error"
    ),
    "lone surrogate in a key": Case(
        422, "x\\ud800", b'{"text": "Da Nang.", "x\\ud800": 1}', error="validation_error"
    ),
    "nested 990 levels": Case(
        400, "body", b'{"text": "x", "extra": ' + b"[" * 990 + b"]" * 990 + b"}", error="too_deep"
    ),
    "NaN": Case(400, "body", b'{"text": "x", "extra": NaN}', error="malformed_json"),
    "duplicate key": Case(400, "text", b'{"text": "a b c", "text": "d"}', error="malformed_json"),
    "text/plain": Case(
        415,
        "Content-Type",
        b'{"text": "Water boils at 100 C."}',
        headers={"Content-Type": "text/plain"},
        error="unsupported_media_type",
    ),
    "form encoded": Case(
        415,
        "Content-Type",
        b"text=hello",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "latin-1 charset": Case(
        415,
        "Content-Type",
        b'{"text": "Water boils at 100 C."}',
        headers={"Content-Type": "application/json; charset=latin-1"},
    ),
    "oversized body": Case(
        413, "body", b'{"text": "' + b"a" * BODY_LIMIT + b'"}', error="payload_too_large"
    ),
}

ARTICLE_ONLY: dict[str, Case] = {
    "title not a string": Case(422, "title", b'{"text": "x y z", "title": ["a"]}'),
    "bad published_at": Case(422, "published_at", b'{"text": "x y z", "published_at": "soon"}'),
    **{
        f"{scheme} url": Case(422, "url", b'{"text": "x y z", "url": "' + url + b'"}')
        for scheme, url in {
            "javascript": b"javascript:alert(1)",
            "data": b"data:text/html,<script>alert(1)</script>",
            "file": b"file:///etc/passwd",
            "hostless": b"https:///path",
            "relative": b"/news/1",
        }.items()
    },
}
CLAIM_ONLY: dict[str, Case] = {
    "context too long": Case(
        422, "context", b'{"text": "x y z", "context": "' + b"c" * 20_001 + b'"}'
    ),
    **{
        f"{scheme} source_url": Case(
            422, "source_url", b'{"text": "x y z", "source_url": "' + url + b'"}'
        )
        for scheme, url in {
            "javascript": b"JavaScript:alert(1)",
            "data": b"data:,hello",
            "file": b"file:///etc/passwd",
        }.items()
    },
}


@pytest.fixture
def small_intake(intake_factory: IntakeFactory) -> Intake:
    intake = intake_factory(max_text_chars=MAX_TEXT_CHARS)
    # something already stored, so "unchanged" is not trivially "empty"
    assert intake.api.post("/v1/claims", json={"text": "Water boils at 100 C."}).status_code == 202
    return intake


def check(intake: Intake, path: str, case: Case) -> None:
    before = intake.snapshot()
    response = intake.api.post(path, content=case.content, headers=case.headers)
    assert response.status_code == case.status, response.text
    body = ErrorBody.model_validate(response.json())
    assert body.field == case.field
    assert body.message
    if case.error:
        assert body.error == case.error
    assert intake.snapshot() == before


@pytest.mark.parametrize("path", ["/v1/articles", "/v1/claims"])
@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_on_both_routes(small_intake: Intake, path: str, name: str) -> None:
    check(small_intake, path, CASES[name])


@pytest.mark.parametrize("name", list(ARTICLE_ONLY))
def test_bad_article_fields(small_intake: Intake, name: str) -> None:
    check(small_intake, "/v1/articles", ARTICLE_ONLY[name])


@pytest.mark.parametrize("name", list(CLAIM_ONLY))
def test_bad_claim_fields(small_intake: Intake, name: str) -> None:
    check(small_intake, "/v1/claims", CLAIM_ONLY[name])


def test_web_urls_and_visible_text_are_accepted(small_intake: Intake) -> None:
    article = {"text": "\u200bWater boils at 100 C.", "url": "HTTPS://example.org/a?b#c"}
    assert small_intake.api.post("/v1/articles", json=article).status_code == 202
    claim = {"text": "Water boils at 100 C.", "source_url": "http://example.org"}
    assert small_intake.api.post("/v1/claims", json=claim).status_code == 202


def test_a_refused_url_is_named_in_the_message(small_intake: Intake) -> None:
    body = {"text": "x y z", "url": "javascript:alert(1)"}
    message = small_intake.api.post("/v1/articles", json=body).json()["message"]
    assert message.startswith("url:") and "http or https" in message


def test_unknown_field_message_names_it(small_intake: Intake) -> None:
    response = small_intake.api.post("/v1/claims", json={"text": "x y z", "colour": "red"})
    assert response.json()["message"] == "unknown field 'colour'"


def test_declared_oversized_body_is_refused_before_reading(small_intake: Intake) -> None:
    read: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(1)
        yield b'{"text": "x y z"}'

    before = small_intake.snapshot()
    response = small_intake.api.post(
        "/v1/articles",
        content=body(),
        headers={**JSON, "Content-Length": str(BODY_LIMIT + 1)},
    )
    assert response.status_code == 413
    assert response.json()["field"] == "body"
    assert read == [], "the body was read although its declared length was too large"
    assert small_intake.snapshot() == before


def test_streamed_oversized_body_without_length_is_refused(small_intake: Intake) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(BODY_LIMIT // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    before = small_intake.snapshot()
    response = small_intake.api.post("/v1/articles", content=body(), headers=JSON)
    assert response.status_code == 413
    assert small_intake.snapshot() == before


def test_text_at_the_limit_is_accepted(small_intake: Intake) -> None:
    text = ("Water boils at 100 C in Paris. " * 10)[:MAX_TEXT_CHARS]
    response = small_intake.api.post("/v1/claims", json={"text": text})
    assert response.status_code == 202


def test_json_with_charset_and_suffix_types_are_accepted(small_intake: Intake) -> None:
    for content_type in ("application/json; charset=UTF-8", "application/vnd.claim+json"):
        response = small_intake.api.post(
            "/v1/claims",
            content=b'{"text": "Water boils at 100 C."}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 202, content_type


@pytest.mark.parametrize(
    ("method", "path", "status", "error"),
    [
        ("GET", "/v2/nothing", 404, "not_found"),
        ("DELETE", "/v1/claims", 405, "method_not_allowed"),
        ("PUT", "/healthz", 405, "method_not_allowed"),
    ],
)
def test_framework_errors_use_the_error_body(
    intake: Intake, method: str, path: str, status: int, error: str
) -> None:
    response = intake.api.request(method, path)
    assert response.status_code == status
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message", "field"}
    assert body["error"] == error
