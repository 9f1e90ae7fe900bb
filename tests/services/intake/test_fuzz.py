"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis).

A real uvicorn serves the real app (real Redis, real Celery producer); schemathesis
generates valid (positive) and invalid (negative) requests for every operation and checks
each answer: never a 5xx, status code documented, content type, headers and body matching
the documented schema. The seed is fixed (``derandomize``) and the number of examples
bounded (``MAX_EXAMPLES`` per operation and mode), so CI runs the same cases every time.

(schemathesis' own pytest loader does not work with pytest 9, so the test drives
hypothesis itself with each operation's strategy.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from services.intake.api.app import create_app
from services.intake.extraction import ClaimExtractor
from shared.settings_configs import broker_config
from shared.store.client import make_redis
from shared.tasks import CeleryEnqueuer
from tests.conftest import SettingsFactory
from tests.services.intake.conftest import API_KEY, AUTH_SETTINGS
from tests.services.intake.live import live_server

ADMIN_KEY = "fuzz-admin-key-0123456789-aaaaaaaaaa"
MAX_EXAMPLES = int(os.environ.get("CLAIMCHECK_FUZZ_EXAMPLES", "20"))
"""Per operation and mode; ``make fuzz`` raises it."""
AUTH_HEADERS = {"X-API-Key": API_KEY, "X-Admin-Key": ADMIN_KEY}


@pytest.fixture(scope="module")
def fuzz_extractor() -> ClaimExtractor:
    return ClaimExtractor("en_core_web_sm")


@pytest.fixture
def base_url(settings_factory: SettingsFactory, fuzz_extractor: ClaimExtractor) -> Iterator[str]:
    app_settings = settings_factory(
        **AUTH_SETTINGS,
        admin_key=ADMIN_KEY,
        rate_limit_requests_per_min=0,
        rate_limit_claims_per_min=0,
        max_text_chars=200_000,
        # which webhook hosts are refused is the address policy's (its own tests): any
        # URL the schema allows must be taken here
        webhook_allow_private=True,
    )
    client = make_redis(app_settings)
    enqueuer = CeleryEnqueuer(broker_config(app_settings))
    app = create_app(app_settings, redis_client=client, enqueuer=enqueuer, extractor=fuzz_extractor)
    try:
        with live_server(app) as url:
            yield url
    finally:
        enqueuer.close()
        client.close()
        client.connection_pool.disconnect()


LONG_LIVED = ("/v1/stream", "/dashboard")
"""Server-Sent Events answers never end; their own tests cover them."""


def _operations(base_url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    return [op for op in operations if not op.path.startswith(LONG_LIVED)]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(base_url: str, mode: GenerationMode) -> None:
    operations = _operations(base_url)
    assert {op.label for op in operations} >= {
        "POST /v1/articles",
        "GET /v1/articles/{article_id}",
        "POST /v1/claims",
        "GET /v1/claims/{claim_id}",
        "POST /v1/admin/keys",
    }
    for operation in operations:

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: Any) -> None:
            case.call_and_validate(base_url=base_url, headers=dict(AUTH_HEADERS))

        try:
            check()
        except Unsatisfiable:
            # nothing about this operation can be invalid (no parameters, no body)
            assert mode is GenerationMode.NEGATIVE and not operation.body, operation.label
